// GrpcClient: a small blocking gRPC client over one plaintext HTTP/2 connection
// (nghttp2 client session on a POSIX socket). For tests, benchmarks and tools; not for
// the server's hot paths. Owned and used by one thread at a time.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "net/grpc_status.h"

struct nghttp2_session;

namespace etcdpp::net {

class GrpcClient {
 public:
  struct Reply {
    GrpcStatus status;
    std::vector<std::string> messages;
    std::vector<std::pair<std::string, std::string>> headers;  // response headers and trailers
    bool reset = false;  // the server reset the stream (RST_STREAM)
  };

  // Connects to host:port (an IPv4/IPv6 literal) and exchanges the HTTP/2 preface.
  static Result<std::unique_ptr<GrpcClient>> Connect(const std::string& host, uint16_t port);
  ~GrpcClient();
  GrpcClient(const GrpcClient&) = delete;
  GrpcClient& operator=(const GrpcClient&) = delete;

  // Sends `requests` (each length-prefixed, then end of stream) and waits for the end of
  // the call. `timeout` is sent as grpc-timeout when non-zero. Errors are transport
  // failures; a gRPC error status is a successful Reply.
  Result<Reply> Call(std::string_view method, std::vector<std::string> requests,
                     std::vector<std::pair<std::string, std::string>> metadata = {},
                     std::chrono::milliseconds timeout = std::chrono::milliseconds(0));
  // Sends raw DATA bytes as the whole request body (for malformed-input tests).
  Result<Reply> CallRaw(std::string_view method, std::string body);

  struct HttpReply {
    int status = 0;
    std::string body;
    bool reset = false;  // the stream ended with RST_STREAM (ours or the server's)
  };
  // A plain (non-gRPC) HTTP/2 POST of `body` to `path` with extra `headers` (names
  // lower-case), for tests of HTTP routes. With `cancel_after_bytes`, the stream is
  // reset (CANCEL) once that many bytes are sent.
  Result<HttpReply> Post(std::string_view path, std::string body,
                         std::vector<std::pair<std::string, std::string>> headers = {},
                         size_t cancel_after_bytes = SIZE_MAX);

 private:
  struct Callbacks;
  struct Pending;
  GrpcClient(int fd);
  Status Pump(Pending& p);
  Result<Reply> Exchange(std::string_view method, std::string body,
                         std::vector<std::pair<std::string, std::string>> metadata);
  // Submits the request of `p` and pumps until its stream closes.
  Status Run(Pending& p, std::vector<std::pair<std::string, std::string>> headers);

  int fd_;
  nghttp2_session* h2_ = nullptr;
  Pending* current_ = nullptr;
};

}  // namespace etcdpp::net
