// The checks and answers shared by the peer-port handlers (peer_handlers.cc,
// snapshot_receiver.cc): etcd's 405 with Allow, the X-Etcd-Cluster-ID header every
// rafthttp answer carries, the version and cluster-ID checks (412), removed members.
// Called on the peer server's I/O threads.
#pragma once

#include <cstdint>
#include <string_view>

#include "net/http_types.h"
#include "peer/raft_http_transport.h"

namespace etcdpp::peer {

net::HttpResponse MethodNotAllowed(std::string_view allow);
// An answer carrying our X-Etcd-Cluster-ID, to build the others on.
net::HttpResponse WithClusterId(const RaftHttpTransport& t);
// Runs etcd's version and cluster-ID checks; answers 412 (on `base`) and logs when they fail.
bool Compatible(const RaftHttpTransport& t, const net::HttpRequest& request, const net::HttpResponder& responder,
                const net::HttpResponse& base);
// Whether `id` was removed from the cluster (its messages are refused with 403).
bool Removed(const RaftHttpTransport& t, uint64_t id);

}  // namespace etcdpp::peer
