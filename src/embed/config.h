// Config: every setting of an etcd member, with etcd 3.4's defaults (embed.Config). The
// `etcd` command line builds one from flags, ETCD_* variables or a YAML file, validates it,
// and hands it to RunMember. A plain value: built on one thread, then read-only.
//
// Field names follow the flags (`--heartbeat-interval` → heartbeat_interval_ms); the YAML
// keys are the flag names.
#pragma once

#include <chrono>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "base/log.h"
#include "base/status.h"
#include "base/url.h"

namespace etcdpp::embed {

inline constexpr char kClusterStateNew[] = "new";
inline constexpr char kClusterStateExisting[] = "existing";
inline constexpr char kDefaultName[] = "default";
inline constexpr char kDefaultListenPeerUrls[] = "http://localhost:2380";
inline constexpr char kDefaultListenClientUrls[] = "http://localhost:2379";
inline constexpr char kDefaultInitialAdvertisePeerUrls[] = "http://localhost:2380";
inline constexpr char kDefaultAdvertiseClientUrls[] = "http://localhost:2379";
inline constexpr uint32_t kMaxElectionMs = 50000;

// TLS files and checks for one side (client or peer), as etcd's transport.TLSInfo.
struct TlsInfo {
  std::string cert_file;
  std::string key_file;
  std::string trusted_ca_file;
  bool client_cert_auth = false;
  std::string crl_file;
  std::string allowed_cn;        // peer only
  std::string allowed_hostname;
  bool skip_client_san_verify = false;  // peer only (experimental flag)

  bool Empty() const { return cert_file.empty() && key_file.empty(); }
  friend bool operator==(const TlsInfo&, const TlsInfo&) = default;
};

struct Config {
  Config();  // etcd 3.4's defaults

  // Member.
  std::string name = kDefaultName;
  std::string data_dir;  // "" until main derives "<name>.etcd"
  std::string wal_dir;
  uint64_t snapshot_count = 100000;
  uint64_t snapshot_catch_up_entries = 5000;
  uint64_t max_snapshots = 5;
  uint64_t max_wals = 5;
  // Ours, not etcd's: bytes of raft log entries kept in memory (DESIGN.md §7).
  uint64_t experimental_raft_log_tail_bytes = 16 << 20;
  uint64_t heartbeat_interval_ms = 100;
  uint64_t election_timeout_ms = 1000;
  bool initial_election_tick_advance = true;
  std::chrono::nanoseconds backend_batch_interval{0};  // 0: the backend's default (100ms)
  int64_t backend_batch_limit = 0;                     // 0: the backend's default (10000)
  int64_t quota_backend_bytes = 0;                     // 0: 2 GiB
  uint64_t max_txn_ops = 128;
  uint64_t max_request_bytes = 1572864;
  uint32_t max_concurrent_streams = std::numeric_limits<uint32_t>::max();
  std::chrono::nanoseconds grpc_keepalive_min_time = std::chrono::seconds(5);
  std::chrono::nanoseconds grpc_keepalive_interval = std::chrono::hours(2);
  std::chrono::nanoseconds grpc_keepalive_timeout = std::chrono::seconds(20);

  std::vector<Url> listen_peer_urls;
  std::vector<Url> listen_client_urls;
  std::vector<Url> initial_advertise_peer_urls;
  std::vector<Url> advertise_client_urls;  // empty when --listen-client-urls came alone
  std::vector<Url> listen_metrics_urls;

  // Clustering.
  std::string initial_cluster;  // "default=http://localhost:2380"
  std::string initial_cluster_state = kClusterStateNew;
  std::string initial_cluster_token = "etcd-cluster";
  std::string discovery;
  std::string discovery_proxy;
  std::string discovery_srv;
  std::string discovery_srv_name;
  // --discovery-fallback proxy (etcdmain keeps the flag; the member only needs the choice).
  bool discovery_fallback_proxy = true;
  bool strict_reconfig_check = true;
  bool enable_v2 = false;
  bool pre_vote = false;
  std::string auto_compaction_mode = "periodic";
  std::string auto_compaction_retention = "0";

  // Security.
  TlsInfo client_tls;
  bool client_auto_tls = false;
  TlsInfo peer_tls;
  bool peer_auto_tls = false;
  std::vector<std::string> cipher_suites;
  std::vector<std::string> cors = {"*"};            // sorted, unique
  std::vector<std::string> host_whitelist = {"*"};  // sorted, unique

  // Auth.
  std::string auth_token = "simple";
  uint64_t bcrypt_cost = 10;
  uint64_t auth_token_ttl_s = 300;

  // Profiling, metrics, gateway.
  bool enable_pprof = false;
  std::string metrics = "basic";
  bool enable_grpc_gateway = true;

  // Logging.
  std::string logger_kind = "capnslog";  // --logger
  std::string log_level = "info";
  std::vector<std::string> log_outputs = {"default"};
  std::vector<std::string> deprecated_log_output = {"default"};  // --log-output
  bool debug = false;
  std::string log_package_levels;

  // Experimental and unsafe.
  bool experimental_initial_corrupt_check = false;
  std::chrono::nanoseconds experimental_corrupt_check_time{0};
  std::string experimental_enable_v2v3;
  std::string experimental_backend_bbolt_freelist_type;  // "" behaves as "array"
  bool experimental_enable_lease_checkpoint = false;
  bool experimental_enable_lease_checkpoint_persist = false;
  int64_t experimental_compaction_batch_limit = 0;  // 0: the server's default (1000)
  std::chrono::nanoseconds experimental_watch_progress_notify_interval{0};  // 0: 10m
  std::chrono::nanoseconds experimental_warning_apply_duration = std::chrono::milliseconds(100);
  bool unsafe_no_fsync = false;
  bool force_new_cluster = false;

  // The process's logger, owned by main; null means "do not log".
  Logger* logger = nullptr;

  // etcd's checks (embed.Config.Validate), in etcd's order, with etcd's messages. Logging
  // settings are checked first. Does not log. A missing advertise-client-urls (listen
  // URLs given alone) is the one kFailedPrecondition error, for which etcd prints advice.
  Status Validate() const;
  // The first of etcd's logging checks: --log-output versus --log-outputs. Its errors
  // come before the warnings below.
  Status CheckLogOutputFlags() const;
  // The "[WARNING] Deprecated ..." lines etcd writes to stderr while checking the logging
  // settings, in its order.
  std::vector<std::string> LoggingWarnings() const;
  // The logger settings these flags select (call after Validate succeeded).
  Result<LogOptions> LogSettings() const;

  // Listeners that need TLS files: a https peer URL without peer cert/key, then a
  // https/unixs client URL without cert/key (etcd refuses these as the member starts).
  Status CheckListenerTls() const;

  // "name=url1,name=url2" over initial_advertise_peer_urls ("default" for an empty name).
  std::string InitialClusterFromName(const std::string& member_name) const;
  // When the name changed but the initial cluster did not, the cluster becomes this
  // member alone; when a listen URL is 0.0.0.0 and the matching advertise URL is the
  // default, the advertise host becomes `default_host`. Returns the host it used, or "".
  std::string UpdateDefaultClusterFromName(const std::string& default_initial_cluster,
                                           const std::string& default_host);
  uint64_t ElectionTicks() const { return election_timeout_ms / heartbeat_interval_ms; }
  bool IsNewCluster() const { return initial_cluster_state == kClusterStateNew; }
};

// The outcome of reading a YAML configuration file. A file etcd refuses before its
// checks (a malformed URL list) is reported with `print_as_is` set: etcd prints such
// messages bare and exits 1, while other errors become "error verifying flags, ...".
struct ConfigFileError {
  std::string message;
  bool print_as_is = false;
};

// Reads etcd's YAML configuration (keys are flag names; TLS settings under
// client-transport-security / peer-transport-security; unknown keys ignored) over the
// defaults, with etcd's derived values (discovery clears the default initial cluster).
// The caller validates the result. Never throws.
Result<Config> ConfigFromYaml(const std::string& yaml_text, ConfigFileError* error);
Result<Config> ConfigFromFile(const std::string& path, ConfigFileError* error);

// The machine's address on its default route, as etcd picks it for advertising when it
// listens on 0.0.0.0; "" and an error when there is none.
Result<std::string> DetectDefaultHost();

}  // namespace etcdpp::embed
