// etcd's YAML configuration file. etcd converts the YAML to JSON and decodes it into its
// Config with Go's encoding/json, so a value's YAML type must match the field's Go type
// (durations are integer nanoseconds, `snapshot-count: "5"` is refused) and the error
// texts are encoding/json's. This file reproduces those rules over yaml-cpp.
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <functional>
#include <sstream>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "embed/config.h"

namespace etcdpp::embed {
namespace {

enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };

bool OneOf(const std::string& s, std::initializer_list<std::string_view> words) {
  for (auto w : words)
    if (s == w) return true;
  return false;
}

bool LooksNumeric(const std::string& s) {
  if (s.empty()) return false;
  char* end = nullptr;
  std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size() && s.find_first_of("xXnN") == std::string::npos;
}

// YAML 1.1 resolution of plain scalars, as the YAML library etcd uses applies it.
Kind KindOf(const YAML::Node& node) {
  if (node.IsNull()) return Kind::kNull;
  if (node.IsSequence()) return Kind::kArray;
  if (node.IsMap()) return Kind::kObject;
  if (node.Tag() == "!") return Kind::kString;  // quoted
  const std::string& s = node.Scalar();
  if (OneOf(s, {"", "~", "null", "Null", "NULL"})) return Kind::kNull;
  if (OneOf(s, {"y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True", "TRUE", "false",
                "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF"})) {
    return Kind::kBool;
  }
  return LooksNumeric(s) ? Kind::kNumber : Kind::kString;
}

std::string_view KindName(Kind k) {
  switch (k) {
    case Kind::kNull: return "null";
    case Kind::kBool: return "bool";
    case Kind::kNumber: return "number";
    case Kind::kString: return "string";
    case Kind::kArray: return "array";
    case Kind::kObject: return "object";
  }
  return "value";
}

Status TypeError(const YAML::Node& node, const std::string& field, std::string_view go_type) {
  Kind k = KindOf(node);
  std::string what(KindName(k));
  // encoding/json quotes the number only when the field itself is numeric.
  const bool numeric_field = go_type.starts_with("int") || go_type.starts_with("uint") || go_type == "time.Duration";
  if (k == Kind::kNumber && numeric_field) what += " " + node.Scalar();
  return InvalidArgument(fmt::format(
      "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go struct field configYAML.{} of type {}",
      what, field, go_type));
}

using Setter = std::function<Status(const YAML::Node&, const std::string& field)>;

Setter StringField(std::string* target) {
  return [target](const YAML::Node& n, const std::string& field) -> Status {
    Kind k = KindOf(n);
    if (k == Kind::kNull) return Status::Ok();
    if (k != Kind::kString) return TypeError(n, field, "string");
    *target = n.Scalar();
    return Status::Ok();
  };
}

Setter BoolField(bool* target) {
  return [target](const YAML::Node& n, const std::string& field) -> Status {
    Kind k = KindOf(n);
    if (k == Kind::kNull) return Status::Ok();
    if (k != Kind::kBool) return TypeError(n, field, "bool");
    *target = OneOf(n.Scalar(), {"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"});
    return Status::Ok();
  };
}

// Integers of Go type `go_type` within [min, max].
template <typename T>
Setter IntField(T* target, std::string_view go_type, long double min, long double max) {
  return [=](const YAML::Node& n, const std::string& field) -> Status {
    Kind k = KindOf(n);
    if (k == Kind::kNull) return Status::Ok();
    if (k != Kind::kNumber) return TypeError(n, field, go_type);
    const std::string& s = n.Scalar();
    char* end = nullptr;
    long double v = std::strtold(s.c_str(), &end);
    // YAML floats with integral values (1e3) arrive as JSON integers.
    const bool integral = v == std::floor(v);
    if (end != s.c_str() + s.size() || !integral || v < min || v > max) return TypeError(n, field, go_type);
    *target = static_cast<T>(v);
    return Status::Ok();
  };
}

Setter UintField(uint64_t* target, std::string_view go_type) {
  return IntField(target, go_type, 0, 18446744073709551615.0L);
}
Setter Int64Field(int64_t* target, std::string_view go_type) {
  return IntField(target, go_type, -9223372036854775808.0L, 9223372036854775807.0L);
}

Setter DurationField(std::chrono::nanoseconds* target) {
  return [target](const YAML::Node& n, const std::string& field) -> Status {
    int64_t ns = target->count();
    ETCDPP_RETURN_IF_ERROR(Int64Field(&ns, "time.Duration")(n, field));
    *target = std::chrono::nanoseconds(ns);
    return Status::Ok();
  };
}

Setter StringsField(std::vector<std::string>* target) {
  return [target](const YAML::Node& n, const std::string& field) -> Status {
    Kind k = KindOf(n);
    if (k == Kind::kNull) return Status::Ok();
    if (k != Kind::kArray) return TypeError(n, field, "[]string");
    std::vector<std::string> values;
    for (const YAML::Node& item : n) {
      Kind ik = KindOf(item);
      if (ik == Kind::kNull) {
        values.emplace_back();
        continue;
      }
      if (ik != Kind::kString) return TypeError(item, field, "string");
      values.push_back(item.Scalar());
    }
    *target = std::move(values);
    return Status::Ok();
  };
}

// The keys etcd reads besides the plain fields: URL lists and TLS blocks.
struct RawKeys {
  std::string listen_peer_urls, listen_client_urls, initial_advertise_peer_urls, advertise_client_urls;
  std::string listen_metrics_urls, cors, host_whitelist;
  struct Security {
    std::string cert_file, key_file, trusted_ca_file;
    bool client_cert_auth = false, auto_tls = false;
  } client, peer;
};

std::vector<std::pair<std::string, Setter>> Fields(Config& c, RawKeys& raw) {
  return {
      {"name", StringField(&c.name)},
      {"data-dir", StringField(&c.data_dir)},
      {"wal-dir", StringField(&c.wal_dir)},
      {"snapshot-count", UintField(&c.snapshot_count, "uint64")},
      {"max-snapshots", UintField(&c.max_snapshots, "uint")},
      {"max-wals", UintField(&c.max_wals, "uint")},
      {"experimental-raft-log-tail-bytes", UintField(&c.experimental_raft_log_tail_bytes, "uint64")},
      {"heartbeat-interval", UintField(&c.heartbeat_interval_ms, "uint")},
      {"election-timeout", UintField(&c.election_timeout_ms, "uint")},
      {"initial-election-tick-advance", BoolField(&c.initial_election_tick_advance)},
      {"backend-batch-interval", DurationField(&c.backend_batch_interval)},
      {"backend-batch-limit", Int64Field(&c.backend_batch_limit, "int")},
      {"quota-backend-bytes", Int64Field(&c.quota_backend_bytes, "int64")},
      {"max-txn-ops", UintField(&c.max_txn_ops, "uint")},
      {"max-request-bytes", UintField(&c.max_request_bytes, "uint")},
      {"max-concurrent-streams", IntField(&c.max_concurrent_streams, "uint32", 0, 4294967295.0L)},
      {"listen-peer-urls", StringField(&raw.listen_peer_urls)},
      {"listen-client-urls", StringField(&raw.listen_client_urls)},
      {"initial-advertise-peer-urls", StringField(&raw.initial_advertise_peer_urls)},
      {"advertise-client-urls", StringField(&raw.advertise_client_urls)},
      {"listen-metrics-urls", StringField(&raw.listen_metrics_urls)},
      {"cors", StringField(&raw.cors)},
      {"host-whitelist", StringField(&raw.host_whitelist)},
      {"cipher-suites", StringsField(&c.cipher_suites)},
      {"initial-cluster-state", StringField(&c.initial_cluster_state)},
      {"discovery-srv", StringField(&c.discovery_srv)},
      {"discovery-srv-name", StringField(&c.discovery_srv_name)},
      {"discovery-proxy", StringField(&c.discovery_proxy)},
      {"discovery", StringField(&c.discovery)},
      {"initial-cluster", StringField(&c.initial_cluster)},
      {"initial-cluster-token", StringField(&c.initial_cluster_token)},
      {"strict-reconfig-check", BoolField(&c.strict_reconfig_check)},
      {"enable-v2", BoolField(&c.enable_v2)},
      {"auto-compaction-mode", StringField(&c.auto_compaction_mode)},
      {"auto-compaction-retention", StringField(&c.auto_compaction_retention)},
      {"grpc-keepalive-min-time", DurationField(&c.grpc_keepalive_min_time)},
      {"grpc-keepalive-interval", DurationField(&c.grpc_keepalive_interval)},
      {"grpc-keepalive-timeout", DurationField(&c.grpc_keepalive_timeout)},
      {"pre-vote", BoolField(&c.pre_vote)},
      {"auth-token", StringField(&c.auth_token)},
      {"bcrypt-cost", UintField(&c.bcrypt_cost, "uint")},
      {"auth-token-ttl", UintField(&c.auth_token_ttl_s, "uint")},
      {"experimental-initial-corrupt-check", BoolField(&c.experimental_initial_corrupt_check)},
      {"experimental-corrupt-check-time", DurationField(&c.experimental_corrupt_check_time)},
      {"experimental-enable-v2v3", StringField(&c.experimental_enable_v2v3)},
      {"experimental-backend-bbolt-freelist-type", StringField(&c.experimental_backend_bbolt_freelist_type)},
      {"experimental-enable-lease-checkpoint", BoolField(&c.experimental_enable_lease_checkpoint)},
      {"experimental-enable-lease-checkpoint-persist", BoolField(&c.experimental_enable_lease_checkpoint_persist)},
      {"experimental-compaction-batch-limit", Int64Field(&c.experimental_compaction_batch_limit, "int")},
      {"experimental-watch-progress-notify-interval", DurationField(&c.experimental_watch_progress_notify_interval)},
      {"experimental-warning-apply-duration", DurationField(&c.experimental_warning_apply_duration)},
      {"force-new-cluster", BoolField(&c.force_new_cluster)},
      {"enable-pprof", BoolField(&c.enable_pprof)},
      {"metrics", StringField(&c.metrics)},
      {"logger", StringField(&c.logger_kind)},
      {"log-level", StringField(&c.log_level)},
      {"log-outputs", StringsField(&c.log_outputs)},
      {"log-output", StringsField(&c.deprecated_log_output)},
      {"enable-grpc-gateway", BoolField(&c.enable_grpc_gateway)},
      {"debug", BoolField(&c.debug)},
      {"log-package-levels", StringField(&c.log_package_levels)},
      {"unsafe-no-fsync", BoolField(&c.unsafe_no_fsync)},
  };
}

// encoding/json matches keys to field names without regard to case.
bool SameKey(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

Status ReadSecurity(const YAML::Node& node, const std::string& field, RawKeys::Security& out) {
  Kind k = KindOf(node);
  if (k == Kind::kNull) return Status::Ok();
  if (k != Kind::kObject) return TypeError(node, field, "embed.securityConfig");
  std::vector<std::pair<std::string, Setter>> keys = {
      {"cert-file", StringField(&out.cert_file)},
      {"key-file", StringField(&out.key_file)},
      {"trusted-ca-file", StringField(&out.trusted_ca_file)},
      {"client-cert-auth", BoolField(&out.client_cert_auth)},
      {"auto-tls", BoolField(&out.auto_tls)},
  };
  for (const auto& entry : node) {
    for (const auto& [key, set] : keys) {
      if (SameKey(entry.first.Scalar(), key)) ETCDPP_RETURN_IF_ERROR(set(entry.second, field + "." + key));
    }
  }
  return Status::Ok();
}

// Decodes the document into `c` and `raw`; the first type error wins, as in encoding/json.
Status Decode(const YAML::Node& root, Config& c, RawKeys& raw) {
  if (KindOf(root) == Kind::kNull) return Status::Ok();
  if (!root.IsMap()) {
    return InvalidArgument(fmt::format(
        "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go value of type embed.configYAML",
        KindName(KindOf(root))));
  }
  auto fields = Fields(c, raw);
  for (const auto& entry : root) {
    const std::string key = entry.first.Scalar();
    if (SameKey(key, "client-transport-security")) {
      ETCDPP_RETURN_IF_ERROR(ReadSecurity(entry.second, "client-transport-security", raw.client));
      continue;
    }
    if (SameKey(key, "peer-transport-security")) {
      ETCDPP_RETURN_IF_ERROR(ReadSecurity(entry.second, "peer-transport-security", raw.peer));
      continue;
    }
    for (const auto& [name, set] : fields) {
      if (SameKey(key, name)) ETCDPP_RETURN_IF_ERROR(set(entry.second, name));
    }
  }
  return Status::Ok();
}

// A URL-list key etcd refuses outright (bare message, exit 1) when malformed.
bool ApplyUrls(const std::string& text, std::string_view what, std::vector<Url>& target, ConfigFileError* error) {
  if (text.empty()) return true;
  Result<std::vector<Url>> urls = ParseUrlList(std::string_view(text));
  if (!urls.ok()) {
    error->message = fmt::format("unexpected error setting up {}: {}", what, urls.status().message());
    error->print_as_is = true;
    return false;
  }
  target = std::move(urls).value();
  return true;
}

std::vector<std::string> UniqueSorted(const std::string& comma_separated) {
  std::vector<std::string> out;
  std::stringstream in(comma_separated);
  for (std::string item; std::getline(in, item, ',');) out.push_back(item);
  if (!comma_separated.empty() && comma_separated.back() == ',') out.emplace_back();
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace

Result<Config> ConfigFromYaml(const std::string& yaml_text, ConfigFileError* error) {
  *error = {};
  Config c;
  const std::string default_initial_cluster = c.initial_cluster;
  RawKeys raw;
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    error->message = fmt::format("error converting YAML to JSON: yaml: line {}: {}", e.mark.line + 1, e.msg);
    return InvalidArgument(error->message);
  }
  if (Status s = Decode(root, c, raw); !s.ok()) {
    error->message = s.message();
    return s;
  }
  if (!ApplyUrls(raw.listen_peer_urls, "listen-peer-urls", c.listen_peer_urls, error) ||
      !ApplyUrls(raw.listen_client_urls, "listen-client-urls", c.listen_client_urls, error) ||
      !ApplyUrls(raw.initial_advertise_peer_urls, "initial-advertise-peer-urls", c.initial_advertise_peer_urls, error) ||
      // etcd names this key "advertise-peer-urls" in its message.
      !ApplyUrls(raw.advertise_client_urls, "advertise-peer-urls", c.advertise_client_urls, error) ||
      !ApplyUrls(raw.listen_metrics_urls, "listen-metrics-urls", c.listen_metrics_urls, error)) {
    return FailedPrecondition(error->message);
  }
  if (!raw.cors.empty()) {
    if (raw.cors == "*") {
      c.cors = {"*"};
    } else {
      std::vector<Url> origins;
      if (!ApplyUrls(raw.cors, "cors", origins, error)) return FailedPrecondition(error->message);
      c.cors = UniqueSorted(JoinUrls(origins));
    }
  }
  if (!raw.host_whitelist.empty()) c.host_whitelist = UniqueSorted(raw.host_whitelist);
  if ((!c.discovery.empty() || !c.discovery_srv.empty()) && c.initial_cluster == default_initial_cluster) {
    c.initial_cluster.clear();
  }
  if (c.initial_cluster_state.empty()) c.initial_cluster_state = kClusterStateNew;
  auto copy_security = [](TlsInfo& tls, const RawKeys::Security& s) {
    tls.cert_file = s.cert_file;
    tls.key_file = s.key_file;
    tls.client_cert_auth = s.client_cert_auth;
    tls.trusted_ca_file = s.trusted_ca_file;
  };
  copy_security(c.client_tls, raw.client);
  copy_security(c.peer_tls, raw.peer);
  c.client_auto_tls = raw.client.auto_tls;
  c.peer_auto_tls = raw.peer.auto_tls;
  return c;
}

Result<Config> ConfigFromFile(const std::string& path, ConfigFileError* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::string why = std::strerror(errno);
    if (!why.empty()) why[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(why[0])));
    error->message = fmt::format("open {}: {}", path, why);
    error->print_as_is = false;
    return NotFound(error->message);
  }
  std::stringstream text;
  text << in.rdbuf();
  return ConfigFromYaml(text.str(), error);
}

}  // namespace etcdpp::embed
