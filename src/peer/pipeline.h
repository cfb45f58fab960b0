// RunPipelineWorker: one of the few coroutines that post queued messages of one peer
// to POST <peer-url>/raft (one raftpb.Message per request, 204 expected), reusing a
// keep-alive connection. A failed post reports the peer unreachable; the message is not
// retried (raft retries). Runs on the transport's client thread until the peer stops.
#pragma once

#include <memory>

#include <boost/asio/awaitable.hpp>

#include "peer/client_env.h"
#include "peer/remote_peer.h"

namespace etcdpp::peer {

// etcd runs four pipeline connections per peer.
inline constexpr int kPipelineWorkers = 4;

boost::asio::awaitable<void> RunPipelineWorker(std::shared_ptr<RemotePeer> peer, const ClientEnv& env);

}  // namespace etcdpp::peer
