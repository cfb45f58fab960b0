#include "api/range_method.h"

#include <memory>
#include <mutex>

#include "api/bind_unary.h"
#include "api/request_checks.h"
#include "mvcc/encoded_rows.h"
#include "net/grpc_framing.h"

namespace etcdpp::api {
namespace {

using server::EtcdServer;
using server::RangeAnswer;

// Rows read from the backend per step; the stream's send bound decides how many steps
// run before the client has to take some.
constexpr size_t kChunkBytes = 256 << 10;
// etcd's server sends messages up to 2 GiB - 1 (its gRPC send limit is MaxInt32).
constexpr size_t kMessageBytesMax = 2147483647;

// Sends one streamed Range answer: its gRPC prefix (the size is known up front), the rows
// a chunk at a time while the call's send queue is under its bound, resuming when the
// client has taken bytes (OnWritable), then the other fields and the OK trailers. Memory
// per call stays around the send bound whatever the answer's size.
class RangeSender : public std::enable_shared_from_this<RangeSender> {
 public:
  explicit RangeSender(net::ServerStream out) : out_(std::move(out)) {}

  // On the I/O thread, in the handler. The call holds the sender until it ends (the end
  // of a call drops its callbacks).
  void Listen() {
    out_.OnWritable([self = shared_from_this()] { self->Send(); });
  }

  // Any thread, once: the answer to send.
  void Start(RangeAnswer answer) {
    {
      std::lock_guard lock(mu_);
      answer_ = std::move(answer);
      const size_t size = answer_.rows->size_bytes() + answer_.rest.size();
      if (size > kMessageBytesMax) {
        answer_.rows.reset();
        out_.Finish({GrpcCode::kResourceExhausted, "grpc: trying to send message larger than max (" +
                                                       std::to_string(size) + " vs. " +
                                                       std::to_string(kMessageBytesMax) + ")"});
        return;
      }
      if (!out_.WriteFramed(net::GrpcPrefix(size))) answer_.rows.reset();
    }
    Send();
  }

 private:
  void Send() {
    std::lock_guard lock(mu_);
    while (answer_.rows && !out_.over_send_bound()) {
      std::string chunk;
      Result<bool> more = answer_.rows->Next(&chunk, kChunkBytes);
      if (!more.ok()) {
        answer_.rows.reset();  // unpins the rows
        out_.Finish(ToGrpcStatus(more.status()));
        return;
      }
      bool live = out_.WriteFramed(std::move(chunk));  // Next gives at least one row
      if (live && !*more) {
        live = out_.WriteFramed(std::move(answer_.rest));
        if (live) out_.Finish(net::GrpcStatus::Ok());
        answer_.rows.reset();
      }
      if (!live) answer_.rows.reset();  // the call is over: the client went away
    }
  }

  net::ServerStream out_;
  std::mutex mu_;  // Start and the OnWritable callback may race
  RangeAnswer answer_;
};

void ServeRange(EtcdServer* s, std::string bytes, net::UnaryResponder responder) {
  etcdserverpb::RangeRequest req;
  if (Status bad = ParseChecked<etcdserverpb::RangeRequest>(s, CheckRange, bytes, &req); !bad.ok()) {
    responder.Finish(ToGrpcStatus(bad));
    return;
  }
  auto sender = std::make_shared<RangeSender>(responder.AsStream());
  sender->Listen();
  s->RangeStreamed(std::move(req), [sender, responder](Result<RangeAnswer> answer) {
    if (!answer.ok()) return void(responder.Finish(ToGrpcStatus(answer.status())));
    if (!answer->rows) return void(responder.Finish(net::GrpcStatus::Ok(), std::move(answer->rest)));
    sender->Start(std::move(*answer));
  });
}

}  // namespace

void RegisterRange(net::Router& router, EtcdServer* s) {
  using etcdserverpb::RangeRequest;
  BindUnaryEncoded<RangeRequest, etcdserverpb::RangeResponse>(
      router, s, "/etcdserverpb.KV/Range", {"/v3/kv/range"}, CheckRange,
      [s](RangeRequest r, EtcdServer::Done<std::string> done) { s->RangeEncoded(std::move(r), std::move(done)); },
      [s](const net::CallContext&, std::string bytes, net::UnaryResponder responder) {
        ServeRange(s, std::move(bytes), std::move(responder));
      });
}

}  // namespace etcdpp::api
