// The flags of the `etcd` command, bound to the settings they fill: an embed::Config plus
// the few settings etcd keeps outside it (v2 proxy, --config-file, --version). Every flag
// of etcd 3.4 is defined here with etcd's default and value syntax, including the hidden
// and the accepted-but-ignored legacy ones.
#pragma once

#include <cstdint>
#include <string>

#include "base/flag_set.h"
#include "base/log.h"
#include "embed/config.h"

namespace etcdpp::etcdmain {

// The v2 proxy settings (etcd keeps them beside its embed.Config).
struct ProxySettings {
  std::string proxy = "off";               // off, readonly, on
  std::string discovery_fallback = "proxy";  // exit, proxy
  uint64_t failure_wait_ms = 5000;
  uint64_t refresh_interval_ms = 30000;
  uint64_t dial_timeout_ms = 1000;
  uint64_t write_timeout_ms = 5000;
  uint64_t read_timeout_ms = 0;

  friend bool operator==(const ProxySettings&, const ProxySettings&) = default;
};

// Everything `etcd`'s command line sets.
struct CommandLine {
  embed::Config config;
  ProxySettings proxy;
  std::string config_file;
  bool print_version = false;

  // etcd's mayBeProxy: a proxy is configured or discovery may fall back to one.
  bool MayBeProxy() const {
    return proxy.proxy != "off" || (!config.discovery.empty() && proxy.discovery_fallback == "proxy");
  }
};

// The legacy flags etcd still accepts and ignores (with a warning each time one is given).
inline constexpr const char* kIgnoredFlags[] = {
    "cluster-active-size", "cluster-remove-delay", "cluster-sync-interval", "config",
    "force", "max-result-buffer", "max-retry-attempts", "peer-heartbeat-interval",
    "peer-election-timeout", "retry-interval", "snapshot", "v", "vv",
    "test.coverprofile", "test.outputdir",
};

// Defines every etcd flag on `flags`, writing into `target` (both must outlive the
// parse). `logger` receives the warnings of ignored flags.
void DefineEtcdFlags(FlagSet& flags, CommandLine& target, Logger& logger);

}  // namespace etcdpp::etcdmain
