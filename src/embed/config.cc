#include "embed/config.h"

#include <arpa/inet.h>

#include <fmt/format.h>

namespace etcdpp::embed {
namespace {

std::vector<Url> DefaultUrls(const char* text) { return ParseUrlList(std::string_view(text)).value(); }

// Go's %q of a []string: ["a" "b"].
std::string QuoteList(const std::vector<std::string>& values) {
  std::string out = "[";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ' ';
    out += JsonQuote(values[i]);
  }
  return out + "]";
}

bool IsIp(const std::string& host) {
  unsigned char buf[16];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

Status CheckBindUrls(const std::vector<Url>& urls) {
  for (const Url& url : urls) {
    if (url.scheme == "unix" || url.scheme == "unixs") continue;
    ETCDPP_ASSIGN_OR_RETURN(auto host_port, SplitHostPort(url.host_port));
    if (host_port.first == "localhost") continue;
    if (!IsIp(host_port.first)) {
      return InvalidArgument(fmt::format("expected IP in URL for binding ({})", url.String()));
    }
  }
  return Status::Ok();
}

Status CheckHostUrls(const std::vector<Url>& urls) {
  for (const Url& url : urls) {
    ETCDPP_ASSIGN_OR_RETURN(auto host_port, SplitHostPort(url.host_port));
    if (host_port.first.empty()) return InvalidArgument(fmt::format("unexpected empty host ({})", url.String()));
  }
  return Status::Ok();
}

std::vector<std::string> UrlStrings(const std::vector<Url>& urls) {
  std::vector<std::string> out;
  for (const Url& u : urls) out.push_back(u.String());
  return out;
}

std::string Join(const std::vector<std::string>& parts) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? "," : "") + parts[i];
  return out;
}

}  // namespace

Config::Config()
    : listen_peer_urls(DefaultUrls(kDefaultListenPeerUrls)),
      listen_client_urls(DefaultUrls(kDefaultListenClientUrls)),
      initial_advertise_peer_urls(DefaultUrls(kDefaultInitialAdvertisePeerUrls)),
      advertise_client_urls(DefaultUrls(kDefaultAdvertiseClientUrls)) {
  initial_cluster = InitialClusterFromName(name);
}

std::string Config::InitialClusterFromName(const std::string& member_name) const {
  const std::string& n = member_name.empty() ? std::string(kDefaultName) : member_name;
  std::string out;
  for (const Url& u : initial_advertise_peer_urls) out += (out.empty() ? "" : ",") + n + "=" + u.String();
  return out;
}

std::vector<std::string> Config::LoggingWarnings() const {
  std::vector<std::string> lines;
  if (deprecated_log_output.size() > log_outputs.size()) {
    lines.push_back("'--log-output' flag has been deprecated! Please use '--log-outputs'!");
  } else if (deprecated_log_output.size() == log_outputs.size() && deprecated_log_output.size() == 1 &&
             deprecated_log_output != log_outputs && deprecated_log_output[0] != "default") {
    lines.push_back(fmt::format("[WARNING] Deprecated '--log-output' flag is set to {}", QuoteList(deprecated_log_output)));
    lines.push_back("Please use '--log-outputs' flag");
  }
  if (debug) lines.push_back("[WARNING] Deprecated '--debug' flag is set to true (use '--log-level=debug' instead");
  if (debug && log_level != "debug") {
    lines.push_back(fmt::format("[WARNING] Deprecated '--debug' flag is set to true with inconsistent '--log-level={}' flag", log_level));
  }
  if (logger_kind == "capnslog") {
    lines.push_back("[WARNING] Deprecated '--logger=capnslog' flag is set; use '--logger=zap' flag instead");
  }
  if (!log_package_levels.empty()) {
    lines.push_back(fmt::format("[WARNING] Deprecated '--log-package-levels={}' flag is set; use '--logger=zap' flag instead", log_package_levels));
  }
  return lines;
}

Status Config::CheckLogOutputFlags() const {
  if (deprecated_log_output.size() != log_outputs.size()) return Status::Ok();
  if (deprecated_log_output.size() > 1) {
    return InvalidArgument("both '--log-output' and '--log-outputs' are set; only set '--log-outputs'");
  }
  if (deprecated_log_output.empty()) {
    return InvalidArgument("either '--log-output' or '--log-outputs' flag must be set");
  }
  if (deprecated_log_output == log_outputs && deprecated_log_output[0] != "default") {
    return InvalidArgument(fmt::format("'--log-output={}' and '--log-outputs={}' are incompatible; only set --log-outputs",
                                       QuoteList(deprecated_log_output), QuoteList(log_outputs)));
  }
  return Status::Ok();
}

Status Config::CheckListenerTls() const {
  for (const Url& u : listen_peer_urls) {
    if (u.scheme == "https" && peer_tls.Empty() && !peer_auto_tls) {
      return FailedPrecondition(
          fmt::format("cannot listen on TLS for {}: KeyFile and CertFile are not presented", u.host_port));
    }
  }
  for (const Url& u : listen_client_urls) {
    if ((u.scheme == "https" || u.scheme == "unixs") && client_tls.Empty() && !client_auto_tls) {
      return FailedPrecondition(fmt::format(
          "TLS key/cert (--cert-file, --key-file) must be provided for client url {} with HTTPS scheme", u.String()));
    }
  }
  return Status::Ok();
}

Result<LogOptions> Config::LogSettings() const {
  ETCDPP_RETURN_IF_ERROR(CheckLogOutputFlags());
  // The deprecated flag with several values stands in for --log-outputs, as in etcd.
  std::vector<std::string> outputs =
      deprecated_log_output.size() > log_outputs.size() ? deprecated_log_output : log_outputs;
  LogOptions options;
  if (logger_kind == "capnslog") {
    options.format = LogFormat::kCapnslog;
    ETCDPP_ASSIGN_OR_RETURN(options.level, ParseLogLevel(debug ? "debug" : log_level));
    if (outputs.size() != 1) {
      return InvalidArgument(fmt::format("--logger=capnslog supports only 1 value in '--log-outputs', got {}", QuoteList(outputs)));
    }
    if (outputs[0] != "default" && outputs[0] != "stderr" && outputs[0] != "stdout") {
      return InvalidArgument(fmt::format(
          "unknown log-output \"{}\" (only supports \"default\", \"stderr\", \"stdout\")", outputs[0]));
    }
  } else if (logger_kind == "zap") {
    options.format = LogFormat::kZap;
    ETCDPP_ASSIGN_OR_RETURN(options.level, ParseLogLevel(log_level));
    if (outputs.empty()) outputs = {"default"};
    if (outputs.size() > 1) {
      for (const std::string& o : outputs) {
        if (o == "default") return InvalidArgument("multi logoutput for \"default\" is not supported yet");
      }
    }
  } else {
    return InvalidArgument(fmt::format("unknown logger option \"{}\"", logger_kind));
  }
  options.outputs = outputs;
  return options;
}

Status Config::Validate() const {
  ETCDPP_RETURN_IF_ERROR(LogSettings().status());
  ETCDPP_RETURN_IF_ERROR(CheckBindUrls(listen_peer_urls));
  ETCDPP_RETURN_IF_ERROR(CheckBindUrls(listen_client_urls));
  ETCDPP_RETURN_IF_ERROR(CheckBindUrls(listen_metrics_urls));
  if (Status s = CheckHostUrls(initial_advertise_peer_urls); !s.ok()) {
    return InvalidArgument(fmt::format("--initial-advertise-peer-urls \"{}\" must be \"host:port\" ({})",
                                       Join(UrlStrings(initial_advertise_peer_urls)), s.message()));
  }
  if (Status s = CheckHostUrls(advertise_client_urls); !s.ok()) {
    return InvalidArgument(fmt::format("--advertise-client-urls \"{}\" must be \"host:port\" ({})",
                                       Join(UrlStrings(advertise_client_urls)), s.message()));
  }
  int bootstrap_sources = !discovery.empty() + !initial_cluster.empty() + !discovery_srv.empty();
  if (initial_cluster_state != kClusterStateNew && initial_cluster_state != kClusterStateExisting) {
    return InvalidArgument(fmt::format("unexpected clusterState \"{}\"", initial_cluster_state));
  }
  if (bootstrap_sources > 1) {
    return InvalidArgument(
        "multiple discovery or bootstrap flags are set. Choose one of \"initial-cluster\", \"discovery\" or "
        "\"discovery-srv\"");
  }
  if (heartbeat_interval_ms == 0) {
    return InvalidArgument(fmt::format("--heartbeat-interval must be >0 (set to {}ms)", heartbeat_interval_ms));
  }
  if (election_timeout_ms == 0) {
    return InvalidArgument(fmt::format("--election-timeout must be >0 (set to {}ms)", election_timeout_ms));
  }
  if (5 * heartbeat_interval_ms > election_timeout_ms) {
    return InvalidArgument(fmt::format("--election-timeout[{}ms] should be at least as 5 times as --heartbeat-interval[{}ms]",
                                       election_timeout_ms, heartbeat_interval_ms));
  }
  if (election_timeout_ms > kMaxElectionMs) {
    return InvalidArgument(fmt::format("--election-timeout[{}ms] is too long, and should be set less than {}ms",
                                       election_timeout_ms, kMaxElectionMs));
  }
  if (!listen_client_urls.empty() && advertise_client_urls.empty()) {
    return FailedPrecondition("--advertise-client-urls is required when --listen-client-urls is set explicitly");
  }
  if (!auto_compaction_mode.empty() && auto_compaction_mode != "periodic" && auto_compaction_mode != "revision") {
    return InvalidArgument(fmt::format("unknown auto-compaction-mode \"{}\"", auto_compaction_mode));
  }
  if (experimental_enable_lease_checkpoint_persist && !experimental_enable_lease_checkpoint) {
    return InvalidArgument(
        "setting experimental-enable-lease-checkpoint-persist requires experimental-enable-lease-checkpoint");
  }
  return Status::Ok();
}

std::string Config::UpdateDefaultClusterFromName(const std::string& default_initial_cluster,
                                                 const std::string& default_host) {
  bool used = false;
  // Advertise the machine's address instead of localhost when listening on every address.
  auto adopt_default_host = [&](std::vector<Url>& advertise, const char* default_url,
                                const std::vector<Url>& listen) {
    if (default_host.empty() || advertise.size() != 1 || advertise[0].String() != default_url) return;
    if (listen.empty() || listen[0].host != "0.0.0.0") return;
    Url& u = advertise[0];
    u.host = default_host;
    u.port = listen[0].port;
    u.host_port = default_host + ":" + listen[0].port;
    used = true;
  };
  adopt_default_host(initial_advertise_peer_urls, kDefaultInitialAdvertisePeerUrls, listen_peer_urls);
  if (name != kDefaultName && initial_cluster == default_initial_cluster) {
    initial_cluster = InitialClusterFromName(name);
  }
  adopt_default_host(advertise_client_urls, kDefaultAdvertiseClientUrls, listen_client_urls);
  return used ? default_host : "";
}

}  // namespace etcdpp::embed
