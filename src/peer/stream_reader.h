// RunStreamReader: the client side of the "message" stream to one peer. It dials
// GET <peer-url>/raft/stream/message/<our id>, reads the frames the peer writes for us
// and delivers them, and dials again (at most every 100 ms, as etcd) whenever the
// stream fails, until the peer is stopped. A stream that was up and drops reports the
// peer unreachable. Runs on the transport's client thread.
#pragma once

#include <memory>

#include <boost/asio/awaitable.hpp>

#include "peer/client_env.h"
#include "peer/remote_peer.h"

namespace etcdpp::peer {

boost::asio::awaitable<void> RunStreamReader(std::shared_ptr<RemotePeer> peer, const ClientEnv& env);

}  // namespace etcdpp::peer
