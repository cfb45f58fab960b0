#include "peer/http_connection.h"

#include <cctype>

#include <boost/asio/error.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>

namespace etcdpp::peer {
namespace asio = boost::asio;
namespace http = boost::beast::http;
using boost::beast::error_code;
using boost::beast::string_view;

namespace {
constexpr size_t kReadBytes = 64 * 1024;
constexpr uint32_t kHeaderLimitBytes = 64 * 1024;
}  // namespace

// Collects the status, the headers and the decoded body bytes (chunked or not).
class HttpConnection::Parser final : public http::basic_parser<false> {
 public:
  Parser() {
    eager(true);
    header_limit(kHeaderLimitBytes);
    body_limit(boost::none);  // streams are unbounded; callers bound what they keep
  }
  int status = 0;
  HeaderList headers;
  std::string body;

 private:
  void on_request_impl(http::verb, string_view, string_view, int, error_code&) override {}
  void on_response_impl(int code, string_view, int, error_code&) override { status = code; }
  void on_field_impl(http::field, string_view name, string_view value, error_code&) override {
    std::string lower(name);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    headers.emplace_back(std::move(lower), std::string(value));
  }
  void on_header_impl(error_code&) override {}
  void on_body_init_impl(const boost::optional<uint64_t>&, error_code&) override {}
  size_t on_body_impl(string_view bytes, error_code&) override {
    body.append(bytes.data(), bytes.size());
    return bytes.size();
  }
  void on_chunk_header_impl(uint64_t, string_view, error_code&) override {}
  size_t on_chunk_body_impl(uint64_t, string_view bytes, error_code&) override {
    body.append(bytes.data(), bytes.size());
    return bytes.size();
  }
  void on_finish_impl(error_code&) override {}
};

std::string EncodeRequestHead(std::string_view method, const Url& url, std::string_view path,
                              const HeaderList& headers, std::optional<uint64_t> content_length) {
  std::string out;
  out.reserve(256);
  out.append(method).append(" ").append(path).append(" HTTP/1.1\r\nHost: ").append(url.host_port);
  out.append("\r\n");
  for (const auto& [name, value] : headers) out.append(name).append(": ").append(value).append("\r\n");
  if (content_length) out.append("Content-Length: ").append(std::to_string(*content_length)).append("\r\n");
  out.append("\r\n");
  return out;
}

HttpConnection::HttpConnection(std::unique_ptr<PeerStream> stream)
    : stream_(std::move(stream)), parser_(std::make_unique<Parser>()) {}

HttpConnection::~HttpConnection() = default;

asio::awaitable<Status> HttpConnection::Write(std::string_view bytes, std::chrono::milliseconds timeout) {
  boost::system::error_code ec;
  stream_->ExpiresAfter(timeout);
  co_await stream_->Write(asio::buffer(bytes.data(), bytes.size()), ec);
  if (ec) {
    broken_ = true;
    co_return Unavailable("write: " + ec.message());
  }
  co_return Status::Ok();
}

// Feeds buffered bytes to the parser, then reads more from the socket when the parser
// could not make progress.
asio::awaitable<Status> HttpConnection::ReadMore(std::chrono::milliseconds timeout) {
  if (!in_.empty() && !parser_->is_done()) {
    error_code ec;
    const size_t used = parser_->put(asio::buffer(in_.data(), in_.size()), ec);
    in_.erase(0, used);
    if (ec && ec != http::error::need_more) {
      broken_ = true;
      co_return Unavailable("malformed HTTP response: " + ec.message());
    }
    // Bytes were taken (need_more may still be reported for a partial next chunk):
    // let the caller look at what was parsed before waiting on the socket.
    if (used > 0) co_return Status::Ok();
  }
  if (parser_->is_done()) co_return Status::Ok();
  char buf[kReadBytes];
  boost::system::error_code ec;
  stream_->ExpiresAfter(timeout);
  const size_t n = co_await stream_->ReadSome(asio::buffer(buf, sizeof buf), ec);
  if (ec == asio::error::eof && parser_->is_header_done() && parser_->need_eof()) {
    error_code pec;
    parser_->put_eof(pec);
    broken_ = true;
    co_return Status::Ok();
  }
  if (ec) {
    broken_ = true;
    co_return Unavailable(ec == asio::error::eof ? std::string("unexpected EOF") : "read: " + ec.message());
  }
  in_.append(buf, n);
  co_return Status::Ok();
}

asio::awaitable<Status> HttpConnection::ReadHead(std::chrono::milliseconds timeout) {
  while (!parser_->is_header_done()) {
    ETCDPP_CO_RETURN_IF_ERROR(co_await ReadMore(timeout));
  }
  co_return Status::Ok();
}

int HttpConnection::status() const { return parser_->status; }

std::string_view HttpConnection::Header(std::string_view name) const {
  for (const auto& [k, v] : parser_->headers) {
    if (k == name) return v;
  }
  return {};
}

asio::awaitable<Result<bool>> HttpConnection::ReadBody(std::string* out, std::chrono::milliseconds timeout) {
  for (;;) {
    const bool done = parser_->is_header_done() && parser_->is_done();
    if (!parser_->body.empty()) {
      out->append(parser_->body);
      parser_->body.clear();
      co_return !done;
    }
    if (done) co_return false;
    Status s = co_await ReadMore(timeout);
    if (!s.ok()) co_return s;
  }
}

asio::awaitable<Result<std::string>> HttpConnection::ReadWholeBody(size_t limit, std::chrono::milliseconds timeout) {
  std::string body;
  for (;;) {
    Result<bool> more = co_await ReadBody(&body, timeout);
    if (!more.ok()) co_return more.status();
    if (body.size() > limit) {
      broken_ = true;
      co_return ResourceExhausted("response body too large");
    }
    if (!*more) co_return body;
  }
}

bool HttpConnection::reusable() const { return !broken_ && parser_->is_done() && parser_->keep_alive(); }

void HttpConnection::Reset() { parser_ = std::make_unique<Parser>(); }

void HttpConnection::Close() {
  broken_ = true;
  stream_->Close();
}

}  // namespace etcdpp::peer
