#include "net/tls_context.h"

#include <cerrno>
#include <cstring>
#include <fstream>

#include <boost/asio/ssl/context.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace etcdpp::net {
namespace {

std::string OpenSslError() {
  const unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return "unknown TLS error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

// Go's wording for an unreadable file, which etcd prints at start.
Status CheckReadable(const std::string& path) {
  std::ifstream f(path);
  if (!f) return InvalidArgument("open " + path + ": " + std::strerror(errno == 0 ? ENOENT : errno));
  return Status::Ok();
}

// Prefers h2, then http/1.1; a client offering neither gets no ALPN answer.
int SelectAlpn(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
               unsigned int inlen, void*) {
  static constexpr unsigned char kProtos[] = {2, 'h', '2', 8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected, outlen, kProtos, sizeof kProtos, in, inlen) !=
      OPENSSL_NPN_NEGOTIATED) {
    return SSL_TLSEXT_ERR_NOACK;
  }
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

}  // namespace

TlsContext::TlsContext(TlsConfig config, std::unique_ptr<boost::asio::ssl::context> context)
    : config_(std::move(config)), context_(std::move(context)) {}

TlsContext::~TlsContext() = default;

Result<std::shared_ptr<const TlsContext>> TlsContext::Create(const TlsConfig& config) {
  if (config.cert_file.empty() || config.key_file.empty()) {
    return InvalidArgument("TLS needs both a certificate file and a key file");
  }
  ETCDPP_RETURN_IF_ERROR(CheckReadable(config.cert_file));
  ETCDPP_RETURN_IF_ERROR(CheckReadable(config.key_file));
  if (!config.trusted_ca_file.empty()) ETCDPP_RETURN_IF_ERROR(CheckReadable(config.trusted_ca_file));

  SSL_CTX* raw = SSL_CTX_new(TLS_server_method());
  if (raw == nullptr) return Internal(OpenSslError());
  // The asio context owns `raw` from here on.
  auto ctx = std::make_unique<boost::asio::ssl::context>(raw);
  SSL_CTX_set_min_proto_version(raw, TLS1_2_VERSION);
  SSL_CTX_set_options(raw, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_mode(raw, SSL_MODE_RELEASE_BUFFERS);
  if (SSL_CTX_use_certificate_chain_file(raw, config.cert_file.c_str()) != 1) {
    return InvalidArgument("tls: failed to load certificate " + config.cert_file + ": " + OpenSslError());
  }
  if (SSL_CTX_use_PrivateKey_file(raw, config.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    if (ERR_GET_REASON(ERR_peek_error()) == X509_R_KEY_VALUES_MISMATCH) {
      ERR_clear_error();
      return InvalidArgument("tls: private key does not match public key");
    }
    return InvalidArgument("tls: failed to load key " + config.key_file + ": " + OpenSslError());
  }
  if (SSL_CTX_check_private_key(raw) != 1) {
    ERR_clear_error();
    return InvalidArgument("tls: private key does not match public key");
  }
  if (!config.trusted_ca_file.empty()) {
    if (SSL_CTX_load_verify_locations(raw, config.trusted_ca_file.c_str(), nullptr) != 1) {
      return InvalidArgument("tls: failed to load CA " + config.trusted_ca_file + ": " + OpenSslError());
    }
  }
  if (config.client_cert_auth) {
    SSL_CTX_set_verify(raw, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  }
  SSL_CTX_set_alpn_select_cb(raw, SelectAlpn, nullptr);
  return std::shared_ptr<const TlsContext>(new TlsContext(config, std::move(ctx)));
}

}  // namespace etcdpp::net
