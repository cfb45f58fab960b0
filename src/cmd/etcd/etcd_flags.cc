#include "cmd/etcd/etcd_flags.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

namespace etcdpp::etcdmain {
namespace {

std::vector<std::string> SplitComma(std::string_view s) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t comma = s.find(',', start);
    out.emplace_back(s.substr(start, comma - start));
    if (comma == std::string_view::npos) return out;
    start = comma + 1;
  }
}

std::vector<std::string> SortedUnique(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

// etcd's URL-list flags: a new list replaces the old one; the empty string and a URL
// already in the list change nothing.
FlagSet::Setter UrlList(std::vector<Url>* target) {
  return [target](std::string_view value) -> Status {
    if (value.empty()) return Status::Ok();
    for (const Url& u : *target)
      if (u.String() == value) return Status::Ok();
    ETCDPP_ASSIGN_OR_RETURN(*target, ParseUrlList(value));
    return Status::Ok();
  };
}

// etcd's unique-strings flags (host-whitelist, log-outputs): the set of comma-separated
// values, kept sorted.
FlagSet::Setter UniqueStrings(std::vector<std::string>* target) {
  return [target](std::string_view value) {
    *target = SortedUnique(SplitComma(value));
    return Status::Ok();
  };
}

// One of a fixed set of words (etcd's SelectiveStringValue).
FlagSet::Setter OneOf(std::string* target, std::vector<std::string> valid) {
  return [target, valid = std::move(valid)](std::string_view value) -> Status {
    if (std::find(valid.begin(), valid.end(), value) == valid.end()) return InvalidArgument("invalid value");
    *target = std::string(value);
    return Status::Ok();
  };
}

// --cors: "*" stays allowed beside URLs; anything else must be a URL list.
FlagSet::Setter CorsOrigins(std::vector<std::string>* target) {
  return [target](std::string_view value) -> Status {
    std::set<std::string> values(target->begin(), target->end());
    if (values.count(std::string(value))) return Status::Ok();
    if (value == "*") {
      target->push_back("*");
      *target = SortedUnique(*target);
      return Status::Ok();
    }
    ETCDPP_ASSIGN_OR_RETURN(std::vector<Url> urls, ParseUrlList(value));
    target->clear();
    for (const Url& u : urls) target->push_back(u.String());
    *target = SortedUnique(*target);
    return Status::Ok();
  };
}

FlagSet::Setter Uint32(uint32_t* target) {
  return [target](std::string_view value) -> Status {
    Result<uint64_t> v = ParseGoUint(value, 32);
    if (!v.ok()) {
      bool range = v.status().code() == StatusCode::kOutOfRange;
      return InvalidArgument(fmt::format("strconv.ParseUint: parsing \"{}\": {}", value,
                                         range ? "value out of range" : "invalid syntax"));
    }
    *target = static_cast<uint32_t>(*v);
    return Status::Ok();
  };
}

void DefineMemberFlags(FlagSet& f, embed::Config& c) {
  f.String("data-dir", &c.data_dir);
  f.String("wal-dir", &c.wal_dir);
  f.Custom("listen-peer-urls", false, UrlList(&c.listen_peer_urls));
  f.Custom("listen-client-urls", false, UrlList(&c.listen_client_urls));
  f.Custom("listen-metrics-urls", false, UrlList(&c.listen_metrics_urls));
  f.Uint("max-snapshots", &c.max_snapshots);
  f.Uint("max-wals", &c.max_wals);
  f.Uint("experimental-raft-log-tail-bytes", &c.experimental_raft_log_tail_bytes);  // ours
  f.String("name", &c.name);
  f.Uint("snapshot-count", &c.snapshot_count);
  f.Uint("heartbeat-interval", &c.heartbeat_interval_ms);
  f.Uint("election-timeout", &c.election_timeout_ms);
  f.Bool("initial-election-tick-advance", &c.initial_election_tick_advance);
  f.Int("quota-backend-bytes", &c.quota_backend_bytes);
  f.Duration("backend-batch-interval", &c.backend_batch_interval);
  f.Int("backend-batch-limit", &c.backend_batch_limit);
  f.Uint("max-txn-ops", &c.max_txn_ops);
  f.Uint("max-request-bytes", &c.max_request_bytes);
  f.Duration("grpc-keepalive-min-time", &c.grpc_keepalive_min_time);
  f.Duration("grpc-keepalive-interval", &c.grpc_keepalive_interval);
  f.Duration("grpc-keepalive-timeout", &c.grpc_keepalive_timeout);
  f.Custom("max-concurrent-streams", false, Uint32(&c.max_concurrent_streams));
}

void DefineClusterFlags(FlagSet& f, embed::Config& c, ProxySettings& p) {
  f.Custom("initial-advertise-peer-urls", false, UrlList(&c.initial_advertise_peer_urls));
  f.Custom("advertise-client-urls", false, UrlList(&c.advertise_client_urls));
  f.String("discovery", &c.discovery);
  f.Custom("discovery-fallback", false, OneOf(&p.discovery_fallback, {"proxy", "exit"}));
  f.String("discovery-proxy", &c.discovery_proxy);
  f.String("discovery-srv", &c.discovery_srv);
  f.String("discovery-srv-name", &c.discovery_srv_name);
  f.String("initial-cluster", &c.initial_cluster);
  f.String("initial-cluster-token", &c.initial_cluster_token);
  f.Custom("initial-cluster-state", false, OneOf(&c.initial_cluster_state, {"new", "existing"}));
  f.Bool("strict-reconfig-check", &c.strict_reconfig_check);
  f.Bool("enable-v2", &c.enable_v2);
  f.Bool("pre-vote", &c.pre_vote);
  f.String("auto-compaction-retention", &c.auto_compaction_retention);
  f.String("auto-compaction-mode", &c.auto_compaction_mode);

  f.Custom("proxy", false, OneOf(&p.proxy, {"off", "readonly", "on"}));
  f.Uint("proxy-failure-wait", &p.failure_wait_ms);
  f.Uint("proxy-refresh-interval", &p.refresh_interval_ms);
  f.Uint("proxy-dial-timeout", &p.dial_timeout_ms);
  f.Uint("proxy-write-timeout", &p.write_timeout_ms);
  f.Uint("proxy-read-timeout", &p.read_timeout_ms);
}

void DefineSecurityFlags(FlagSet& f, embed::Config& c) {
  f.String("cert-file", &c.client_tls.cert_file);
  f.String("key-file", &c.client_tls.key_file);
  f.Bool("client-cert-auth", &c.client_tls.client_cert_auth);
  f.String("client-crl-file", &c.client_tls.crl_file);
  f.String("client-cert-allowed-hostname", &c.client_tls.allowed_hostname);
  f.String("trusted-ca-file", &c.client_tls.trusted_ca_file);
  f.Bool("auto-tls", &c.client_auto_tls);
  f.String("peer-cert-file", &c.peer_tls.cert_file);
  f.String("peer-key-file", &c.peer_tls.key_file);
  f.Bool("peer-client-cert-auth", &c.peer_tls.client_cert_auth);
  f.String("peer-trusted-ca-file", &c.peer_tls.trusted_ca_file);
  f.Bool("peer-auto-tls", &c.peer_auto_tls);
  f.String("peer-crl-file", &c.peer_tls.crl_file);
  f.String("peer-cert-allowed-cn", &c.peer_tls.allowed_cn);
  f.String("peer-cert-allowed-hostname", &c.peer_tls.allowed_hostname);
  f.Custom("cipher-suites", false, [&c](std::string_view v) {
    c.cipher_suites = SplitComma(v);
    return Status::Ok();
  });
  f.Bool("experimental-peer-skip-client-san-verification", &c.peer_tls.skip_client_san_verify);
  f.Custom("cors", false, CorsOrigins(&c.cors));
  f.Custom("host-whitelist", false, UniqueStrings(&c.host_whitelist));
}

void DefineOtherFlags(FlagSet& f, embed::Config& c) {
  f.String("logger", &c.logger_kind);
  f.Custom("log-output", false, UniqueStrings(&c.deprecated_log_output));
  f.Custom("log-outputs", false, UniqueStrings(&c.log_outputs));
  f.Bool("debug", &c.debug);
  f.String("log-level", &c.log_level);
  f.String("log-package-levels", &c.log_package_levels);

  f.Bool("enable-pprof", &c.enable_pprof);
  f.String("metrics", &c.metrics);
  f.String("auth-token", &c.auth_token);
  f.Uint("bcrypt-cost", &c.bcrypt_cost);
  f.Uint("auth-token-ttl", &c.auth_token_ttl_s);
  f.Bool("enable-grpc-gateway", &c.enable_grpc_gateway);

  f.Bool("experimental-initial-corrupt-check", &c.experimental_initial_corrupt_check);
  f.Duration("experimental-corrupt-check-time", &c.experimental_corrupt_check_time);
  f.String("experimental-enable-v2v3", &c.experimental_enable_v2v3);
  f.String("experimental-backend-bbolt-freelist-type", &c.experimental_backend_bbolt_freelist_type);
  f.Bool("experimental-enable-lease-checkpoint", &c.experimental_enable_lease_checkpoint);
  f.Bool("experimental-enable-lease-checkpoint-persist", &c.experimental_enable_lease_checkpoint_persist);
  f.Int("experimental-compaction-batch-limit", &c.experimental_compaction_batch_limit);
  f.Duration("experimental-watch-progress-notify-interval", &c.experimental_watch_progress_notify_interval);
  f.Duration("experimental-warning-apply-duration", &c.experimental_warning_apply_duration);

  f.Bool("unsafe-no-fsync", &c.unsafe_no_fsync);
  f.Bool("force-new-cluster", &c.force_new_cluster);
}

}  // namespace

void DefineEtcdFlags(FlagSet& flags, CommandLine& target, Logger& logger) {
  flags.String("config-file", &target.config_file);
  flags.Bool("version", &target.print_version);
  DefineMemberFlags(flags, target.config);
  DefineClusterFlags(flags, target.config, target.proxy);
  DefineSecurityFlags(flags, target.config);
  DefineOtherFlags(flags, target.config);
  for (const char* name : kIgnoredFlags) {
    flags.Custom(name, true, [&logger, name](std::string_view) {
      logger.Warn("pkg/flags", fmt::format("flag \"-{}\" is no longer supported - ignoring.", name));
      return Status::Ok();
    });
  }
}

}  // namespace etcdpp::etcdmain
