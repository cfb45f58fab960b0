// RegisterLeaseHandlers: etcd 3.4's lease endpoints on the peer port, which followers
// use to reach the leader's lessor (see lease_forwarder.h for the client side):
//   POST /leases           LeaseKeepAliveRequest → LeaseKeepAliveResponse{ID, TTL}
//   POST /leases/internal  LeaseInternalRequest → LeaseInternalResponse
// Bodies are protobuf (Content-Type application/protobuf). Errors as etcd's lease
// handler: 405 for another method, 400 "error unmarshalling request", 404 "lease not
// found", 408 when the member could not catch up with the log in time (the server's
// kTimeoutWaitAppliedIndex), 400 with the lessor's message otherwise (e.g. "not a
// primary lessor").
#pragma once

#include <functional>

#include "base/status.h"
#include "etcdserverpb/rpc.pb.h"
#include "net/router.h"

namespace etcdpp::peer {

struct LeaseHandlerDeps {
  // This member's lessor (EtcdServer::LocalLeaseRenew / LocalLeaseTimeToLive); `done`
  // may be called on any thread. Lessor errors keep the lessor's messages.
  std::function<void(int64_t id, std::function<void(Result<int64_t>)> done)> renew;
  std::function<void(etcdserverpb::LeaseTimeToLiveRequest,
                     std::function<void(Result<etcdserverpb::LeaseTimeToLiveResponse>)> done)>
      time_to_live;
};

void RegisterLeaseHandlers(net::Router& router, LeaseHandlerDeps deps);

}  // namespace etcdpp::peer
