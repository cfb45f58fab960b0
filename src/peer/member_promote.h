// Learner promotion over the peer port, as etcd 3.4 does it: only the leader knows how
// far a learner got, so a follower asked to promote one POSTs /members/promote/<decimal
// id> to the leader, which answers the new member list as JSON, or 404 (no such
// member), 412 (not a learner, or not caught up; the body says which) or 500.
#pragma once

#include <cstdint>
#include <functional>

#include "net/router.h"
#include "peer/peer_client.h"
#include "server/etcd_server.h"

namespace etcdpp::peer {

inline constexpr std::string_view kMemberPromotePrefix = "/members/promote/";

using PromoteFn = std::function<void(uint64_t id, server::EtcdServer::Done<std::vector<membership::Member>> done)>;

// `cluster_id` for the X-Etcd-Cluster-ID header; `promote` runs the promotion here as
// the leader (EtcdServer::PromoteAsLeader).
void RegisterPromoteHandler(net::Router& router, uint64_t cluster_id, PromoteFn promote);

// The follower's side, for EtcdServer::SetPromoteForwarder. `client` must outlive it.
server::EtcdServer::PromoteForwarder MakePromoteForwarder(PeerClient* client);

}  // namespace etcdpp::peer
