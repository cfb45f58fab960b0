// ClientPool: --conns gRPC channels (each its own TCP connection) spread round-robin over
// the endpoints, and the stubs for them. Client i uses connection i % conns, as etcd's
// benchmark does. Stubs and channels are thread-safe; the pool is built once and then
// only read.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "base/status.h"
#include "cmd/etcd-bench/options.h"
#include "etcdserverpb/rpc.grpc.pb.h"

namespace etcdpp::bench {

class ClientPool {
 public:
  // Dials every connection and waits (bounded) until each is ready.
  static Result<std::unique_ptr<ClientPool>> Connect(const Options& o);

  etcdserverpb::KV::Stub& kv(int client) { return *kv_[client % kv_.size()]; }
  etcdserverpb::Watch::Stub& watch(int client) { return *watch_[client % watch_.size()]; }
  etcdserverpb::Lease::Stub& lease(int client) { return *lease_[client % lease_.size()]; }

 private:
  std::vector<std::shared_ptr<grpc::Channel>> channels_;
  std::vector<std::unique_ptr<etcdserverpb::KV::Stub>> kv_;
  std::vector<std::unique_ptr<etcdserverpb::Watch::Stub>> watch_;
  std::vector<std::unique_ptr<etcdserverpb::Lease::Stub>> lease_;
};

// "host:port" for an endpoint given as host:port or http(s)://host:port; sets *tls for
// https.
std::string EndpointTarget(const std::string& endpoint, bool* tls);

}  // namespace etcdpp::bench
