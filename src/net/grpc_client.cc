#include "net/grpc_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include <nghttp2/nghttp2.h>

#include "net/grpc_framing.h"

namespace etcdpp::net {

struct GrpcClient::Pending {
  int32_t stream_id = 0;
  std::string body;  // request DATA still to send
  size_t sent = 0;
  Reply reply;
  GrpcMessageReader reader{SIZE_MAX >> 1};
  bool closed = false;
  bool have_status = false;
  bool plain = false;                   // a plain HTTP request: DATA is kept raw
  std::string raw;                      // the plain response body
  size_t cancel_after = SIZE_MAX;       // reset the stream once this much is sent
  bool cancelled = false;
};

struct GrpcClient::Callbacks {
  static Pending* Current(void* ud, int32_t id) {
    Pending* p = static_cast<GrpcClient*>(ud)->current_;
    return p != nullptr && p->stream_id == id ? p : nullptr;
  }
  static int OnHeader(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name, size_t namelen,
                      const uint8_t* value, size_t valuelen, uint8_t, void* ud) {
    Pending* p = Current(ud, frame->hd.stream_id);
    if (p == nullptr) return 0;
    std::string n(reinterpret_cast<const char*>(name), namelen);
    std::string v(reinterpret_cast<const char*>(value), valuelen);
    if (n == "grpc-status") {
      p->reply.status.code = static_cast<GrpcCode>(std::atoi(v.c_str()));
      p->have_status = true;
    } else if (n == "grpc-message") {
      p->reply.status.message = PercentDecodeGrpcMessage(v);
    }
    p->reply.headers.emplace_back(std::move(n), std::move(v));
    return 0;
  }
  static int OnData(nghttp2_session*, uint8_t, int32_t id, const uint8_t* data, size_t len, void* ud) {
    Pending* p = Current(ud, id);
    if (p != nullptr && p->plain) {
      p->raw.append(reinterpret_cast<const char*>(data), len);
    } else if (p != nullptr) {
      p->reader.Feed(std::string_view(reinterpret_cast<const char*>(data), len), p->reply.messages);
    }
    return 0;
  }
  static int OnClose(nghttp2_session*, int32_t id, uint32_t error_code, void* ud) {
    Pending* p = Current(ud, id);
    if (p == nullptr) return 0;
    p->closed = true;
    if (error_code != NGHTTP2_NO_ERROR) p->reply.reset = true;
    if (!p->have_status) {
      p->reply.status = {GrpcCode::kInternal, "stream closed without grpc-status"};
    }
    return 0;
  }
  static ssize_t Read(nghttp2_session*, int32_t id, uint8_t* buf, size_t length, uint32_t* flags,
                      nghttp2_data_source* source, void*) {
    auto* p = static_cast<Pending*>(source->ptr);
    if (p->sent >= p->cancel_after) return NGHTTP2_ERR_DEFERRED;  // Pump resets the stream
    const size_t n = std::min({length, p->body.size() - p->sent, p->cancel_after - p->sent});
    std::memcpy(buf, p->body.data() + p->sent, n);
    p->sent += n;
    if (p->sent == p->body.size()) *flags |= NGHTTP2_DATA_FLAG_EOF;
    return static_cast<ssize_t>(n);
  }
};

GrpcClient::GrpcClient(int fd) : fd_(fd) {
  nghttp2_session_callbacks* cbs = nullptr;
  nghttp2_session_callbacks_new(&cbs);
  nghttp2_session_callbacks_set_on_header_callback(cbs, Callbacks::OnHeader);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, Callbacks::OnData);
  nghttp2_session_callbacks_set_on_stream_close_callback(cbs, Callbacks::OnClose);
  nghttp2_session_client_new(&h2_, cbs, this);
  nghttp2_session_callbacks_del(cbs);
  const nghttp2_settings_entry settings[] = {{NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 1 << 24}};
  nghttp2_submit_settings(h2_, NGHTTP2_FLAG_NONE, settings, 1);
  nghttp2_session_set_local_window_size(h2_, NGHTTP2_FLAG_NONE, 0, 1 << 28);
}

GrpcClient::~GrpcClient() {
  nghttp2_session_del(h2_);
  ::close(fd_);
}

Result<std::unique_ptr<GrpcClient>> GrpcClient::Connect(const std::string& host, uint16_t port) {
  sockaddr_storage ss{};
  socklen_t len = 0;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    len = sizeof *v4;
  } else if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    len = sizeof *v6;
  } else {
    return InvalidArgument("not an IP address: " + host);
  }
  const int fd = ::socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return IoError(std::string("socket: ") + std::strerror(errno));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
    const int err = errno;
    ::close(fd);
    return Unavailable(std::string("connect: ") + std::strerror(err));
  }
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return std::unique_ptr<GrpcClient>(new GrpcClient(fd));
}

// Sends what nghttp2 wants to send and reads until the pending call closes.
Status GrpcClient::Pump(Pending& p) {
  char buf[64 * 1024];
  while (!p.closed) {
    for (;;) {
      const uint8_t* data = nullptr;
      const ssize_t n = nghttp2_session_mem_send(h2_, &data);
      if (n < 0) return Internal(nghttp2_strerror(static_cast<int>(n)));
      if (n == 0) break;
      for (ssize_t off = 0; off < n;) {
        const ssize_t w = ::send(fd_, data + off, static_cast<size_t>(n - off), MSG_NOSIGNAL);
        if (w <= 0) return Unavailable("connection lost while sending");
        off += w;
      }
    }
    if (p.closed) break;
    if (p.sent >= p.cancel_after && !p.cancelled) {
      p.cancelled = true;
      nghttp2_submit_rst_stream(h2_, NGHTTP2_FLAG_NONE, p.stream_id, NGHTTP2_CANCEL);
      continue;
    }
    const ssize_t r = ::recv(fd_, buf, sizeof buf, 0);
    if (r <= 0) return Unavailable("connection closed by server");
    if (nghttp2_session_mem_recv(h2_, reinterpret_cast<uint8_t*>(buf), static_cast<size_t>(r)) < 0) {
      return Internal("HTTP/2 protocol error from server");
    }
  }
  return Status::Ok();
}

Result<GrpcClient::Reply> GrpcClient::Call(std::string_view method, std::vector<std::string> requests,
                                           std::vector<std::pair<std::string, std::string>> metadata,
                                           std::chrono::milliseconds timeout) {
  std::string body;
  for (const std::string& r : requests) AppendGrpcMessage(body, r);
  if (timeout.count() > 0) metadata.emplace_back("grpc-timeout", FormatGrpcTimeout(timeout));
  return Exchange(method, std::move(body), std::move(metadata));
}

Result<GrpcClient::Reply> GrpcClient::CallRaw(std::string_view method, std::string body) {
  return Exchange(method, std::move(body), {});
}

Result<GrpcClient::Reply> GrpcClient::Exchange(std::string_view method, std::string body,
                                               std::vector<std::pair<std::string, std::string>> metadata) {
  Pending p;
  p.body = std::move(body);
  std::vector<std::pair<std::string, std::string>> headers = {
      {":method", "POST"}, {":scheme", "http"}, {":path", std::string(method)}, {":authority", "localhost"},
      {"content-type", "application/grpc"}, {"te", "trailers"}};
  headers.insert(headers.end(), metadata.begin(), metadata.end());
  ETCDPP_RETURN_IF_ERROR(Run(p, std::move(headers)));
  return std::move(p.reply);
}

Result<GrpcClient::HttpReply> GrpcClient::Post(std::string_view path, std::string body,
                                               std::vector<std::pair<std::string, std::string>> headers,
                                               size_t cancel_after_bytes) {
  Pending p;
  p.body = std::move(body);
  p.plain = true;
  p.cancel_after = cancel_after_bytes;
  headers.insert(headers.begin(), {{":method", "POST"},
                                   {":scheme", "http"},
                                   {":path", std::string(path)},
                                   {":authority", "localhost"},
                                   {"content-type", "application/octet-stream"}});
  ETCDPP_RETURN_IF_ERROR(Run(p, std::move(headers)));
  HttpReply reply;
  for (const auto& [k, v] : p.reply.headers) {
    if (k == ":status") reply.status = std::atoi(v.c_str());
  }
  reply.body = std::move(p.raw);
  reply.reset = p.reply.reset;
  return reply;
}

Status GrpcClient::Run(Pending& p, std::vector<std::pair<std::string, std::string>> headers) {
  std::vector<nghttp2_nv> nv;
  for (auto& [k, v] : headers) {
    nv.push_back({reinterpret_cast<uint8_t*>(k.data()), reinterpret_cast<uint8_t*>(v.data()), k.size(), v.size(),
                  NGHTTP2_NV_FLAG_NONE});
  }
  nghttp2_data_provider provider{};
  provider.source.ptr = &p;
  provider.read_callback = Callbacks::Read;
  p.stream_id = nghttp2_submit_request(h2_, nullptr, nv.data(), nv.size(), &provider, nullptr);
  if (p.stream_id < 0) return Internal(nghttp2_strerror(p.stream_id));
  current_ = &p;
  Status st = Pump(p);
  current_ = nullptr;
  return st;
}

}  // namespace etcdpp::net
