// RaftHttpTransport: server::Transport over etcd 3.4's rafthttp protocol
// (docs/formats/peer.md), so our members talk to each other and to real etcd members.
//
// For each remote peer it dials the "message" stream (GET /raft/stream/message/<our id>)
// and delivers what the peer writes there; our messages to the peer travel on the
// streams the peer dialed to us (attached by the handlers of peer_handlers.h) or, while
// none is up, by pipeline POSTs to /raft. Snapshots with their database file go by
// SendSnapshot.
//
// Threads: Send/AddPeer/UpdatePeer/RemovePeer/SendSnapshot may be called from any thread
// (the server calls Send on the raft thread) and never wait on the network: each peer's
// queue is bounded and a full queue drops the message and reports the peer unreachable.
// The client side runs on one thread owned by the transport; the handler-facing calls
// run on the peer server's I/O threads. The peer server must be stopped before the
// transport is destroyed.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/log.h"
#include "base/status.h"
#include "net/http_types.h"
#include "peer/client_env.h"
#include "peer/peer_stream.h"
#include "peer/remote_peer.h"
#include "raftpb/raft.pb.h"
#include "server/transport.h"

namespace boost::asio {
class io_context;
class thread_pool;
}  // namespace boost::asio

namespace etcdpp::peer {

struct TransportOptions {
  uint64_t local_id = 0;
  uint64_t cluster_id = 0;
  // Our advertised peer URLs, announced as X-PeerURLs.
  std::vector<std::string> local_peer_urls;
  // Messages from peers (RaftNode::Step). Called on I/O threads, concurrently; must not block.
  std::function<void(raftpb::Message)> on_message;
  // RaftNode::ReportUnreachable. Any thread, possibly inside Send; must not block.
  std::function<void(uint64_t)> on_unreachable;
  // Whether a member ID was removed from the cluster (streams from it get 410). May be empty.
  std::function<bool(uint64_t)> is_removed;
  // A peer answered that this member was removed. May be empty.
  std::function<void()> on_removed;
  // A peer answered that it belongs to another cluster; gets that cluster's ID (hex). May be empty.
  std::function<void(const std::string&)> on_cluster_id_conflict;
  // How connections are made (plain TCP when null; the TLS dialer goes here).
  std::unique_ptr<StreamDialer> dialer;
  std::chrono::milliseconds dial_timeout{1000};
  QueueLimits limits;
  // Whether to dial the peers' message streams. Off, the peers reach us by pipeline only
  // (tests use this to exercise the pipeline).
  bool dial_streams = true;
  Logger* logger = nullptr;
};

class RaftHttpTransport final : public server::Transport {
 public:
  // Starts the client thread.
  explicit RaftHttpTransport(TransportOptions options);
  ~RaftHttpTransport() override;
  RaftHttpTransport(const RaftHttpTransport&) = delete;
  RaftHttpTransport& operator=(const RaftHttpTransport&) = delete;

  void Send(std::vector<raftpb::Message> messages) override;
  // `peer_urls` are etcd URL strings; unparsable ones are skipped (and logged).
  void AddPeer(uint64_t id, const std::vector<std::string>& peer_urls) override;
  void UpdatePeer(uint64_t id, const std::vector<std::string>& peer_urls) override;
  void RemovePeer(uint64_t id) override;
  std::chrono::steady_clock::time_point ActiveSince(uint64_t id) const override;

  // Streams the MsgSnap frame and then the file at `db_path` to message.to(); `done`
  // gets the outcome on the client thread (the server reports it to raft).
  void SendSnapshot(raftpb::Message message, std::string db_path, std::function<void(Status)> done) override;

  // Ends the client side: connections closed, queued messages dropped, nothing delivered
  // afterwards. Idempotent; the destructor calls it.
  void Stop();

  // For the peer handlers (net I/O threads).
  const TransportOptions& options() const { return options_; }
  bool HasPeer(uint64_t id) const;
  // Attaches a stream the peer `from` dialed to us; false when `from` is not a peer.
  bool AttachStream(uint64_t from, StreamKind kind, net::HttpResponder responder);
  // Hands a received message to on_message unless the transport stopped.
  void Deliver(raftpb::Message message);
  // Runs blocking disk work (snapshot files) off the I/O threads.
  void RunBlocking(std::function<void()> work);

  // Observability (tests, metrics): whether the peer has a stream to us attached.
  bool StreamAttached(uint64_t id, StreamKind kind) const;

 private:
  std::shared_ptr<RemotePeer> Find(uint64_t id) const;
  void StartPeer(const std::shared_ptr<RemotePeer>& peer);
  void HeartbeatTick();
  void ReportUnreachable(uint64_t id);

  TransportOptions options_;
  std::unique_ptr<boost::asio::io_context> io_;  // the client thread's loop
  std::unique_ptr<boost::asio::thread_pool> disk_;
  ClientEnv env_;
  std::atomic<bool> stopped_{false};

  mutable std::mutex mu_;  // guards peers_
  std::map<uint64_t, std::shared_ptr<RemotePeer>> peers_;

  struct Heartbeat;
  std::unique_ptr<Heartbeat> heartbeat_;  // client thread only
  std::thread client_thread_;
};

}  // namespace etcdpp::peer
