// The request side of Http2Session: turning streams into gRPC calls and HTTP requests.
#include <nghttp2/nghttp2.h>

#include "net/http2_session.h"
#include "net/http2_stream.h"

namespace etcdpp::net {
namespace asio = boost::asio;

namespace {

bool IsGrpcContentType(std::string_view ct) {
  constexpr std::string_view kGrpc = "application/grpc";
  return ct.substr(0, kGrpc.size()) == kGrpc && (ct.size() == kGrpc.size() || ct[kGrpc.size()] == '+' ||
                                                 ct[kGrpc.size()] == ';');
}

std::string_view FindHeader(const std::vector<std::pair<std::string, std::string>>& headers,
                            std::string_view name) {
  for (const auto& [k, v] : headers) {
    if (k == name) return v;
  }
  return {};
}

// grpc-go's wording for a method nobody registered.
GrpcStatus UnknownMethod(std::string_view path, const Router& router) {
  std::string_view rest = path.substr(path.empty() ? 0 : 1);
  const size_t slash = rest.find('/');
  if (slash == std::string_view::npos) {
    return {GrpcCode::kUnimplemented, "malformed method name: \"" + std::string(path) + "\""};
  }
  const std::string service(rest.substr(0, slash));
  const std::string method(rest.substr(slash + 1));
  if (router.HasGrpcService(service)) {
    return {GrpcCode::kUnimplemented, "unknown method " + method + " for service " + service};
  }
  return {GrpcCode::kUnimplemented, "unknown service " + service};
}

}  // namespace

void Http2Session::Dispatch(Stream& s) {
  s.dispatched = true;
  s.is_grpc = IsGrpcContentType(FindHeader(s.headers, "content-type"));
  if (s.is_grpc) {
    DispatchGrpc(s);
    return;
  }
  const std::string_view path = std::string_view(s.path).substr(0, s.path.find('?'));
  if (env_.router->FindHttpUpload(path) != nullptr) {
    DispatchUpload(s);
    return;
  }
  // Other plain HTTP requests are dispatched once their body is complete (RemoteClosed).
}

void Http2Session::DispatchGrpc(Stream& s) {
  CallContext ctx;
  ctx.method = s.path;
  ctx.peer = env_.peer;
  ctx.tls = env_.tls;
  ctx.peer_cert_cn = env_.peer_cert_cn;
  std::optional<std::chrono::nanoseconds> timeout;
  if (std::string_view t = FindHeader(s.headers, "grpc-timeout"); !t.empty()) {
    timeout = ParseGrpcTimeout(t);
    if (!timeout) timeout = std::chrono::nanoseconds(0);  // malformed: fail the call at once
    ctx.deadline = std::chrono::steady_clock::now() +
                   std::chrono::duration_cast<std::chrono::steady_clock::duration>(*timeout);
  }
  ctx.metadata = std::move(s.headers);
  s.headers.clear();
  auto call = std::make_shared<GrpcCall>(env_.loop, this, s.id, std::move(ctx),
                                         env_.options->stream_send_bound_bytes);
  s.call = call;
  s.out = call;
  s.reader.emplace(env_.options->max_recv_message_bytes);
  if (timeout) StartDeadline(s, *timeout);
  if (s.method != "POST") {
    call->FinishWith({GrpcCode::kUnimplemented, "grpc: method must be POST"});
    return;
  }
  const Router::GrpcRoute route = env_.router->FindGrpc(call->context().method);
  if (route.stream != nullptr) {
    (*route.stream)(ServerStream(call));
  } else if (route.unary != nullptr) {
    s.unary = route.unary;
  } else {
    call->FinishWith(UnknownMethod(call->context().method, *env_.router));
  }
}

void Http2Session::StartDeadline(Stream& s, std::chrono::nanoseconds timeout) {
  s.deadline = std::make_unique<asio::steady_timer>(wake_.get_executor());
  s.deadline->expires_after(std::chrono::duration_cast<asio::steady_timer::duration>(timeout));
  s.deadline->async_wait([weak = weak_from_this(), id = s.id](const boost::system::error_code& ec) {
    if (ec) return;
    auto self = weak.lock();
    if (!self || self->closed_) return;
    Stream* st = self->Find(id);
    if (st == nullptr || !st->call) return;
    st->call->FinishWith({GrpcCode::kDeadlineExceeded, "context deadline exceeded"});
    st->call->NotifyDone(true);
  });
}

void Http2Session::DeliverGrpcData(Stream& s, const uint8_t* data, size_t n) {
  if (!s.call || s.reader->failed()) return;
  std::vector<std::string> messages;
  GrpcStatus st = s.reader->Feed(std::string_view(reinterpret_cast<const char*>(data), n), messages);
  for (std::string& m : messages) {
    if (s.unary != nullptr) {
      if (s.unary_request) {
        s.unary_extra = true;
      } else {
        s.unary_request = std::move(m);
      }
    } else if (s.call->on_message) {
      s.call->on_message(std::move(m));
    }
  }
  if (!st.ok()) {
    // The oversized message is never buffered; the call ends here and the handler hears
    // of it as a cancellation.
    s.call->FinishWith(st);
    s.call->NotifyDone(true);
  }
}

void Http2Session::RemoteClosed(Stream& s) {
  if (s.remote_closed) return;
  s.remote_closed = true;
  if (s.is_upload) {
    if (auto upload = std::move(s.upload)) upload->OnEnd();
    return;
  }
  if (!s.is_grpc) {
    DispatchHttp(s);
    return;
  }
  if (!s.call || s.call->closed()) return;
  if (s.reader && s.reader->partial()) {
    s.call->FinishWith({GrpcCode::kInternal, "unexpected EOF"});
    s.call->NotifyDone(true);
    return;
  }
  if (s.unary != nullptr) {
    if (!s.unary_request || s.unary_extra) {
      s.call->FinishWith({GrpcCode::kInternal, s.unary_extra ? "grpc: too many request messages"
                                                             : "grpc: no request message"});
      return;
    }
    (*s.unary)(s.call->context(), std::move(*s.unary_request), UnaryResponder(s.call));
    s.unary_request.reset();
    return;
  }
  if (s.call->on_half_close) s.call->on_half_close();
}

HttpRequest Http2Session::RequestHead(Stream& s) {
  HttpRequest req;
  req.method = s.method;
  req.target = s.path;
  const size_t q = s.path.find('?');
  req.path = s.path.substr(0, q);
  if (q != std::string::npos) req.query = s.path.substr(q + 1);
  req.headers = std::move(s.headers);
  s.headers.clear();
  req.peer = env_.peer;
  req.tls = env_.tls;
  req.http_major = 2;
  req.http_minor = 0;
  return req;
}

void Http2Session::DispatchHttp(Stream& s) {
  auto out = std::make_shared<OutputQueue>(env_.loop, this, s.id);
  s.out = out;
  HttpResponder responder(out);
  if (s.body_too_large) {
    responder.Respond({413, {{"content-type", "text/plain; charset=utf-8"}}, "http: request body too large\n"});
    return;
  }
  HttpRequest req = RequestHead(s);
  req.body = std::move(s.body);
  env_.router->ServeHttp(req, responder);
}

void Http2Session::DispatchUpload(Stream& s) {
  s.is_upload = true;
  s.out = std::make_shared<OutputQueue>(env_.loop, this, s.id);
  // An upload answered at once leaves `upload` null: the rest of its DATA is dropped,
  // and our END_STREAM resets the client's side (OnFrameSend).
  s.upload = env_.router->StartHttpUpload(RequestHead(s), HttpResponder(s.out));
}

}  // namespace etcdpp::net
