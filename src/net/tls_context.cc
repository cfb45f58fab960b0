#include "net/tls_context.h"

#include <sys/stat.h>

#include <cerrno>
#include <fstream>
#include <mutex>

#include <boost/asio/ssl/context.hpp>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "base/go_errors.h"
#include "net/tls_verify.h"

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
  if (!f) {
    return InvalidArgument("open " + path + ": " + GoErrnoText(errno == 0 ? ENOENT : errno));
  }
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

struct FileStamp {
  timespec mtime{};
  bool operator==(const FileStamp& o) const {
    return mtime.tv_sec == o.mtime.tv_sec && mtime.tv_nsec == o.mtime.tv_nsec;
  }
};

FileStamp Stamp(const std::string& path) {
  struct stat st {};
  FileStamp s;
  if (::stat(path.c_str(), &st) == 0) s.mtime = st.st_mtim;
  return s;
}

// One loaded key pair: the leaf, its chain and the private key.
struct CertSet {
  X509* cert = nullptr;
  STACK_OF(X509)* chain = nullptr;
  EVP_PKEY* key = nullptr;
  FileStamp cert_stamp, key_stamp;
  CertSet() = default;
  CertSet(const CertSet&) = delete;
  CertSet& operator=(const CertSet&) = delete;
  ~CertSet() {
    X509_free(cert);
    sk_X509_pop_free(chain, X509_free);
    EVP_PKEY_free(key);
  }
};

Result<std::shared_ptr<const CertSet>> LoadCertSet(const std::string& cert_file, const std::string& key_file) {
  auto set = std::make_shared<CertSet>();
  set->cert_stamp = Stamp(cert_file);
  set->key_stamp = Stamp(key_file);
  BIO* bio = BIO_new_file(cert_file.c_str(), "r");
  if (bio == nullptr) return InvalidArgument("open " + cert_file + ": " + OpenSslError());
  set->cert = PEM_read_bio_X509_AUX(bio, nullptr, nullptr, nullptr);
  set->chain = sk_X509_new_null();
  while (X509* extra = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) sk_X509_push(set->chain, extra);
  BIO_free(bio);
  ERR_clear_error();  // the chain loop ends on a "no start line" error
  if (set->cert == nullptr) return InvalidArgument("tls: failed to find any PEM data in certificate input");
  bio = BIO_new_file(key_file.c_str(), "r");
  if (bio == nullptr) return InvalidArgument("open " + key_file + ": " + OpenSslError());
  set->key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (set->key == nullptr) {
    ERR_clear_error();
    return InvalidArgument("tls: failed to find any PEM data in key input");
  }
  if (X509_check_private_key(set->cert, set->key) != 1) {
    ERR_clear_error();
    return InvalidArgument("tls: private key does not match public key");
  }
  return std::shared_ptr<const CertSet>(std::move(set));
}

}  // namespace

// The key pair handshakes use; reloads when the files change. Called on any I/O thread.
struct TlsContext::CertSource {
  std::string cert_file;
  std::string key_file;
  std::mutex mu;  // guards current
  std::shared_ptr<const CertSet> current;

  std::shared_ptr<const CertSet> Current() {
    std::lock_guard lock(mu);
    if (!(Stamp(cert_file) == current->cert_stamp) || !(Stamp(key_file) == current->key_stamp)) {
      auto fresh = LoadCertSet(cert_file, key_file);
      if (fresh.ok()) current = *fresh;  // else keep serving the last good pair
    }
    return current;
  }

  static int Install(SSL* ssl, void* arg) {
    auto set = static_cast<CertSource*>(arg)->Current();
    return SSL_use_cert_and_key(ssl, set->cert, set->key, set->chain, 1) == 1 ? 1 : 0;
  }
};

struct TlsContext::Rules : VerifyRules {};

TlsContext::TlsContext(TlsConfig config, std::unique_ptr<boost::asio::ssl::context> context,
                       std::unique_ptr<CertSource> certs, std::unique_ptr<Rules> rules)
    : config_(std::move(config)),
      rules_(std::move(rules)),
      certs_(std::move(certs)),
      context_(std::move(context)) {}

void TlsContext::ReportRejected(void* ssl, int error_value, bool error_is_tls, const std::string& remote) const {
  if (!config_.on_rejected) return;
  SSL* s = static_cast<SSL*>(ssl);
  const char* server_name = s ? SSL_get_servername(s, TLSEXT_NAMETYPE_host_name) : nullptr;
  config_.on_rejected(remote, GoHandshakeError(s, error_value, error_is_tls, /*server_side=*/true),
                      server_name ? server_name : "");
}

TlsContext::~TlsContext() = default;

Result<std::shared_ptr<const TlsContext>> TlsContext::Create(const TlsConfig& config) {
  if (config.cert_file.empty() || config.key_file.empty()) {
    return InvalidArgument("TLS needs both a certificate file and a key file");
  }
  ETCDPP_RETURN_IF_ERROR(CheckReadable(config.cert_file));
  ETCDPP_RETURN_IF_ERROR(CheckReadable(config.key_file));
  if (!config.trusted_ca_file.empty()) ETCDPP_RETURN_IF_ERROR(CheckReadable(config.trusted_ca_file));
  auto certs = std::make_unique<CertSource>();
  certs->cert_file = config.cert_file;
  certs->key_file = config.key_file;
  ETCDPP_ASSIGN_OR_RETURN(certs->current, LoadCertSet(config.cert_file, config.key_file));

  SSL_CTX* raw = SSL_CTX_new(TLS_server_method());
  if (raw == nullptr) return Internal(OpenSslError());
  // The asio context owns `raw` from here on.
  auto ctx = std::make_unique<boost::asio::ssl::context>(raw);
  SSL_CTX_set_min_proto_version(raw, TLS1_2_VERSION);
  SSL_CTX_set_options(raw, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_mode(raw, SSL_MODE_RELEASE_BUFFERS);
  if (!config.trusted_ca_file.empty()) {
    if (SSL_CTX_load_verify_locations(raw, config.trusted_ca_file.c_str(), nullptr) != 1) {
      return InvalidArgument("tls: failed to load CA " + config.trusted_ca_file + ": " + OpenSslError());
    }
  }
  if (!config.cipher_list.empty() && SSL_CTX_set_cipher_list(raw, config.cipher_list.c_str()) != 1) {
    return InvalidArgument("tls: no usable cipher suite in " + config.cipher_list);
  }
  if (!config.crl_file.empty()) {
    ETCDPP_RETURN_IF_ERROR(CheckReadable(config.crl_file));
    if (!LoadCrl(raw, config.crl_file)) return InvalidArgument("tls: no CRL found in " + config.crl_file);
  }
  auto rules = std::make_unique<Rules>();
  rules->allowed_cn = config.allowed_cn;
  rules->allowed_hostname = config.allowed_hostname;
  // Without client-cert-auth, a certificate a client offers anyway is still checked.
  InstallVerifyCallback(raw, config.client_cert_auth ? SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT
                                                     : SSL_VERIFY_NONE,
                        rules.get());
  SSL_CTX_set_alpn_select_cb(raw, SelectAlpn, nullptr);
  SSL_CTX_set_cert_cb(raw, CertSource::Install, certs.get());
  return std::shared_ptr<const TlsContext>(
      new TlsContext(config, std::move(ctx), std::move(certs), std::move(rules)));
}

}  // namespace etcdpp::net
