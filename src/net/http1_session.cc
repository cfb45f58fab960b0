#include "net/http1_session.h"

#include <cctype>
#include <cstdio>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>

namespace etcdpp::net {
namespace asio = boost::asio;
namespace http = boost::beast::http;

namespace {
constexpr size_t kReadBufferBytes = 16 * 1024;
constexpr size_t kMaxHeaderBytes = 64 * 1024;
constexpr size_t kWriteChunkBytes = 64 * 1024;

// "content-type" -> "Content-Type", as Go writes header names.
std::string CanonicalName(std::string_view name) {
  std::string out(name);
  bool upper = true;
  for (char& c : out) {
    c = static_cast<char>(upper ? std::toupper(static_cast<unsigned char>(c)) : c);
    upper = c == '-';
  }
  return out;
}

void AppendChunk(std::string& w, const char* data, size_t n) {
  char size[32];
  const int len = std::snprintf(size, sizeof size, "%zx\r\n", n);
  w.append(size, static_cast<size_t>(len));
  w.append(data, n);
  w.append("\r\n");
}

}  // namespace

Http1Session::Http1Session(std::unique_ptr<ByteStream> stream, SessionEnv env, asio::any_io_executor executor)
    : stream_(std::move(stream)), env_(std::move(env)), wake_(executor), read_buf_(new char[kReadBufferBytes]) {
  env_.registry->Add(this);
}

Http1Session::~Http1Session() {
  Close();
  env_.registry->Remove(this);
}

void Http1Session::Shutdown() { Close(); }

void Http1Session::Close() {
  if (closed_) return;
  closed_ = true;
  stream_->Close();
  wake_.cancel();
  if (auto upload = std::move(upload_)) upload->OnAbort();
  if (current_) {
    current_->Abandon();
    current_->DetachSink();
    current_.reset();
  }
}

void Http1Session::OnOutputReady(int32_t) {
  ready_ = true;
  wake_.cancel();
}

asio::awaitable<void> Http1Session::Run(std::string initial) {
  auto self = shared_from_this();
  in_ = std::move(initial);
  while (!closed_) {
    Parser parser;
    HttpRequest request;
    bool keep_alive = true;
    if (!co_await ReadHead(parser, request, keep_alive)) break;
    current_ = std::make_shared<OutputQueue>(env_.loop, this, next_id_++);
    if (env_.router->FindHttpUpload(request.path) != nullptr) {
      if (!co_await ReadUpload(parser, request, keep_alive)) break;
    } else {
      if (!co_await ReadBody(parser, request)) break;
      env_.router->ServeHttp(request, HttpResponder(current_));
    }
    if (!co_await SendResponse(*current_, request, keep_alive)) break;
    current_->DetachSink();
    current_.reset();
  }
  Close();
}

asio::awaitable<boost::beast::error_code> Http1Session::Parse(Parser& parser, bool whole, bool& closed) {
  closed = false;
  boost::beast::error_code ec;
  for (;;) {
    if (whole ? parser.is_done() : parser.is_header_done()) co_return ec;
    if (!in_.empty()) {
      const size_t used = parser.put(asio::buffer(in_.data(), in_.size()), ec);
      in_.erase(0, used);
      if (ec == http::error::need_more) ec = {};
      if (ec) co_return ec;
      if (used > 0 && !in_.empty()) continue;
      if (whole ? parser.is_done() : parser.is_header_done()) co_return ec;
    }
    boost::system::error_code rec;
    const size_t n = co_await stream_->ReadSome(asio::buffer(read_buf_.get(), kReadBufferBytes), rec);
    if (rec || closed_) {
      closed = true;
      co_return ec;
    }
    in_.append(read_buf_.get(), n);
  }
}

asio::awaitable<bool> Http1Session::ReadHead(Parser& parser, HttpRequest& request, bool& keep_alive) {
  parser.header_limit(kMaxHeaderBytes);
  parser.body_limit(boost::none);  // each route applies its own (ReadBody, ReadUpload)
  bool closed = false;
  const boost::beast::error_code ec = co_await Parse(parser, /*whole=*/false, closed);
  if (closed) co_return false;
  if (ec) {
    co_await WriteParseError(ec);
    co_return false;
  }
  parser.eager(true);  // from here on, parse all the body bytes each read brings
  auto& msg = parser.get();
  request.method = std::string(msg.method_string());
  request.target = std::string(msg.target());
  const size_t q = request.target.find('?');
  request.path = request.target.substr(0, q);
  if (q != std::string::npos) request.query = request.target.substr(q + 1);
  for (const auto& field : msg) {
    std::string name(field.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    request.headers.emplace_back(std::move(name), std::string(field.value()));
  }
  request.peer = env_.peer;
  request.tls = env_.tls;
  request.http_major = static_cast<int>(msg.version() / 10);
  request.http_minor = static_cast<int>(msg.version() % 10);
  keep_alive = msg.keep_alive();
  co_return true;
}

asio::awaitable<bool> Http1Session::ReadBody(Parser& parser, HttpRequest& request) {
  const size_t limit = env_.options->max_http_body_bytes;
  if (parser.content_length() && *parser.content_length() > limit) {
    co_await WriteParseError(http::error::body_limit);
    co_return false;
  }
  parser.get().body() = [&request, limit](std::string_view piece) {
    if (piece.size() > limit - request.body.size()) return false;
    request.body.append(piece);
    return true;
  };
  if (!co_await MaybeSendContinue(parser)) co_return false;
  bool closed = false;
  const boost::beast::error_code ec = co_await Parse(parser, /*whole=*/true, closed);
  parser.get().body() = nullptr;
  if (closed) co_return false;
  if (ec) {
    co_await WriteParseError(ec);
    co_return false;
  }
  co_return true;
}

asio::awaitable<bool> Http1Session::ReadUpload(Parser& parser, const HttpRequest& head, bool& keep_alive) {
  upload_ = env_.router->StartHttpUpload(head, HttpResponder(current_));
  if (!upload_ && !parser.is_done() && parser.get()[http::field::expect] == "100-continue") {
    // Answered before the client sent the body: it will not send it, so the request's
    // framing on this connection is unknown from here.
    keep_alive = false;
    co_return true;
  }
  parser.get().body() = [this](std::string_view piece) {
    if (upload_) upload_->OnData(piece);  // a refused upload's body is read and dropped
    return true;
  };
  bool closed = !co_await MaybeSendContinue(parser);
  boost::beast::error_code ec;
  if (!closed) ec = co_await Parse(parser, /*whole=*/true, closed);
  parser.get().body() = nullptr;
  std::unique_ptr<HttpUpload> upload = std::move(upload_);  // Close() may have aborted it
  if (closed || ec) {
    if (upload) upload->OnAbort();
    if (ec) co_await WriteParseError(ec);
    co_return false;
  }
  if (upload) upload->OnEnd();
  co_return true;
}

asio::awaitable<bool> Http1Session::MaybeSendContinue(Parser& parser) {
  if (parser.is_done() || parser.get()[http::field::expect] != "100-continue") co_return true;
  // Clients such as curl wait for this before sending a larger body.
  static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
  boost::system::error_code ec;
  co_await stream_->Write(asio::buffer(kContinue.data(), kContinue.size()), ec);
  co_return !ec && !closed_;
}

asio::awaitable<void> Http1Session::WriteParseError(boost::beast::error_code ec) {
  if (ec == http::error::body_limit) {
    co_await WriteError(413, "413 Request Entity Too Large");
  } else if (ec == http::error::header_limit) {
    co_await WriteError(431, "431 Request Header Fields Too Large");
  } else {
    co_await WriteError(400, "400 Bad Request");
  }
}

asio::awaitable<void> Http1Session::WriteError(int status, std::string_view body) {
  std::string w = "HTTP/1.1 " + std::to_string(status) + " " + std::string(HttpReason(status)) +
                  "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n";
  w.append(body);
  boost::system::error_code ec;
  co_await stream_->Write(asio::buffer(w), ec);
}

asio::awaitable<bool> Http1Session::SendResponse(OutputQueue& out, const HttpRequest& request, bool keep_alive) {
  bool head_sent = false;
  bool chunked = false;
  std::string w;
  for (;;) {
    ready_ = false;
    OutputQueue::Taken t = out.Poll();
    w.clear();
    if (t.head) {
      bool has_length = false;
      bool has_date = false;
      std::string status = "200";
      std::string fields;
      for (const auto& [k, v] : *t.head) {
        if (k == ":status") {
          status = v;
          continue;
        }
        has_length |= k == "content-length";
        has_date |= k == "date";
        fields += CanonicalName(k) + ": " + v + "\r\n";
      }
      if (!has_date) fields += "Date: " + HttpDate() + "\r\n";
      if (!has_length) {
        chunked = keep_alive && request.http_major == 1 && request.http_minor >= 1;
        if (chunked) fields += "Transfer-Encoding: chunked\r\n";
        else keep_alive = false;  // the body ends when the connection does
      }
      if (!keep_alive) fields += "Connection: close\r\n";
      w = "HTTP/1.1 " + status + " " + std::string(HttpReason(std::atoi(status.c_str()))) + "\r\n" + fields + "\r\n";
      head_sent = true;
    }
    if (head_sent && request.method == "HEAD") {
      while (out.TakeBody(read_buf_.get(), kReadBufferBytes) > 0) {
      }  // a HEAD answer has the GET headers and no body
    } else if (head_sent) {
      char* buf = read_buf_.get();  // reads and writes never overlap on this connection
      size_t n;
      while (w.size() < kWriteChunkBytes && (n = out.TakeBody(buf, kReadBufferBytes)) > 0) {
        if (chunked) AppendChunk(w, buf, n);
        else w.append(buf, n);
      }
    }
    const bool done = head_sent && t.ended && !out.HasBody();
    if (done && chunked) w += "0\r\n\r\n";
    if (!w.empty()) {
      boost::system::error_code ec;
      co_await stream_->Write(asio::buffer(w), ec);
      if (ec || closed_) co_return false;
      if (done) break;
      continue;  // more may have been queued while writing
    }
    if (done) break;
    if (!ready_) {
      boost::system::error_code ec;
      wake_.expires_at(asio::steady_timer::time_point::max());
      co_await wake_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      if (closed_) co_return false;
    }
  }
  co_return keep_alive;
}

}  // namespace etcdpp::net
