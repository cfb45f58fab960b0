#include "peer/peer_stream.h"

#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/tcp_stream.hpp>

namespace etcdpp::peer {
namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::ip::tcp;

namespace {

class TcpPeerStream final : public PeerStream {
 public:
  explicit TcpPeerStream(beast::tcp_stream stream) : stream_(std::move(stream)) {}
  ~TcpPeerStream() override { Close(); }

  void ExpiresAfter(std::chrono::milliseconds timeout) override { stream_.expires_after(timeout); }

  asio::awaitable<size_t> ReadSome(asio::mutable_buffer buffer, boost::system::error_code& ec) override {
    co_return co_await stream_.async_read_some(buffer, asio::redirect_error(asio::use_awaitable, ec));
  }

  asio::awaitable<void> Write(asio::const_buffer buffer, boost::system::error_code& ec) override {
    co_await asio::async_write(stream_, buffer, asio::redirect_error(asio::use_awaitable, ec));
  }

  void Close() override {
    boost::system::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

 private:
  beast::tcp_stream stream_;
};

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
    co_return std::unique_ptr<PeerStream>(std::make_unique<TcpPeerStream>(std::move(stream)));
  }
};

}  // namespace

std::unique_ptr<StreamDialer> MakeTcpDialer() { return std::make_unique<TcpDialer>(); }

}  // namespace etcdpp::peer
