// OutputQueue: the response side of one request (a gRPC call or an HTTP exchange),
// shared between the handler, which may produce output from any thread, and the
// connection session that owns the stream on its I/O thread.
//
// Producers call SetHead/Append/End from any thread; each call posts at most one wake-up
// to the owning I/O thread, where the session drains the queue into the socket as flow
// control allows. Bytes stay queued (and counted) until the session takes them, so a
// producer can see back-pressure through queued_bytes(). Internal to net.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace etcdpp::net {

using Headers = std::vector<std::pair<std::string, std::string>>;

class Loop;

// Implemented by sessions; called on the session's I/O thread only.
class OutputSink {
 public:
  virtual ~OutputSink() = default;
  virtual void OnOutputReady(int32_t stream_id) = 0;
};

class OutputQueue : public std::enable_shared_from_this<OutputQueue> {
 public:
  OutputQueue(std::shared_ptr<Loop> loop, OutputSink* sink, int32_t stream_id);
  virtual ~OutputQueue() = default;

  // Any thread. Each returns false (and does nothing) once the output is closed: ended by
  // the producer or abandoned by the peer.
  bool SetHead(Headers head);
  bool Append(std::string bytes);
  // Both pieces, one after the other, with nothing from another thread between them.
  bool Append(std::string first, std::string second);
  // Ends the output; `trailers` may be empty. `head` is used when no head was set yet.
  bool End(Headers trailers, std::optional<Headers> head = std::nullopt);
  size_t queued_bytes() const { return queued_bytes_.load(std::memory_order_relaxed); }
  bool closed() const;

  // I/O thread: the session's side.
  struct Taken {
    std::optional<Headers> head;  // set the first time a head is available
    bool ended = false;           // no more chunks will come
    std::optional<Headers> trailers;
  };
  // Moves up to `max_bytes` of queued body bytes into `out`; returns how many.
  size_t TakeBody(char* out, size_t max_bytes);
  bool HasBody() const;
  // Takes the head (once) and reports whether the producer has ended.
  Taken Poll();
  // The peer went away or reset the stream: producers are told through closed().
  void Abandon();
  // Detaches from the session (it is going away); later wake-ups are dropped.
  void DetachSink() { sink_ = nullptr; }
  OutputSink* sink() const { return sink_; }
  int32_t stream_id() const { return stream_id_; }
  Loop& loop() const { return *loop_; }
  const std::shared_ptr<Loop>& loop_ptr() const { return loop_; }

 private:
  void NotifyLocked();

  const std::shared_ptr<Loop> loop_;
  OutputSink* sink_;  // I/O thread only
  const int32_t stream_id_;

  mutable std::mutex mu_;  // guards every field below
  std::optional<Headers> head_;
  bool head_taken_ = false;
  std::deque<std::string> chunks_;
  size_t front_offset_ = 0;  // bytes of chunks_.front() already taken
  std::optional<Headers> trailers_;
  bool ended_ = false;
  bool abandoned_ = false;
  bool wake_posted_ = false;
  std::atomic<size_t> queued_bytes_{0};
};

}  // namespace etcdpp::net
