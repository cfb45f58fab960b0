// RemotePeer: what the transport keeps for one other member: its peer URLs, the streams
// it dialed to us (they carry our messages to it; docs/formats/peer.md), and the bounded
// queue of messages waiting for the pipeline when no stream is up.
//
// Shared (shared_ptr) between the transport's peer map and the coroutines working for
// this peer on the client thread, so a removed peer lives until its connections are gone.
// Send/AttachStream/Stop may be called from any thread (one mutex guards the state);
// the pipeline and heartbeat calls come from the client thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "base/url.h"
#include "net/http_types.h"
#include "peer/stream_codec.h"
#include "raftpb/raft.pb.h"

namespace etcdpp::peer {

enum class StreamKind { kMessage, kMsgAppV2 };

// Bounds that keep a slow or dead peer from holding unbounded memory.
struct QueueLimits {
  size_t stream_bytes = 16 << 20;     // queued on a stream and not yet on the socket
  size_t pipeline_messages = 64;      // etcd's pipeline buffer
  size_t pipeline_bytes = 16 << 20;
};

class RemotePeer : public std::enable_shared_from_this<RemotePeer> {
 public:
  RemotePeer(uint64_t id, std::vector<Url> urls, boost::asio::any_io_executor client, QueueLimits limits);
  ~RemotePeer();

  uint64_t id() const { return id_; }

  struct SendOutcome {
    bool accepted = false;     // written to a stream or queued for the pipeline
    bool stream_lost = false;  // a stream was found closed (the peer is unreachable)
  };
  // Any thread; never waits on the network. MsgSnap always goes by pipeline, MsgApp by
  // the msgappv2 stream when there is one, the rest by the message stream, and all of it
  // by pipeline while no stream is up.
  SendOutcome Send(const raftpb::Message& m);

  // Net I/O thread: the remote dialed a stream to us. Ends the previous one of that kind.
  void AttachStream(StreamKind kind, net::HttpResponder responder);
  // Client thread: a link heartbeat on each attached stream; true if one was found closed.
  bool Heartbeat();
  bool stream_attached(StreamKind kind) const;
  // Since when the peer's message stream has been up without a break (etcd's
  // ActiveSince); the epoch while it is down.
  std::chrono::steady_clock::time_point active_since() const;

  // Client thread. The next pipeline message, or nothing (then wait on pipeline_wake()).
  std::optional<raftpb::Message> PopPipeline();
  boost::asio::steady_timer& pipeline_wake() { return wake_; }

  // URL choice: the current URL until it fails, then the next one (etcd's urlPicker).
  Url PickUrl() const;
  void UrlFailed(const Url& url);
  void SetUrls(std::vector<Url> urls);

  // Any thread. Ends streams, drops queued messages and wakes the client coroutines so
  // they exit; the closer set by SetCloser then runs on the client thread.
  void Stop();
  bool stopped() const;
  // Client thread: a connection to close when the peer stops (the stream reader's).
  void SetCloser(std::function<void()> closer);

 private:
  struct Outgoing {
    std::optional<net::HttpResponder> responder;
    MsgAppV2Encoder encoder;  // fresh per connection: the receiver's decoder starts fresh
    std::chrono::steady_clock::time_point attached_at{};
  };
  bool WriteLocked(Outgoing& out, StreamKind kind, const raftpb::Message& m, bool* lost);
  static void EndLocked(Outgoing& out);

  const uint64_t id_;
  const QueueLimits limits_;
  boost::asio::any_io_executor client_;
  boost::asio::steady_timer wake_;  // client thread only

  mutable std::mutex mu_;  // guards every field below
  std::vector<Url> urls_;
  size_t url_index_ = 0;
  Outgoing message_;
  Outgoing msgapp_;
  std::deque<raftpb::Message> pipeline_;
  size_t pipeline_bytes_ = 0;
  bool wake_posted_ = false;
  bool stopped_ = false;
  std::function<void()> closer_;
};

}  // namespace etcdpp::peer
