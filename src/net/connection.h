// Serving one accepted socket: TLS handshake when the listener asks for it, protocol
// detection, then an HTTP/1.1 or HTTP/2 session. Runs on the socket's I/O thread.
// Internal to net.
#pragma once

#include <memory>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>

#include "net/session.h"
#include "net/tls_context.h"

namespace etcdpp::net {

struct ConnectionSetup {
  SessionEnv env;
  std::shared_ptr<const TlsContext> tls;  // set when the listener accepts TLS
  bool plaintext = true;                  // the listener accepts plaintext
};

boost::asio::awaitable<void> ServeConnection(boost::asio::ip::tcp::socket socket, ConnectionSetup setup);
boost::asio::awaitable<void> ServeConnection(boost::asio::local::stream_protocol::socket socket,
                                             ConnectionSetup setup);

}  // namespace etcdpp::net
