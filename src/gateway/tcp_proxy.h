// TcpProxy: etcd 3.4's gateway (`etcd gateway start`), a pass-through TCP proxy. Each
// client connection is forwarded to one endpoint, picked as PickRemote says; an endpoint
// that refuses a dial is set aside and the next one tried, and set-aside endpoints are
// probed again every retry delay. When either side of a forwarded connection ends, both
// are closed (as etcd's). Log lines are etcd's ("ready to proxy client requests",
// "deactivated endpoint", "activated", ...).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/log.h"
#include "base/status.h"
#include "gateway/remote_pick.h"

namespace etcdpp::gateway {

struct TcpProxyOptions {
  std::vector<Remote> remotes;
  std::chrono::nanoseconds retry_delay = std::chrono::minutes(1);
  Logger* log = nullptr;
};

class TcpProxy {
 public:
  // Binds `listen_addr` ("host:port"); the error reads like Go's net.Listen's.
  static Result<std::unique_ptr<TcpProxy>> Listen(const std::string& listen_addr, TcpProxyOptions options);
  ~TcpProxy();
  TcpProxy(const TcpProxy&) = delete;
  TcpProxy& operator=(const TcpProxy&) = delete;

  uint16_t port() const;
  // Serves on the calling thread until Stop.
  void Run();
  // Any thread.
  void Stop();

  struct Impl;  // tcp_proxy.cc's

 private:
  explicit TcpProxy(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace etcdpp::gateway
