// ClientEnv: what the transport's client-side coroutines (stream reader, pipeline,
// snapshot sender) need to know about this member and whom to tell what happened.
// Owned by RaftHttpTransport, immutable once its client thread runs, read on that thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "base/log.h"
#include "peer/http_connection.h"
#include "peer/peer_stream.h"
#include "raftpb/raft.pb.h"

namespace etcdpp::peer {

struct ClientEnv {
  uint64_t local_id = 0;
  uint64_t cluster_id = 0;
  std::string local_peer_urls;  // comma-separated, sent as X-PeerURLs
  StreamDialer* dialer = nullptr;
  std::chrono::milliseconds dial_timeout{1000};
  // Each may be called on the client thread; all must not block.
  std::function<void(raftpb::Message)> deliver;   // drops messages once the transport stops
  std::function<void(uint64_t)> unreachable;
  std::function<void()> removed;  // a peer says this member was removed (410/403)
  // A peer belongs to another cluster (412 "cluster ID mismatch"); gets its cluster ID (hex).
  std::function<void(const std::string&)> cluster_id_conflict;
  Logger* logger = nullptr;       // may be null

  // X-Server-From, X-Server-Version, X-Min-Cluster-Version, X-Etcd-Cluster-ID, X-PeerURLs.
  HeaderList BaseHeaders() const;
  void LogError(std::string_view text) const;
  void LogInfo(std::string_view text) const;
  void LogWarn(std::string_view text) const;
};

// What a refused request means, as etcd's senders read it; logs etcd's line and returns
// the error. `stream` tells a stream dial (GET) from a POST, whose wording differs.
Status ReadRejection(const ClientEnv& env, uint64_t remote_id, int status, std::string_view body,
                     std::string_view remote_cluster_id, bool stream);

}  // namespace etcdpp::peer
