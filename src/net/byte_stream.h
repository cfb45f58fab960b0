// ByteStream: a connected byte stream (TCP or unix socket, plain or TLS) behind one
// interface, so HTTP sessions are written once. Used on its connection's I/O thread
// only; internal to net.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/system/error_code.hpp>

namespace etcdpp::net {

class ByteStream {
 public:
  virtual ~ByteStream() = default;
  virtual boost::asio::awaitable<size_t> ReadSome(boost::asio::mutable_buffer buffer,
                                                  boost::system::error_code& ec) = 0;
  // Writes all of `buffer` (or fails).
  virtual boost::asio::awaitable<void> Write(boost::asio::const_buffer buffer,
                                             boost::system::error_code& ec) = 0;
  // Closes the socket at once; pending operations complete with an error.
  virtual void Close() = 0;
};

}  // namespace etcdpp::net
