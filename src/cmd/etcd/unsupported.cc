#include "cmd/etcd/unsupported.h"

#include <algorithm>

namespace etcdpp::etcdmain {
namespace {

using Used = bool (*)(const CommandLine& given, const CommandLine& defaults);

struct Row {
  const char* flag;
  Used used;
};

// A Config member that differs from its default.
template <auto Member>
bool ConfigDiffers(const CommandLine& c, const CommandLine& d) {
  return c.config.*Member != d.config.*Member;
}

// A member of the client or peer TLS settings that differs from its default.
template <auto Side, auto Member>
bool TlsDiffers(const CommandLine& c, const CommandLine& d) {
  return (c.config.*Side).*Member != (d.config.*Side).*Member;
}

template <auto Member>
bool ProxyDiffers(const CommandLine& c, const CommandLine& d) {
  return c.proxy.*Member != d.proxy.*Member;
}

using C = embed::Config;
using P = ProxySettings;
using T = embed::TlsInfo;

constexpr Row kUnsupported[] = {
    {"--force-new-cluster", ConfigDiffers<&C::force_new_cluster>},
    {"--listen-metrics-urls", ConfigDiffers<&C::listen_metrics_urls>},
    {"--experimental-peer-skip-client-san-verification", TlsDiffers<&C::peer_tls, &T::skip_client_san_verify>},
    {"--auth-token", ConfigDiffers<&C::auth_token>},
    {"--bcrypt-cost", ConfigDiffers<&C::bcrypt_cost>},
    {"--auth-token-ttl", ConfigDiffers<&C::auth_token_ttl_s>},
    {"--enable-pprof", ConfigDiffers<&C::enable_pprof>},
    {"--log-package-levels", ConfigDiffers<&C::log_package_levels>},
    {"--log-outputs=systemd/journal", [](const CommandLine& c, const CommandLine&) {
       const auto& o = c.config.log_outputs;
       return std::find(o.begin(), o.end(), "systemd/journal") != o.end();
     }},
    {"--proxy", ProxyDiffers<&P::proxy>},
    {"--proxy-failure-wait", ProxyDiffers<&P::failure_wait_ms>},
    {"--proxy-refresh-interval", ProxyDiffers<&P::refresh_interval_ms>},
    {"--proxy-dial-timeout", ProxyDiffers<&P::dial_timeout_ms>},
    {"--proxy-write-timeout", ProxyDiffers<&P::write_timeout_ms>},
    {"--proxy-read-timeout", ProxyDiffers<&P::read_timeout_ms>},
    {"--experimental-initial-corrupt-check", ConfigDiffers<&C::experimental_initial_corrupt_check>},
    {"--experimental-corrupt-check-time", ConfigDiffers<&C::experimental_corrupt_check_time>},
    {"--experimental-enable-v2v3", ConfigDiffers<&C::experimental_enable_v2v3>},
    {"--experimental-backend-bbolt-freelist-type", ConfigDiffers<&C::experimental_backend_bbolt_freelist_type>},
    {"--experimental-compaction-batch-limit", ConfigDiffers<&C::experimental_compaction_batch_limit>},
    {"--experimental-warning-apply-duration", ConfigDiffers<&C::experimental_warning_apply_duration>},
    {"--unsafe-no-fsync", ConfigDiffers<&C::unsafe_no_fsync>},
};

}  // namespace

std::optional<std::string> FirstUnsupportedSetting(const CommandLine& command_line) {
  const CommandLine defaults;
  for (const Row& row : kUnsupported) {
    if (row.used(command_line, defaults)) return std::string(row.flag);
  }
  return std::nullopt;
}

}  // namespace etcdpp::etcdmain
