#include "net/grpc_call.h"

#include "net/grpc_call_state.h"
#include "net/grpc_framing.h"

namespace etcdpp::net {
namespace {
// Below this a message is copied behind its prefix (one chunk to send); above, the copy
// would cost more than the extra chunk.
constexpr size_t kSeparatePrefixBytes = 64 * 1024;
}  // namespace

std::string_view CallContext::Metadata(std::string_view key) const {
  for (const auto& [k, v] : metadata) {
    if (k == key) return v;
  }
  return {};
}

Headers GrpcResponseHead() { return {{":status", "200"}, {"content-type", "application/grpc"}}; }

Headers GrpcTrailers(const GrpcStatus& status) {
  Headers t{{"grpc-status", GrpcCodeText(status.code)}};
  if (!status.message.empty()) t.emplace_back("grpc-message", PercentEncodeGrpcMessage(status.message));
  return t;
}

GrpcCall::GrpcCall(std::shared_ptr<Loop> loop, OutputSink* sink, int32_t stream_id,
                   CallContext context, size_t send_bound_bytes)
    : OutputQueue(std::move(loop), sink, stream_id),
      context_(std::move(context)),
      send_bound_bytes_(send_bound_bytes) {}

bool GrpcCall::WriteMessage(std::string message) {
  if (!head_set_.exchange(true)) SetHead(GrpcResponseHead());
  bool ok;
  if (message.size() < kSeparatePrefixBytes) {
    std::string framed;
    framed.reserve(kGrpcPrefixBytes + message.size());
    AppendGrpcMessage(framed, message);
    ok = Append(std::move(framed));
  } else {
    // A large message is queued as it is, behind its prefix: never copied.
    std::string prefix = GrpcPrefix(message.size());
    ok = Append(std::move(prefix), std::move(message));
  }
  if (ok && queued_bytes() > send_bound_bytes()) MarkWantWritable();
  return ok;
}

bool GrpcCall::WriteFramed(std::string framed) {
  if (!head_set_.exchange(true)) SetHead(GrpcResponseHead());
  const bool ok = Append(std::move(framed));
  if (ok && queued_bytes() > send_bound_bytes()) MarkWantWritable();
  return ok;
}

bool GrpcCall::FinishWith(const GrpcStatus& status, std::string* last_message) {
  if (last_message != nullptr && status.ok()) {
    if (!WriteMessage(std::move(*last_message))) return false;
  }
  // Without any message the head and trailers go out together (a trailers-only answer).
  return End(GrpcTrailers(status), GrpcResponseHead());
}

void GrpcCall::NotifyDone(bool cancelled) {
  if (done_notified_) return;
  done_notified_ = true;
  if (cancelled) cancelled_.store(true, std::memory_order_release);
  auto fn = std::move(on_done);
  on_message = nullptr;
  on_half_close = nullptr;
  on_writable = nullptr;
  if (fn) fn(cancelled);
}

void GrpcCall::MaybeNotifyWritable() {
  if (!want_writable_.load(std::memory_order_acquire)) return;
  if (queued_bytes() > send_bound_bytes() / 2) return;
  want_writable_.store(false, std::memory_order_release);
  if (on_writable) on_writable();
}

const CallContext& ServerStream::context() const { return call_->context(); }
void ServerStream::OnMessage(std::function<void(std::string)> fn) const { call_->on_message = std::move(fn); }
void ServerStream::OnHalfClose(std::function<void()> fn) const { call_->on_half_close = std::move(fn); }
void ServerStream::OnDone(std::function<void(bool)> fn) const { call_->on_done = std::move(fn); }
void ServerStream::OnWritable(std::function<void()> fn) const { call_->on_writable = std::move(fn); }
bool ServerStream::Write(std::string message) const { return call_->WriteMessage(std::move(message)); }
bool ServerStream::WriteFramed(std::string framed) const { return call_->WriteFramed(std::move(framed)); }
size_t ServerStream::queued_bytes() const { return call_->queued_bytes(); }
bool ServerStream::over_send_bound() const {
  const bool over = call_->queued_bytes() > call_->send_bound_bytes();
  if (over) call_->MarkWantWritable();
  return over;
}
void ServerStream::SetSendBound(size_t bytes) const { call_->set_send_bound_bytes(bytes); }
bool ServerStream::Finish(GrpcStatus status) const { return call_->FinishWith(status); }
bool ServerStream::done() const { return call_->closed(); }

bool UnaryResponder::Finish(GrpcStatus status, std::string response) const {
  return call_->FinishWith(status, &response);
}
bool UnaryResponder::cancelled() const { return call_->cancelled(); }
void UnaryResponder::OnCancel(std::function<void()> fn) const {
  call_->on_done = [fn = std::move(fn)](bool cancelled) {
    if (cancelled) fn();
  };
}

}  // namespace etcdpp::net
