// The v3 Lease service on the client port: LeaseGrant, LeaseRevoke, LeaseTimeToLive and
// LeaseLeases as unary gRPC methods with etcd 3.4's gateway paths (the /v3/kv/lease/...
// aliases included), and LeaseKeepAlive as a bidirectional gRPC stream and as the
// gateway's streaming POST /v3/lease/keepalive (JSON requests in, one {"result":...}
// line per response out).
//
// Handlers run on I/O threads and never block; answers come from the server's threads.
#pragma once

#include "net/router.h"
#include "server/etcd_server.h"

namespace etcdpp::api {

// `server` must outlive the router's use (the member stops the listeners first).
void RegisterLeaseService(net::Router& router, server::EtcdServer* server);

}  // namespace etcdpp::api
