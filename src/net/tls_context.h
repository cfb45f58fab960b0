// TlsContext: the server side of TLS for one set of listeners, built from etcd's
// certificate flags (--cert-file, --key-file, --trusted-ca-file, --client-cert-auth).
// TLS 1.2 is the minimum; ALPN offers "h2" and "http/1.1" so gRPC and HTTP/1.1 share a
// TLS port. Immutable once built and shared by the listeners that use it (any thread).
//
// Like etcd, which reads its key pair for every handshake, certificates are picked per
// handshake: when the cert or key file has changed on disk (mtime), the next handshake
// loads the new pair; a pair that fails to load is ignored and the last good one kept.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "base/status.h"

namespace boost::asio::ssl {
class context;
}

namespace etcdpp::net {

struct TlsConfig {
  std::string cert_file;
  std::string key_file;
  std::string trusted_ca_file;
  bool client_cert_auth = false;
  std::string crl_file;          // client certificates it lists are refused
  std::string allowed_cn;        // the client certificate's Common Name must be this
  std::string allowed_hostname;  // the client certificate must be valid for this name or IP
  std::string cipher_list;       // OpenSSL's names for the TLS 1.2 suites; empty: the default
  // A handshake failed: the client's address, the reason in Go's words ("remote error:
  // tls: bad certificate"), and the server name it asked for. Any I/O thread.
  std::function<void(const std::string& remote, const std::string& error, const std::string& server_name)>
      on_rejected;

  bool empty() const { return cert_file.empty() && key_file.empty(); }
};

class TlsContext {
 public:
  // Fails for missing or unreadable files and for a key that does not match the cert.
  static Result<std::shared_ptr<const TlsContext>> Create(const TlsConfig& config);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  const TlsConfig& config() const { return config_; }
  // After a failed handshake on `ssl` (an SSL*): tells config().on_rejected why.
  void ReportRejected(void* ssl, int error_value, bool error_is_tls, const std::string& remote) const;
  // For net's own sessions; the asio context is thread-safe for creating streams.
  boost::asio::ssl::context& asio_context() const { return *context_; }

 private:
  struct CertSource;
  struct Rules;
  TlsContext(TlsConfig config, std::unique_ptr<boost::asio::ssl::context> context,
             std::unique_ptr<CertSource> certs, std::unique_ptr<Rules> rules);
  TlsConfig config_;
  std::unique_ptr<Rules> rules_;  // before context_: its verify callback reads them
  std::unique_ptr<CertSource> certs_;  // before context_: the context's callback uses it
  std::unique_ptr<boost::asio::ssl::context> context_;
};

}  // namespace etcdpp::net
