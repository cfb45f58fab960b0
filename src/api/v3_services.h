// The v3 gRPC services of the client port (and their JSON gateway paths), bound to one
// EtcdServer: KV, Cluster.MemberList and the Maintenance calls built so far. Handlers run
// on I/O threads, check requests as etcd's API layer does, and answer asynchronously.
#pragma once

#include <cstdint>

#include "net/router.h"
#include "server/etcd_server.h"

namespace etcdpp::api {

struct V3Limits {
  uint64_t max_txn_ops = 128;
};

// `server` must outlive the router's use (the member stops the listeners first).
void RegisterV3Services(net::Router& router, server::EtcdServer* server, V3Limits limits);

}  // namespace etcdpp::api
