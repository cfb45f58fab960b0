// The handler-facing side of one gRPC call: its context (method, metadata, deadline),
// a ServerStream handle for streaming methods and a UnaryResponder for unary ones.
//
// Threads: handlers are invoked on the connection's I/O thread and must not block.
// Callbacks registered on a ServerStream (OnMessage, OnHalfClose, OnDone, OnWritable)
// also run on that thread. Write, Finish, queued_bytes and the UnaryResponder may be
// called from any thread: output is posted back to the connection's I/O thread.
// Handles are cheap copies of a shared reference to the call; the call lives until the
// session and every handle have let go of it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "net/grpc_status.h"

namespace etcdpp::net {

class GrpcCall;

struct CallContext {
  std::string method;  // "/pkg.Service/Method"
  // Request metadata in arrival order; names lower-case (HTTP/2 rules). Pseudo-headers
  // and the transport's own (content-type, te, grpc-timeout) are included too.
  std::vector<std::pair<std::string, std::string>> metadata;
  std::optional<std::chrono::steady_clock::time_point> deadline;
  std::string peer;  // "ip:port" or the unix socket path
  bool tls = false;
  // The Common Name of the client certificate TLS verified (etcd's user name for
  // certificate authentication); empty without one.
  std::string peer_cert_cn;

  // The first value of a metadata key (lower-case), or empty.
  std::string_view Metadata(std::string_view key) const;
};

class ServerStream {
 public:
  explicit ServerStream(std::shared_ptr<GrpcCall> call) : call_(std::move(call)) {}

  const CallContext& context() const;

  // I/O thread only. Each request message, in order.
  void OnMessage(std::function<void(std::string message)> fn) const;
  // I/O thread only. The client has sent its last message.
  void OnHalfClose(std::function<void()> fn) const;
  // I/O thread only. The call is over: `cancelled` when it ended without this side's
  // Finish (RST_STREAM, deadline, connection loss, server stop). Called exactly once.
  void OnDone(std::function<void(bool cancelled)> fn) const;
  // I/O thread only. Called when the send queue drains below half the send bound after a
  // Write found it above the bound.
  void OnWritable(std::function<void()> fn) const;

  // Any thread. Queues one response message; false once the call is over. The message is
  // always queued when the call is live: the bound is advisory, see over_send_bound().
  bool Write(std::string message) const;
  // Any thread. Like Write, for bytes that are already one or more whole messages, each
  // with its length prefix (see WriteGrpcPrefix): queued as they are, without a copy.
  bool WriteFramed(std::string framed) const;
  // Any thread. Bytes queued for this stream and not yet handed to HTTP/2.
  size_t queued_bytes() const;
  // Any thread. True when queued bytes exceed the server's per-stream send bound; a
  // producer should stop writing until OnWritable.
  bool over_send_bound() const;
  // Any thread. Replaces the server's per-stream send bound for this stream (a producer of
  // many small latency-sensitive messages wants less queued than the default).
  void SetSendBound(size_t bytes) const;
  // Any thread. Ends the call with `status` in the trailers; false if it was already over.
  bool Finish(GrpcStatus status) const;
  // Any thread.
  bool done() const;

 private:
  std::shared_ptr<GrpcCall> call_;
};

class UnaryResponder {
 public:
  explicit UnaryResponder(std::shared_ptr<GrpcCall> call) : call_(std::move(call)) {}
  // Any thread, once. `response` is sent only when `status` is OK.
  bool Finish(GrpcStatus status, std::string response = {}) const;
  // Any thread. True when the call was cancelled (client reset, deadline, disconnect).
  bool cancelled() const;
  // I/O thread only (e.g. inside the handler). `fn` runs on the I/O thread if the call is
  // cancelled before Finish, so the handler can drop work it queued elsewhere.
  void OnCancel(std::function<void()> fn) const;
  // The answer's side as a stream, for one answer written in pieces: its prefix and bytes
  // with WriteFramed, paced by over_send_bound and OnWritable, then Finish.
  ServerStream AsStream() const { return ServerStream(call_); }

 private:
  std::shared_ptr<GrpcCall> call_;
};

// Unary methods: invoked with the single request message once the client half-closes.
using UnaryHandler = std::function<void(const CallContext& context, std::string request,
                                        UnaryResponder responder)>;
// Streaming methods (client, server or bidirectional): invoked when the request headers
// arrive; the handler registers its callbacks on the stream before returning.
using StreamHandler = std::function<void(ServerStream stream)>;

}  // namespace etcdpp::net
