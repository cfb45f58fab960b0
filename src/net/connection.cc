#include "net/connection.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "net/byte_stream.h"
#include "net/http1_session.h"
#include "net/http2_session.h"
#include "net/sniff.h"

namespace etcdpp::net {
namespace asio = boost::asio;
using asio::redirect_error;
using asio::use_awaitable;

namespace {

constexpr size_t kSniffReadBytes = 4096;

template <typename S>
class AsioStream final : public ByteStream {
 public:
  template <typename... A>
  explicit AsioStream(A&&... args) : s_(std::forward<A>(args)...) {}

  S& get() { return s_; }
  asio::awaitable<size_t> ReadSome(asio::mutable_buffer b, boost::system::error_code& ec) override {
    co_return co_await s_.async_read_some(b, redirect_error(use_awaitable, ec));
  }
  asio::awaitable<void> Write(asio::const_buffer b, boost::system::error_code& ec) override {
    co_await asio::async_write(s_, b, redirect_error(use_awaitable, ec));
  }
  void Close() override {
    boost::system::error_code ec;
    s_.lowest_layer().close(ec);
  }

 private:
  S s_;
};

// Reads until the first bytes tell HTTP/2 from HTTP/1.1, then runs the session.
asio::awaitable<void> Detect(std::unique_ptr<ByteStream> stream, SessionEnv env, std::string initial) {
  // Heap scratch, so a long-lived coroutine frame does not keep it.
  std::unique_ptr<char[]> buf;
  while (SniffProtocol(initial) == Protocol::kNeedMore) {
    if (!buf) buf.reset(new char[kSniffReadBytes]);
    boost::system::error_code ec;
    const size_t n = co_await stream->ReadSome(asio::buffer(buf.get(), kSniffReadBytes), ec);
    if (ec) co_return;
    initial.append(buf.get(), n);
  }
  buf.reset();
  auto ex = co_await asio::this_coro::executor;
  if (SniffProtocol(initial) == Protocol::kHttp2) {
    auto session = std::make_shared<Http2Session>(std::move(stream), std::move(env), ex);
    co_await session->Run(std::move(initial));
  } else {
    auto session = std::make_shared<Http1Session>(std::move(stream), std::move(env), ex);
    co_await session->Run(std::move(initial));
  }
}

std::string VerifiedCommonName(SSL* ssl) {
  X509* cert = SSL_get0_peer_certificate(ssl);
  if (cert == nullptr || SSL_get_verify_result(ssl) != X509_V_OK) return {};
  char cn[256] = {0};
  X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn);
  return cn;
}

std::string PeerName(asio::ip::tcp::socket& s) {
  boost::system::error_code ec;
  auto ep = s.remote_endpoint(ec);
  if (ec) return {};
  return ep.address().is_v6() ? "[" + ep.address().to_string() + "]:" + std::to_string(ep.port())
                              : ep.address().to_string() + ":" + std::to_string(ep.port());
}

std::string PeerName(asio::local::stream_protocol::socket& s) {
  boost::system::error_code ec;
  auto ep = s.local_endpoint(ec);
  return ec ? std::string() : ep.path();
}

template <typename Socket>
asio::awaitable<void> Serve(Socket socket, ConnectionSetup setup) {
  setup.env.peer = PeerName(socket);
  std::string initial;
  bool use_tls = setup.tls != nullptr && !setup.plaintext;
  if (setup.tls != nullptr && setup.plaintext) {
    // One address serving both http and https: a TLS handshake record starts with 0x16.
    initial.resize(kSniffReadBytes);
    boost::system::error_code ec;
    const size_t n = co_await socket.async_read_some(asio::buffer(initial), redirect_error(use_awaitable, ec));
    if (ec) co_return;
    initial.resize(n);
    use_tls = SniffProtocol(initial, /*allow_tls=*/true) == Protocol::kTls;
  }
  if (!use_tls) {
    co_await Detect(std::make_unique<AsioStream<Socket>>(std::move(socket)), std::move(setup.env),
                    std::move(initial));
    co_return;
  }
  auto tls = std::make_unique<AsioStream<asio::ssl::stream<Socket>>>(std::move(socket), setup.tls->asio_context());
  boost::system::error_code ec;
  co_await tls->get().async_handshake(asio::ssl::stream_base::server, asio::buffer(initial),
                                      redirect_error(use_awaitable, ec));
  if (ec) {
    setup.tls->ReportRejected(tls->get().native_handle(), ec.value(),
                              ec.category() == asio::error::get_ssl_category(), setup.env.peer);
    co_return;
  }
  setup.env.tls = true;
  setup.env.peer_cert_cn = VerifiedCommonName(tls->get().native_handle());
  co_await Detect(std::move(tls), std::move(setup.env), std::string());
}

}  // namespace

asio::awaitable<void> ServeConnection(asio::ip::tcp::socket socket, ConnectionSetup setup) {
  boost::system::error_code ec;
  socket.set_option(asio::ip::tcp::no_delay(true), ec);
  co_await Serve(std::move(socket), std::move(setup));
}

asio::awaitable<void> ServeConnection(asio::local::stream_protocol::socket socket, ConnectionSetup setup) {
  co_await Serve(std::move(socket), std::move(setup));
}

}  // namespace etcdpp::net
