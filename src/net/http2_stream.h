// Http2Session::Stream: the per-stream state of an HTTP/2 server session (request
// headers, gRPC message reader, response queue). I/O thread only; internal to net.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/steady_timer.hpp>

#include "net/grpc_call_state.h"
#include "net/grpc_framing.h"
#include "net/http2_session.h"
#include "net/http_types.h"
#include "net/http_upload.h"

namespace etcdpp::net {

struct Http2Session::Stream {
  explicit Stream(int32_t stream_id) : id(stream_id) {}

  const int32_t id;
  std::vector<std::pair<std::string, std::string>> headers;
  size_t header_bytes = 0;
  std::string method;  // :method
  std::string path;    // :path
  bool is_grpc = false;
  bool dispatched = false;
  bool remote_closed = false;
  bool response_submitted = false;
  bool deferred = false;  // the data provider is waiting for producer output

  // gRPC
  std::shared_ptr<GrpcCall> call;
  std::optional<GrpcMessageReader> reader;
  const UnaryHandler* unary = nullptr;
  std::optional<std::string> unary_request;
  bool unary_extra = false;  // more than one request message arrived
  std::unique_ptr<boost::asio::steady_timer> deadline;

  // Plain HTTP
  std::string body;
  bool body_too_large = false;
  // A path with an upload handler: DATA goes to `upload` (null once it has ended, or
  // when the handler answered at once) instead of `body`.
  bool is_upload = false;
  std::unique_ptr<HttpUpload> upload;

  // The response, for both kinds (the call itself for gRPC).
  std::shared_ptr<OutputQueue> out;
};

}  // namespace etcdpp::net
