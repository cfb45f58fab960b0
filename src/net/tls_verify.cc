#include "net/tls_verify.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

namespace etcdpp::net {
namespace {

// Where the verify callback keeps the real reason of a refusal (in Go's words) on the
// SSL object, freed with it.
void FreeReason(void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) { delete static_cast<std::string*>(ptr); }
int ReasonIndex() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, FreeReason);
  return index;
}
int RulesIndex() {
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

constexpr long kCnMismatch = -1000;
constexpr long kHostnameMismatch = -1001;

std::string CommonName(X509* cert) {
  char buf[256] = {0};
  X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, buf, sizeof buf);
  return buf;
}

bool ValidFor(X509* cert, const std::string& host) {
  if (X509_check_ip_asc(cert, host.c_str(), 0) == 1) return true;
  return X509_check_host(cert, host.c_str(), host.size(), 0, nullptr) == 1;
}

std::string X509Reason(long reason, X509* leaf);

int Verify(int preverify_ok, X509_STORE_CTX* store) {
  SSL* ssl = static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  long reason = 0;
  if (!preverify_ok) {
    reason = X509_STORE_CTX_get_error(store);
  } else if (X509_STORE_CTX_get_error_depth(store) == 0 && ssl != nullptr) {
    auto* rules = static_cast<const VerifyRules*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), RulesIndex()));
    X509* leaf = X509_STORE_CTX_get_current_cert(store);
    if (rules && !rules->allowed_cn.empty() && CommonName(leaf) != rules->allowed_cn) reason = kCnMismatch;
    if (rules && !rules->allowed_hostname.empty() && !ValidFor(leaf, rules->allowed_hostname)) {
      reason = kHostnameMismatch;
    }
  }
  if (reason == 0) return 1;
  if (ssl != nullptr && SSL_get_ex_data(ssl, ReasonIndex()) == nullptr) {
    SSL_set_ex_data(ssl, ReasonIndex(), new std::string(X509Reason(reason, X509_STORE_CTX_get_current_cert(store))));
  }
  // Go answers every failed verification with "bad certificate"; this error maps to it.
  X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED);
  return 0;
}

std::string X509Reason(long reason, X509* leaf) {
  switch (reason) {
    case kCnMismatch:
      return "x509: certificate CommonName " + (leaf ? CommonName(leaf) : std::string()) + " is not allowed";
    case kHostnameMismatch:
      return "x509: certificate is not valid for the allowed hostname";
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
      return "x509: certificate signed by unknown authority";
    case X509_V_ERR_CERT_HAS_EXPIRED:
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return "x509: certificate has expired or is not yet valid";
    case X509_V_ERR_CERT_REVOKED:
      return "x509: certificate revoked";
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
      return "x509: certificate is not valid for the requested name";
    default:
      return std::string("x509: ") + X509_verify_cert_error_string(reason);
  }
}

// Go's names for TLS alerts.
std::string AlertName(int alert) {
  switch (alert) {
    case SSL_AD_BAD_CERTIFICATE: return "bad certificate";
    case SSL_AD_UNKNOWN_CA: return "unknown certificate authority";
    case SSL_AD_HANDSHAKE_FAILURE: return "handshake failure";
    case SSL_AD_CERTIFICATE_UNKNOWN: return "certificate unknown";
    case SSL_AD_CERTIFICATE_EXPIRED: return "expired certificate";
    case SSL_AD_CERTIFICATE_REVOKED: return "revoked certificate";
    case SSL_AD_PROTOCOL_VERSION: return "protocol version not supported";
    case SSL_AD_INTERNAL_ERROR: return "internal error";
    case SSL_AD_DECRYPT_ERROR: return "error decrypting message";
    case SSL_AD_CERTIFICATE_REQUIRED: return "certificate required";
    default: return "alert(" + std::to_string(alert) + ")";
  }
}

}  // namespace

void InstallVerifyCallback(SSL_CTX* ctx, int mode, const VerifyRules* rules) {
  SSL_CTX_set_ex_data(ctx, RulesIndex(), const_cast<VerifyRules*>(rules));
  SSL_CTX_set_verify(ctx, mode, Verify);
}

std::string GoHandshakeError(SSL* ssl, int value, bool error_is_tls, bool server_side) {
  if (!error_is_tls) return "EOF";
  const auto* reason = static_cast<const std::string*>(ssl ? SSL_get_ex_data(ssl, ReasonIndex()) : nullptr);
  if (reason != nullptr) {
    const std::string& why = *reason;
    return server_side ? "tls: failed to verify client's certificate: " + why : "tls: failed to verify certificate: " + why;
  }
  const int r = ERR_GET_REASON(static_cast<unsigned long>(value));
  if (r == SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE) return "tls: client didn't provide a certificate";
  if (r >= SSL_AD_REASON_OFFSET && r < SSL_AD_REASON_OFFSET + 256) {
    return "remote error: tls: " + AlertName(r - SSL_AD_REASON_OFFSET);
  }
  const char* text = ERR_reason_error_string(static_cast<unsigned long>(value));
  return std::string("tls: ") + (text ? text : "handshake failure");
}

bool LoadCrl(SSL_CTX* ctx, const std::string& path) {
  BIO* bio = BIO_new_file(path.c_str(), "r");
  if (bio == nullptr) return false;
  X509_STORE* store = SSL_CTX_get_cert_store(ctx);
  int loaded = 0;
  while (X509_CRL* crl = PEM_read_bio_X509_CRL(bio, nullptr, nullptr, nullptr)) {
    X509_STORE_add_crl(store, crl);
    X509_CRL_free(crl);
    ++loaded;
  }
  BIO_free(bio);
  ERR_clear_error();
  if (loaded == 0) return false;
  X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK);
  return true;
}

std::string OpenSslCipherList(const std::vector<std::string>& go_names, std::string* unknown) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_method());
  SSL_CTX_set_cipher_list(ctx, "ALL:COMPLEMENTOFALL");
  STACK_OF(SSL_CIPHER)* all = SSL_CTX_get_ciphers(ctx);
  std::string list;
  for (const std::string& go_name : go_names) {
    std::string name = go_name;
    // Go's short aliases for the ChaCha20 suites.
    if (name == "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305" || name == "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305") {
      name += "_SHA256";
    }
    const char* found = nullptr;
    for (int i = 0; i < sk_SSL_CIPHER_num(all); ++i) {
      const SSL_CIPHER* c = sk_SSL_CIPHER_value(all, i);
      const char* standard = SSL_CIPHER_standard_name(c);
      if (standard != nullptr && name == standard) found = SSL_CIPHER_get_name(c);
    }
    if (found == nullptr) {
      if (unknown) *unknown = go_name;
      SSL_CTX_free(ctx);
      return {};
    }
    list += (list.empty() ? "" : ":") + std::string(found);
  }
  SSL_CTX_free(ctx);
  return list;
}

}  // namespace etcdpp::net
