// SendSnapshotFile: POST <peer-url>/raft/snapshot with the MsgSnap frame followed by the
// backend database file, read and written in pieces so the file is never held in memory
// (docs/formats/peer.md). Runs on the transport's client thread; `done` is called there
// once, with OK when the peer answered 204.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "peer/client_env.h"
#include "peer/remote_peer.h"

namespace etcdpp::peer {

boost::asio::awaitable<void> SendSnapshotFile(std::shared_ptr<RemotePeer> peer, const ClientEnv& env,
                                              raftpb::Message message, std::string db_path,
                                              std::function<void(Status)> done);

}  // namespace etcdpp::peer
