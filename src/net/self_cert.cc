#include "net/self_cert.h"

#include <sys/stat.h>

#include <cstdio>
#include <functional>
#include <filesystem>
#include <memory>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "base/url.h"

namespace etcdpp::net {
namespace {

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using CertPtr = std::unique_ptr<X509, Deleter<X509, X509_free>>;

bool AddExtension(X509* cert, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (ext == nullptr) return false;
  const bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

std::string SubjectAltNames(const std::vector<std::string>& hosts) {
  std::string sans;
  for (const auto& h : hosts) {
    std::string host = h;
    if (auto split = SplitHostPort(h); split.ok()) host = split->first;
    if (host.empty()) continue;
    const bool ip = host.find_first_not_of("0123456789.") == std::string::npos || host.find(':') != std::string::npos;
    sans += (sans.empty() ? "" : ",") + std::string(ip ? "IP:" : "DNS:") + host;
  }
  return sans;
}

Status WritePem(const std::string& path, mode_t mode, const std::function<int(FILE*)>& write) {
  FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) return IoError("cannot create " + path);
  ::chmod(path.c_str(), mode);
  const int ok = write(f);
  std::fclose(f);
  return ok == 1 ? Status() : IoError("cannot write " + path);
}

}  // namespace

Result<SelfCertFiles> SelfCert(const std::string& dir, const std::vector<std::string>& hosts, bool client_auth) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return IoError("cannot create cert directory " + dir + ": " + ec.message());
  ::chmod(dir.c_str(), 0700);
  SelfCertFiles files{dir + "/cert.pem", dir + "/key.pem"};
  if (std::filesystem::exists(files.cert_file) && std::filesystem::exists(files.key_file)) return files;

  KeyPtr key(EVP_EC_gen("P-521"));
  if (!key) return Internal("cannot generate ECDSA key");
  CertPtr cert(X509_new());
  X509_set_version(cert.get(), 2);
  unsigned char serial[16];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 365L * 24 * 3600);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("etcd"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  X509_set_pubkey(cert.get(), key.get());
  bool ok = AddExtension(cert.get(), NID_basic_constraints, "critical,CA:FALSE") &&
            AddExtension(cert.get(), NID_key_usage, "critical,digitalSignature,keyEncipherment") &&
            AddExtension(cert.get(), NID_ext_key_usage, client_auth ? "serverAuth,clientAuth" : "serverAuth");
  const std::string sans = SubjectAltNames(hosts);
  if (ok && !sans.empty()) ok = AddExtension(cert.get(), NID_subject_alt_name, sans);
  if (!ok || X509_sign(cert.get(), key.get(), EVP_sha512()) == 0) {
    ERR_clear_error();
    return Internal("cannot generate x509 certificate");
  }
  ETCDPP_RETURN_IF_ERROR(WritePem(files.key_file, 0600, [&](FILE* f) {
    return PEM_write_PrivateKey(f, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  }));
  ETCDPP_RETURN_IF_ERROR(WritePem(files.cert_file, 0644, [&](FILE* f) { return PEM_write_X509(f, cert.get()); }));
  return files;
}

}  // namespace etcdpp::net
