// What `etcd gateway start` forwards to, decided as etcd 3.4 decides it: the client SRV
// records of --discovery-srv (https ones that answer a TCP dial, unless
// --insecure-discovery), else the --endpoints list with any scheme stripped; then every
// endpoint is resolved and one on the gateway's own listen address and port is refused.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "base/log.h"
#include "base/status.h"
#include "bootstrap/srv.h"
#include "gateway/remote_pick.h"

namespace etcdpp::gateway {

struct GatewayFlags {
  std::string listen_addr = "127.0.0.1:23790";
  std::vector<std::string> endpoints = {"127.0.0.1:2379"};
  std::string discovery_srv;
  std::string discovery_srv_name;
  bool insecure_discovery = false;
  std::string trusted_ca_file;
  std::chrono::nanoseconds retry_delay = std::chrono::minutes(1);
};

// Go's net.LookupHost: the addresses of a name (an IP is its own).
using HostLookup = std::function<Result<std::vector<std::string>>(const std::string& host)>;
// A plain TCP dial of "host:port" (etcd's check of a discovered https endpoint).
using TcpDial = std::function<Status(const std::string& host_port)>;

struct GatewaySystem {
  bootstrap::SrvLookup srv;
  HostLookup hosts;
  TcpDial dial;
};
// The real ones: libresolv, getaddrinfo, a connect with a 5 s timeout.
GatewaySystem RealGatewaySystem();

// The endpoints to forward to. A failure's message is exactly what etcd prints before it
// exits with status 1 (a trailing newline where etcd prints one).
Result<std::vector<Remote>> PlanGateway(const GatewayFlags& flags, const GatewaySystem& system, Logger* log);

}  // namespace etcdpp::gateway
