#include "peer/peer_stream.h"

#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include "peer/asio_peer_stream.h"

namespace etcdpp::peer {
namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::ip::tcp;

namespace {

class TcpDialer final : public StreamDialer {
 public:
  asio::awaitable<Result<std::unique_ptr<PeerStream>>> Dial(asio::any_io_executor executor, const Url& url,
                                                            std::chrono::milliseconds timeout) override {
    if (url.scheme != "http") {
      co_return Unimplemented("peer URL scheme " + url.scheme + " is not supported by this dialer");
    }
    boost::system::error_code ec;
    tcp::resolver resolver(executor);
    const std::string port = url.port.empty() ? "80" : url.port;
    auto endpoints = co_await resolver.async_resolve(url.host, port, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return Unavailable("dial tcp " + url.host_port + ": " + ec.message());
    beast::tcp_stream stream(executor);
    stream.expires_after(timeout);
    co_await stream.async_connect(endpoints, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return Unavailable("dial tcp " + url.host_port + ": " + ec.message());
    stream.socket().set_option(tcp::no_delay(true), ec);
    stream.expires_never();
    co_return std::unique_ptr<PeerStream>(
        std::make_unique<AsioPeerStream<beast::tcp_stream>>(std::make_unique<beast::tcp_stream>(std::move(stream))));
  }
};

}  // namespace

std::unique_ptr<StreamDialer> MakeTcpDialer() { return std::make_unique<TcpDialer>(); }

}  // namespace etcdpp::peer
