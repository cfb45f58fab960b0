#include "peer/tls_dialer.h"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "net/tls_verify.h"
#include "peer/asio_peer_stream.h"
#include "peer/http_connection.h"

namespace etcdpp::peer {
namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::ip::tcp;

namespace {

class TlsDialer final : public StreamDialer {
 public:
  TlsDialer(PeerTlsConfig config, std::unique_ptr<asio::ssl::context> ctx)
      : config_(std::move(config)), ctx_(std::move(ctx)), plain_(MakeTcpDialer()) {}

  asio::awaitable<Result<std::unique_ptr<PeerStream>>> Dial(asio::any_io_executor executor, const Url& url,
                                                            std::chrono::milliseconds timeout) override {
    if (url.scheme == "http") co_return co_await plain_->Dial(executor, url, timeout);
    if (url.scheme != "https") co_return Unimplemented("peer URL scheme " + url.scheme + " is not supported");
    boost::system::error_code ec;
    tcp::resolver resolver(executor);
    const std::string port = url.port.empty() ? "443" : url.port;
    auto endpoints = co_await resolver.async_resolve(url.host, port, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return Unavailable("dial tcp " + url.host_port + ": " + ec.message());
    auto stream = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(executor, *ctx_);
    auto& tcp_layer = beast::get_lowest_layer(*stream);
    tcp_layer.expires_after(timeout);
    co_await tcp_layer.async_connect(endpoints, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return Unavailable("dial tcp " + url.host_port + ": " + ec.message());
    tcp_layer.socket().set_option(tcp::no_delay(true), ec);
    SSL* ssl = stream->native_handle();
    ETCDPP_CO_RETURN_IF_ERROR(Prepare(ssl, url.host));
    co_await stream->async_handshake(asio::ssl::stream_base::client, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      co_return Unavailable(net::GoHandshakeError(ssl, ec.value(), ec.category() == asio::error::get_ssl_category(),
                                                  /*server_side=*/false));
    }
    tcp_layer.expires_never();
    co_return std::unique_ptr<PeerStream>(
        std::make_unique<AsioPeerStream<beast::ssl_stream<beast::tcp_stream>>>(std::move(stream)));
  }

 private:
  // Our key pair (read now, so rotated files are used) and the name to check.
  Status Prepare(SSL* ssl, const std::string& host) {
    if (!config_.cert_file.empty()) {
      if (SSL_use_certificate_chain_file(ssl, config_.cert_file.c_str()) != 1 ||
          SSL_use_PrivateKey_file(ssl, config_.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
        ERR_clear_error();
        return InvalidArgument("tls: cannot load " + config_.cert_file + " / " + config_.key_file);
      }
    }
    if (config_.insecure_skip_verify) return Status();
    const std::string& name = config_.server_name.empty() ? host : config_.server_name;
    boost::system::error_code ec;
    asio::ip::make_address(name, ec);
    if (!ec) {
      X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name.c_str());
    } else {
      SSL_set_tlsext_host_name(ssl, name.c_str());
      SSL_set1_host(ssl, name.c_str());
    }
    return Status();
  }

  PeerTlsConfig config_;
  std::unique_ptr<asio::ssl::context> ctx_;
  std::unique_ptr<StreamDialer> plain_;
};

}  // namespace

Result<std::unique_ptr<StreamDialer>> MakeTlsDialer(PeerTlsConfig config) {
  SSL_CTX* raw = SSL_CTX_new(TLS_client_method());
  if (raw == nullptr) return Internal("tls: cannot create a client context");
  auto ctx = std::make_unique<asio::ssl::context>(raw);
  SSL_CTX_set_min_proto_version(raw, TLS1_2_VERSION);
  if (!config.cipher_list.empty() && SSL_CTX_set_cipher_list(raw, config.cipher_list.c_str()) != 1) {
    return InvalidArgument("tls: no usable cipher suite in " + config.cipher_list);
  }
  if (config.insecure_skip_verify) {
    SSL_CTX_set_verify(raw, SSL_VERIFY_NONE, nullptr);
  } else {
    if (!config.trusted_ca_file.empty()) {
      if (SSL_CTX_load_verify_locations(raw, config.trusted_ca_file.c_str(), nullptr) != 1) {
        ERR_clear_error();
        return InvalidArgument("tls: failed to load CA " + config.trusted_ca_file);
      }
    } else {
      SSL_CTX_set_default_verify_paths(raw);
    }
    net::InstallVerifyCallback(raw, SSL_VERIFY_PEER, nullptr);
  }
  return std::unique_ptr<StreamDialer>(std::make_unique<TlsDialer>(std::move(config), std::move(ctx)));
}

}  // namespace etcdpp::peer
