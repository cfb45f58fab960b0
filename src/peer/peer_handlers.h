// RegisterPeerHandlers: etcd 3.4's peer-port HTTP endpoints on a net::Router:
//   POST /raft                   pipeline: one raftpb.Message, 204
//   GET  /raft/stream/message/ID a stream the peer ID reads our messages from
//   GET  /raft/stream/msgapp/ID  the same in the msgappv2 encoding (real etcd peers)
//   POST /raft/snapshot          MsgSnap frame + database bytes, saved then delivered
//   GET  /raft/probing           {"OK":true,"Now":"<RFC3339Nano>"}
//   GET  /members                the member list as JSON, with X-Etcd-Cluster-ID
//   GET  /version                {"etcdserver":"3.4.23","etcdcluster":"..."}
// with etcd's checks, status codes and bodies (docs/formats/peer.md). The integrator
// builds the peer net::Server from the router; handlers run on its I/O threads.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "membership/member.h"
#include "net/router.h"
#include "peer/raft_http_transport.h"

namespace etcdpp::peer {

struct PeerHandlerDeps {
  // Required; must outlive the server the router goes to.
  RaftHttpTransport* transport = nullptr;
  // The cluster's members for /members (any thread). Empty: an empty list.
  std::function<std::vector<membership::Member>()> members;
  // The cluster version ("3.4.0") for /version; empty means "not_decided".
  std::function<std::string()> cluster_version;
  // Where received snapshot databases go (etcd: <data-dir>/member/snap).
  std::string snapshot_dir;
};

void RegisterPeerHandlers(net::Router& router, PeerHandlerDeps deps);

}  // namespace etcdpp::peer
