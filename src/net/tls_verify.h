// Certificate checks shared by the server (client certificates) and the peers' client
// side (server certificates), with Go's error wording, which etcd's logs show.
//
// A failed check makes OpenSSL send the "bad certificate" alert, as Go's TLS does for
// every verification failure (etcd's logs on the other side then read "remote error: tls:
// bad certificate"); the real reason is kept on the SSL object for our own log line.
#pragma once

#include <string>
#include <vector>

#include <openssl/ssl.h>

namespace etcdpp::net {

struct VerifyRules {
  std::string allowed_cn;        // leaf Common Name must equal this (empty: any)
  std::string allowed_hostname;  // leaf must be valid for this DNS name or IP (empty: any)
};

// Installs the verify callback; `rules` (may be null) must outlive the context.
void InstallVerifyCallback(SSL_CTX* ctx, int mode, const VerifyRules* rules);

// Go's words for why the handshake on `ssl` failed, from OpenSSL's error `value`
// (error_is_tls: an OpenSSL error code, else a socket error such as end of file).
std::string GoHandshakeError(SSL* ssl, int value, bool error_is_tls, bool server_side);

// Adds the CRLs in `path` (PEM) to the context's store and turns CRL checks on.
bool LoadCrl(SSL_CTX* ctx, const std::string& path);

// etcd's --cipher-suites names (Go's, IANA's) as an OpenSSL cipher list; empty on an
// unknown name, which *unknown gets.
std::string OpenSslCipherList(const std::vector<std::string>& go_names, std::string* unknown);

}  // namespace etcdpp::net
