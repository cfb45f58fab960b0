// PeerStream and StreamDialer: the client side's connection seam. The transport speaks
// HTTP/1.1 over a PeerStream and gets new ones from a StreamDialer, so TLS peer URLs
// (https) only need another dialer; nothing above this file knows what the bytes travel on.
//
// A PeerStream belongs to one coroutine on the transport's client thread. The dialer is
// shared by every peer of one transport and is called on that same thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/system/error_code.hpp>

#include "base/status.h"
#include "base/url.h"

namespace etcdpp::peer {

class PeerStream {
 public:
  virtual ~PeerStream() = default;
  // Every read and write started after this call must complete within `timeout` or fails
  // (and leaves the stream unusable), as etcd's ConnReadTimeout/ConnWriteTimeout do.
  virtual void ExpiresAfter(std::chrono::milliseconds timeout) = 0;
  virtual boost::asio::awaitable<size_t> ReadSome(boost::asio::mutable_buffer buffer,
                                                  boost::system::error_code& ec) = 0;
  // Writes all of `buffer` or fails.
  virtual boost::asio::awaitable<void> Write(boost::asio::const_buffer buffer,
                                             boost::system::error_code& ec) = 0;
  // Closes at once; pending operations complete with an error. Safe to call twice.
  virtual void Close() = 0;
};

class StreamDialer {
 public:
  virtual ~StreamDialer() = default;
  // Connects to the host and port of a peer URL within `timeout`.
  virtual boost::asio::awaitable<Result<std::unique_ptr<PeerStream>>> Dial(
      boost::asio::any_io_executor executor, const Url& url, std::chrono::milliseconds timeout) = 0;
};

// Plain TCP for http:// peer URLs; refuses https:// until a TLS dialer exists.
std::unique_ptr<StreamDialer> MakeTcpDialer();

}  // namespace etcdpp::peer
