// AsioPeerStream: a PeerStream over a Beast stream — beast::tcp_stream for http peers,
// beast::ssl_stream<beast::tcp_stream> for https ones; timeouts and closing act on the
// TCP layer underneath either.
#pragma once

#include <memory>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include "peer/peer_stream.h"

namespace etcdpp::peer {

template <typename Stream>
class AsioPeerStream final : public PeerStream {
 public:
  explicit AsioPeerStream(std::unique_ptr<Stream> stream) : stream_(std::move(stream)) {}
  ~AsioPeerStream() override { Close(); }

  void ExpiresAfter(std::chrono::milliseconds timeout) override {
    boost::beast::get_lowest_layer(*stream_).expires_after(timeout);
  }
  boost::asio::awaitable<size_t> ReadSome(boost::asio::mutable_buffer buffer, boost::system::error_code& ec) override {
    co_return co_await stream_->async_read_some(buffer, boost::asio::redirect_error(boost::asio::use_awaitable, ec));
  }
  boost::asio::awaitable<void> Write(boost::asio::const_buffer buffer, boost::system::error_code& ec) override {
    co_await boost::asio::async_write(*stream_, buffer, boost::asio::redirect_error(boost::asio::use_awaitable, ec));
  }
  void Close() override {
    auto& tcp = boost::beast::get_lowest_layer(*stream_);
    boost::system::error_code ignored;
    tcp.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
    tcp.close();
  }

 private:
  std::unique_ptr<Stream> stream_;
};

}  // namespace etcdpp::peer
