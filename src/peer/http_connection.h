// HttpConnection: the client side of one HTTP/1.1 connection to a peer (Beast's parser
// over a PeerStream). One exchange at a time: write a request, read the response head,
// then the body either whole (pipeline, snapshot and error answers) or piece by piece
// (the long-lived stream bodies). Keep-alive connections are reused after Reset().
//
// Owned by one coroutine on the transport's client thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "base/status.h"
#include "base/url.h"
#include "peer/peer_stream.h"

// ETCDPP_RETURN_IF_ERROR for coroutines, which must co_return.
#define ETCDPP_CO_RETURN_IF_ERROR(expr)                 \
  do {                                                  \
    ::etcdpp::Status etcdpp_co_status_ = (expr);        \
    if (!etcdpp_co_status_.ok()) co_return etcdpp_co_status_; \
  } while (0)

namespace etcdpp::peer {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// "GET /raft/stream/message/1 HTTP/1.1\r\nHost: ...\r\n...\r\n\r\n"; a Content-Length is
// written when `content_length` is set.
std::string EncodeRequestHead(std::string_view method, const Url& url, std::string_view path,
                              const HeaderList& headers, std::optional<uint64_t> content_length);

class HttpConnection {
 public:
  explicit HttpConnection(std::unique_ptr<PeerStream> stream);
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  boost::asio::awaitable<Status> Write(std::string_view bytes, std::chrono::milliseconds timeout);
  // Reads until the response head is complete (each read within `timeout`).
  boost::asio::awaitable<Status> ReadHead(std::chrono::milliseconds timeout);
  int status() const;
  // The first value of a response header (name lower-case), or empty.
  std::string_view Header(std::string_view name) const;
  // Appends the body bytes that arrive next to `out` (waiting up to `timeout` for them);
  // false once the body is complete.
  boost::asio::awaitable<Result<bool>> ReadBody(std::string* out, std::chrono::milliseconds timeout);
  // The rest of the body, refusing more than `limit` bytes.
  boost::asio::awaitable<Result<std::string>> ReadWholeBody(size_t limit, std::chrono::milliseconds timeout);
  // Whether the connection may carry another exchange (after the body was read whole).
  bool reusable() const;
  // Prepares the next exchange on a reusable connection.
  void Reset();
  void Close();

 private:
  class Parser;
  boost::asio::awaitable<Status> ReadMore(std::chrono::milliseconds timeout);

  std::unique_ptr<PeerStream> stream_;
  std::unique_ptr<Parser> parser_;
  std::string in_;  // bytes read and not yet parsed
  bool broken_ = false;
};

}  // namespace etcdpp::peer
