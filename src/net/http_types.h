// Plain HTTP requests and responses as handlers see them, for HTTP/1.1 and for
// non-gRPC HTTP/2 requests alike, and the HttpResponder a handler answers through.
//
// Threads: handlers run on the connection's I/O thread and must not block; the
// HttpResponder may be used from any thread (output is posted to the I/O thread).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace etcdpp::net {

class OutputQueue;

struct HttpRequest {
  std::string method;  // "GET", ...
  std::string target;  // as received: path and query
  std::string path;    // target before '?'
  std::string query;   // after '?', without it; empty if none
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-case
  std::string body;
  std::string peer;
  bool tls = false;
  int http_major = 1;  // 2 for HTTP/2 requests
  int http_minor = 1;

  // The first value of a header (name lower-case), or empty.
  std::string_view Header(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;  // as they should be sent
  std::string body;
};

class HttpResponder {
 public:
  explicit HttpResponder(std::shared_ptr<OutputQueue> out) : out_(std::move(out)) {}

  // Before the handler runs (a Router guard): a header every response of this request
  // carries besides its own (CORS). Copies made afterwards share them.
  void AddHeader(std::string name, std::string value);

  // Any thread, once: the whole response. Content-Length and Date are added.
  bool Respond(HttpResponse response) const;
  // Any thread: a response whose body follows in pieces (chunked on HTTP/1.1).
  bool StartStream(int status, std::vector<std::pair<std::string, std::string>> headers) const;
  bool Write(std::string chunk) const;
  bool End() const;
  // Bytes written and not yet sent; a streaming producer keeps this bounded.
  size_t queued_bytes() const;
  // True once the response ended or the client went away.
  bool closed() const;

 private:
  std::vector<std::pair<std::string, std::string>> WithExtra(
      std::vector<std::pair<std::string, std::string>> headers) const;

  std::shared_ptr<OutputQueue> out_;
  std::shared_ptr<std::vector<std::pair<std::string, std::string>>> extra_;
};

using HttpHandler = std::function<void(const HttpRequest& request, HttpResponder responder)>;

// The current time as an HTTP Date header value (IMF-fixdate).
std::string HttpDate();
// The reason phrase HTTP/1.1 sends for a status code.
std::string_view HttpReason(int status);

}  // namespace etcdpp::net
