#include "net/http2_session.h"

#include <nghttp2/nghttp2.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "net/http2_stream.h"

namespace etcdpp::net {
namespace asio = boost::asio;

namespace {
constexpr size_t kWriteChunkBytes = 64 * 1024;
constexpr size_t kReadBufferBytes = 32 * 1024;
constexpr size_t kMaxHeaderBytes = 64 * 1024;
constexpr int kMaxPingStrikes = 2;
// With no open streams clients should not ping at all; grpc-go allows one per two hours.
constexpr auto kIdlePingMinInterval = std::chrono::hours(2);
}  // namespace

// nghttp2's C callbacks, forwarding to the session.
struct Http2Session::Callbacks {
  static Http2Session& Self(void* ud) { return *static_cast<Http2Session*>(ud); }

  static int OnBeginHeaders(nghttp2_session*, const nghttp2_frame* frame, void* ud) {
    if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST) return 0;
    Self(ud).streams_[frame->hd.stream_id] = std::make_unique<Stream>(frame->hd.stream_id);
    return 0;
  }

  static int OnHeader(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name, size_t namelen,
                      const uint8_t* value, size_t valuelen, uint8_t, void* ud) {
    Stream* s = Self(ud).Find(frame->hd.stream_id);
    if (s == nullptr || s->dispatched) return 0;  // trailers from the client carry nothing we use
    s->header_bytes += namelen + valuelen + 32;
    if (s->header_bytes > kMaxHeaderBytes) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    std::string n(reinterpret_cast<const char*>(name), namelen);
    std::string v(reinterpret_cast<const char*>(value), valuelen);
    if (n == ":method") s->method = v;
    if (n == ":path") s->path = v;
    s->headers.emplace_back(std::move(n), std::move(v));
    return 0;
  }

  static int OnFrameRecv(nghttp2_session*, const nghttp2_frame* frame, void* ud) {
    Http2Session& self = Self(ud);
    self.activity_ = true;
    switch (frame->hd.type) {
      case NGHTTP2_HEADERS:
      case NGHTTP2_DATA: {
        Stream* s = self.Find(frame->hd.stream_id);
        if (s == nullptr) return 0;
        if (frame->hd.type == NGHTTP2_HEADERS && !s->dispatched) self.Dispatch(*s);
        s = self.Find(frame->hd.stream_id);  // dispatch may have reset it
        if (s != nullptr && (frame->hd.flags & NGHTTP2_FLAG_END_STREAM)) self.RemoteClosed(*s);
        return 0;
      }
      case NGHTTP2_PING:
        if (frame->hd.flags & NGHTTP2_FLAG_ACK) {
          self.ping_acked_ = true;
        } else {
          self.OnPing();
        }
        return 0;
      default:
        return 0;
    }
  }

  static int OnDataChunk(nghttp2_session*, uint8_t, int32_t id, const uint8_t* data, size_t len, void* ud) {
    Http2Session& self = Self(ud);
    Stream* s = self.Find(id);
    if (s == nullptr) return 0;
    if (s->is_grpc) {
      self.DeliverGrpcData(*s, data, len);
    } else if (s->is_upload) {
      // Consumed at once, so nghttp2 reopens the window as it goes: the stream's window
      // (1 MiB) bounds what the client can send ahead of the handler.
      if (s->upload) s->upload->OnData(std::string_view(reinterpret_cast<const char*>(data), len));
    } else if (!s->body_too_large) {
      if (s->body.size() + len > self.env_.options->max_http_body_bytes) {
        s->body_too_large = true;
        s->body.clear();
        s->body.shrink_to_fit();
      } else {
        s->body.append(reinterpret_cast<const char*>(data), len);
      }
    }
    return 0;
  }

  static int OnStreamClose(nghttp2_session*, int32_t id, uint32_t error_code, void* ud) {
    Self(ud).StreamClosed(id, error_code);
    return 0;
  }

  static int OnFrameSend(nghttp2_session* h2, const nghttp2_frame* frame, void* ud) {
    Http2Session& self = Self(ud);
    if (frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA) return 0;
    self.reset_ping_strikes_ = true;
    if (!(frame->hd.flags & NGHTTP2_FLAG_END_STREAM)) return 0;
    // Our side finished while the client is still sending: tell it to stop.
    Stream* s = self.Find(frame->hd.stream_id);
    if (s != nullptr && !s->remote_closed) {
      nghttp2_submit_rst_stream(h2, NGHTTP2_FLAG_NONE, frame->hd.stream_id, NGHTTP2_NO_ERROR);
    }
    return 0;
  }

  static ssize_t ReadData(nghttp2_session* h2, int32_t id, uint8_t* buf, size_t length, uint32_t* flags,
                          nghttp2_data_source*, void* ud) {
    Http2Session& self = Self(ud);
    Stream* s = self.Find(id);
    if (s == nullptr || !s->out) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    const size_t n = s->out->TakeBody(reinterpret_cast<char*>(buf), length);
    if (s->call) s->call->MaybeNotifyWritable();
    if (n < length) {
      OutputQueue::Taken t = s->out->Poll();
      if (t.ended && !s->out->HasBody()) {
        *flags |= NGHTTP2_DATA_FLAG_EOF;
        if (t.trailers && !t.trailers->empty()) {
          std::vector<nghttp2_nv> nv = ToNv(*t.trailers);
          if (nghttp2_submit_trailer(h2, id, nv.data(), nv.size()) == 0) *flags |= NGHTTP2_DATA_FLAG_NO_END_STREAM;
        }
        return static_cast<ssize_t>(n);
      }
    }
    if (n == 0) {
      s->deferred = true;
      return NGHTTP2_ERR_DEFERRED;
    }
    return static_cast<ssize_t>(n);
  }

  static std::vector<nghttp2_nv> ToNv(const Headers& headers) {
    std::vector<nghttp2_nv> nv;
    nv.reserve(headers.size());
    for (const auto& [k, v] : headers) {
      nv.push_back({const_cast<uint8_t*>(reinterpret_cast<const uint8_t*>(k.data())),
                    const_cast<uint8_t*>(reinterpret_cast<const uint8_t*>(v.data())), k.size(), v.size(),
                    NGHTTP2_NV_FLAG_NONE});
    }
    return nv;
  }
};

Http2Session::Http2Session(std::unique_ptr<ByteStream> stream, SessionEnv env, asio::any_io_executor executor)
    : stream_(std::move(stream)), env_(std::move(env)), wake_(executor), keepalive_timer_(executor) {
  env_.registry->Add(this);
}

Http2Session::~Http2Session() {
  Close();
  env_.registry->Remove(this);
  if (h2_ != nullptr) nghttp2_session_del(h2_);
}

Http2Session::Stream* Http2Session::Find(int32_t id) {
  auto it = streams_.find(id);
  return it == streams_.end() ? nullptr : it->second.get();
}

asio::awaitable<void> Http2Session::Run(std::string initial) {
  auto self = shared_from_this();
  nghttp2_session_callbacks* cbs = nullptr;
  nghttp2_session_callbacks_new(&cbs);
  nghttp2_session_callbacks_set_on_begin_headers_callback(cbs, Callbacks::OnBeginHeaders);
  nghttp2_session_callbacks_set_on_header_callback(cbs, Callbacks::OnHeader);

  nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, Callbacks::OnFrameRecv);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, Callbacks::OnDataChunk);
  nghttp2_session_callbacks_set_on_stream_close_callback(cbs, Callbacks::OnStreamClose);
  nghttp2_session_callbacks_set_on_frame_send_callback(cbs, Callbacks::OnFrameSend);
  nghttp2_option* opt = nullptr;
  nghttp2_option_new(&opt);
  // No HTTP messaging checks: grpc-go clients given "http://host:port" as a passthrough
  // target (etcdctl endpoint status/hashkv) send ":authority: http://host:port", which
  // nghttp2 would reset as invalid while grpc-go servers (etcd) accept it. Requests
  // without :method or :path are refused by the session's own dispatch.
  nghttp2_option_set_no_http_messaging(opt, 1);
  nghttp2_session_server_new2(&h2_, cbs, this, opt);
  nghttp2_option_del(opt);
  nghttp2_session_callbacks_del(cbs);

  const ServerOptions& o = *env_.options;
  const nghttp2_settings_entry settings[] = {
      {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, o.max_concurrent_streams},
      {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, static_cast<uint32_t>(o.stream_window_bytes)},
      {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, static_cast<uint32_t>(kMaxHeaderBytes)},
  };
  nghttp2_submit_settings(h2_, NGHTTP2_FLAG_NONE, settings, std::size(settings));
  nghttp2_session_set_local_window_size(h2_, NGHTTP2_FLAG_NONE, 0, o.connection_window_bytes);

  auto ex = co_await asio::this_coro::executor;
  asio::co_spawn(ex, [self]() { return self->WriteLoop(); }, asio::detached);
  if (o.keepalive_interval.count() > 0) {
    asio::co_spawn(ex, [self]() { return self->KeepaliveLoop(); }, asio::detached);
  }
  if (!Feed(reinterpret_cast<const uint8_t*>(initial.data()), initial.size())) co_return;
  std::unique_ptr<char[]> buf(new char[kReadBufferBytes]);
  while (!closed_) {
    boost::system::error_code ec;
    const size_t n = co_await stream_->ReadSome(asio::buffer(buf.get(), kReadBufferBytes), ec);
    if (ec) break;
    if (!Feed(reinterpret_cast<const uint8_t*>(buf.get()), n)) co_return;
  }
  Close();
}

// Returns false once reading should stop (a protocol error: the write loop sends the
// GOAWAY nghttp2 queued, then closes).
bool Http2Session::Feed(const uint8_t* data, size_t n) {
  if (closed_) return false;
  if (n > 0) {
    const ssize_t rv = nghttp2_session_mem_recv(h2_, data, n);
    if (rv < 0) {
      if (rv == NGHTTP2_ERR_BAD_CLIENT_MAGIC || nghttp2_is_fatal(static_cast<int>(rv))) {
        Close();
        return false;
      }
      nghttp2_session_terminate_session(h2_, NGHTTP2_PROTOCOL_ERROR);
      close_after_flush_ = true;
      Kick();
      return false;
    }
  }
  Kick();
  return true;
}

void Http2Session::Kick() { wake_.cancel(); }

bool Http2Session::FillOutput() {
  while (out_.size() < kWriteChunkBytes) {
    const uint8_t* data = nullptr;
    const ssize_t n = nghttp2_session_mem_send(h2_, &data);
    if (n < 0) return false;
    if (n == 0) break;
    out_.append(reinterpret_cast<const char*>(data), static_cast<size_t>(n));
  }
  return true;
}

asio::awaitable<void> Http2Session::WriteLoop() {
  auto self = shared_from_this();
  while (!closed_) {
    if (!FillOutput()) break;
    if (out_.empty()) {
      if (close_after_flush_ || (!nghttp2_session_want_read(h2_) && !nghttp2_session_want_write(h2_))) break;
      boost::system::error_code ec;
      wake_.expires_at(asio::steady_timer::time_point::max());
      co_await wake_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    boost::system::error_code ec;
    co_await stream_->Write(asio::buffer(out_), ec);
    if (ec) break;
    out_.clear();
  }
  Close();
}

asio::awaitable<void> Http2Session::KeepaliveLoop() {
  auto self = shared_from_this();
  const ServerOptions& o = *env_.options;
  while (!closed_) {
    boost::system::error_code ec;
    keepalive_timer_.expires_after(o.keepalive_interval);
    co_await keepalive_timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (closed_) break;
    if (activity_) {  // only an idle connection is probed
      activity_ = false;
      continue;
    }
    ping_acked_ = false;
    const uint8_t opaque[8] = {'k', 'e', 'e', 'p', 'a', 'l', 'v', '1'};
    nghttp2_submit_ping(h2_, NGHTTP2_FLAG_NONE, opaque);
    Kick();
    keepalive_timer_.expires_after(o.keepalive_timeout);
    co_await keepalive_timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (closed_) break;
    if (!ping_acked_) {
      Close();
      break;
    }
  }
}

void Http2Session::OnPing() {
  const auto now = std::chrono::steady_clock::now();
  if (reset_ping_strikes_) {
    reset_ping_strikes_ = false;
    ping_strikes_ = 0;
  } else {
    const auto min_interval = streams_.empty() ? std::chrono::duration_cast<std::chrono::milliseconds>(kIdlePingMinInterval)
                                               : env_.options->keepalive_min_time;
    if (last_ping_ + min_interval > now) ++ping_strikes_;
  }
  last_ping_ = now;
  if (ping_strikes_ > kMaxPingStrikes && !close_after_flush_) {
    static constexpr char kDebug[] = "too_many_pings";
    nghttp2_submit_goaway(h2_, NGHTTP2_FLAG_NONE, nghttp2_session_get_last_proc_stream_id(h2_),
                          NGHTTP2_ENHANCE_YOUR_CALM, reinterpret_cast<const uint8_t*>(kDebug), sizeof kDebug - 1);
    close_after_flush_ = true;
  }
}

void Http2Session::Shutdown() { Close(); }

void Http2Session::Close() {
  if (closed_) return;
  closed_ = true;
  stream_->Close();
  wake_.cancel();
  keepalive_timer_.cancel();
  auto streams = std::move(streams_);
  streams_.clear();
  for (auto& [id, s] : streams) {
    if (s->deadline) s->deadline->cancel();
    if (auto upload = std::move(s->upload)) upload->OnAbort();
    if (!s->out) continue;
    s->out->Abandon();
    s->out->DetachSink();
    if (s->call) s->call->NotifyDone(true);
  }
}

void Http2Session::OnOutputReady(int32_t stream_id) {
  if (closed_) return;
  Stream* s = Find(stream_id);
  if (s == nullptr || !s->out) return;
  SubmitResponse(*s);
  Kick();
}

void Http2Session::SubmitResponse(Stream& s) {
  if (s.response_submitted) {
    if (s.deferred) {
      s.deferred = false;
      nghttp2_session_resume_data(h2_, s.id);
    }
    return;
  }
  OutputQueue::Taken t = s.out->Poll();
  if (!t.head) return;
  s.response_submitted = true;
  if (t.ended && !s.out->HasBody()) {
    // Head and trailers in one HEADERS frame that ends the stream.
    Headers all = std::move(*t.head);
    if (t.trailers) all.insert(all.end(), t.trailers->begin(), t.trailers->end());
    std::vector<nghttp2_nv> nv = Callbacks::ToNv(all);
    nghttp2_submit_response(h2_, s.id, nv.data(), nv.size(), nullptr);
    return;
  }
  nghttp2_data_provider provider{};
  provider.read_callback = Callbacks::ReadData;
  std::vector<nghttp2_nv> nv = Callbacks::ToNv(*t.head);
  nghttp2_submit_response(h2_, s.id, nv.data(), nv.size(), &provider);
}

void Http2Session::StreamClosed(int32_t id, uint32_t error_code) {
  auto it = streams_.find(id);
  if (it == streams_.end()) return;
  std::unique_ptr<Stream> s = std::move(it->second);
  streams_.erase(it);
  if (s->deadline) s->deadline->cancel();
  if (s->upload) s->upload->OnAbort();  // reset before its end (RemoteClosed clears it)
  if (!s->out) return;
  const bool finished = s->out->closed();
  s->out->Abandon();
  s->out->DetachSink();
  if (s->call) s->call->NotifyDone(error_code != NGHTTP2_NO_ERROR || !finished);
}

}  // namespace etcdpp::net
