// GrpcCall: the shared state of one gRPC call behind ServerStream and UnaryResponder.
// The output side is an OutputQueue (any thread); the callbacks and the request-side
// fields belong to the session's I/O thread. Internal to net.
#pragma once

#include <atomic>
#include <functional>
#include <string>

#include "net/grpc_call.h"
#include "net/output_queue.h"

namespace etcdpp::net {

class GrpcCall : public OutputQueue {
 public:
  GrpcCall(std::shared_ptr<Loop> loop, OutputSink* sink, int32_t stream_id, CallContext context,
           size_t send_bound_bytes);

  const CallContext& context() const { return context_; }
  size_t send_bound_bytes() const { return send_bound_bytes_.load(std::memory_order_relaxed); }
  void set_send_bound_bytes(size_t bytes) { send_bound_bytes_.store(bytes, std::memory_order_relaxed); }

  // Any thread.
  bool WriteMessage(std::string message);
  // `framed`: whole messages with their prefixes (see ServerStream::WriteFramed).
  bool WriteFramed(std::string framed);
  bool FinishWith(const GrpcStatus& status, std::string* last_message = nullptr);
  bool cancelled() const { return cancelled_.load(std::memory_order_acquire); }

  // I/O thread: callbacks set by handlers.
  std::function<void(std::string)> on_message;
  std::function<void()> on_half_close;
  std::function<void(bool)> on_done;
  std::function<void()> on_writable;

  // I/O thread: the session reports the end of the call (once; later calls do nothing).
  void NotifyDone(bool cancelled);
  // I/O thread: after taking body bytes; fires on_writable when the queue has drained
  // below half the bound since a write found it above.
  void MaybeNotifyWritable();
  void MarkWantWritable() { want_writable_.store(true, std::memory_order_release); }

 private:
  CallContext context_;
  std::atomic<size_t> send_bound_bytes_;
  std::atomic<bool> head_set_{false};
  std::atomic<bool> cancelled_{false};
  std::atomic<bool> want_writable_{false};
  bool done_notified_ = false;  // I/O thread
};

// The response headers of every gRPC response.
Headers GrpcResponseHead();
Headers GrpcTrailers(const GrpcStatus& status);

}  // namespace etcdpp::net
