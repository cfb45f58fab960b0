#include "embed/tls_setup.h"

#include "net/self_cert.h"
#include "net/tls_verify.h"
#include "peer/tls_dialer.h"

namespace etcdpp::embed {
namespace {

constexpr std::string_view kPkg = "embed";

std::vector<std::string> Hosts(const std::vector<Url>& urls) {
  std::vector<std::string> hosts;
  for (const auto& u : urls) hosts.push_back(u.host_port);
  return hosts;
}

// etcd's TLSInfo.String(), which its start-up log prints.
std::string Describe(const TlsInfo& t) {
  return "cert = " + t.cert_file + ", key = " + t.key_file + ", trusted-ca = " + t.trusted_ca_file +
         ", client-cert-auth = " + (t.client_cert_auth ? "true" : "false") + ", crl-file = " + t.crl_file;
}

// Fills in the auto-TLS certificate when asked for and no certificate is given.
Status ApplyAutoTls(bool auto_tls, const std::string& dir, const std::vector<Url>& listen, bool client_auth,
                    const char* what, TlsInfo* tls, Logger* log) {
  if (!auto_tls) return Status();
  if (!tls->Empty()) {
    if (log) log->Warn(kPkg, std::string("ignoring ") + what + " auto TLS since certs given");
    return Status();
  }
  ETCDPP_ASSIGN_OR_RETURN(net::SelfCertFiles files, net::SelfCert(dir, Hosts(listen), client_auth));
  tls->cert_file = files.cert_file;
  tls->key_file = files.key_file;
  return Status();
}

Result<std::shared_ptr<const net::TlsContext>> MakeContext(const TlsInfo& t, const std::string& ciphers,
                                                           const char* flag_prefix, Logger* log) {
  if (t.client_cert_auth && t.trusted_ca_file.empty()) {
    return InvalidArgument(std::string("--") + flag_prefix + "client-cert-auth requires --" + flag_prefix +
                           "trusted-ca-file: client certificates cannot be verified without a CA");
  }
  net::TlsConfig c;
  c.cert_file = t.cert_file;
  c.key_file = t.key_file;
  c.trusted_ca_file = t.trusted_ca_file;
  c.client_cert_auth = t.client_cert_auth;
  c.crl_file = t.crl_file;
  c.allowed_cn = t.allowed_cn;
  c.allowed_hostname = t.allowed_hostname;
  c.cipher_list = ciphers;
  c.on_rejected = [log](const std::string& remote, const std::string& error, const std::string& server_name) {
    if (log) {
      log->Info(kPkg, "rejected connection from \"" + remote + "\" (error \"" + error + "\", ServerName \"" +
                          server_name + "\")");
    }
  };
  return net::TlsContext::Create(c);
}

bool AnyScheme(const std::vector<Url>& urls, std::initializer_list<std::string_view> schemes) {
  for (const auto& u : urls) {
    for (auto s : schemes) {
      if (u.scheme == s) return true;
    }
  }
  return false;
}

}  // namespace

Result<TlsSetup> SetUpTls(const Config& config, Logger* log) {
  std::string ciphers;
  if (!config.cipher_suites.empty()) {
    std::string unknown;
    ciphers = net::OpenSslCipherList(config.cipher_suites, &unknown);
    if (ciphers.empty()) return InvalidArgument("unexpected TLS cipher suite \"" + unknown + "\"");
  }
  TlsInfo client = config.client_tls;
  TlsInfo peer_tls = config.peer_tls;
  const std::string fixtures = config.data_dir + "/fixtures";
  ETCDPP_RETURN_IF_ERROR(ApplyAutoTls(config.client_auto_tls, fixtures + "/client", config.listen_client_urls,
                                      false, "client", &client, log));
  ETCDPP_RETURN_IF_ERROR(ApplyAutoTls(config.peer_auto_tls, fixtures + "/peer", config.listen_peer_urls, true,
                                      "peer", &peer_tls, log));
  TlsSetup setup;
  if (!peer_tls.Empty()) {
    if (log) log->Info(kPkg, "peerTLS: " + Describe(peer_tls));
    if (AnyScheme(config.listen_peer_urls, {"https", "unixs"})) {
      ETCDPP_ASSIGN_OR_RETURN(setup.peer, MakeContext(peer_tls, ciphers, "peer-", log));
    }
    peer::PeerTlsConfig dial;
    dial.cert_file = peer_tls.cert_file;
    dial.key_file = peer_tls.key_file;
    dial.trusted_ca_file = peer_tls.trusted_ca_file;
    // A self-signed certificate proves nothing: encrypt, do not authenticate (etcd's rule).
    dial.insecure_skip_verify = config.peer_auto_tls && config.peer_tls.Empty();
    dial.cipher_list = ciphers;
    // DNS discovery without a custom CA: peers prove they serve the SRV domain (etcd sets
    // the peer ServerName so; only https peers, found from -ssl records, are checked).
    if (!config.discovery_srv.empty() && peer_tls.trusted_ca_file.empty()) dial.server_name = config.discovery_srv;
    ETCDPP_RETURN_IF_ERROR(peer::MakeTlsDialer(dial).status());  // a bad CA file fails now, not at the first dial
    setup.peer_dialer = [dial] { return std::move(peer::MakeTlsDialer(dial)).value(); };
  } else {
    setup.peer_dialer = [] { return peer::MakeTcpDialer(); };
  }
  if (!client.Empty() && AnyScheme(config.listen_client_urls, {"https", "unixs"})) {
    if (log) log->Info(kPkg, "ClientTLS: " + Describe(client));
    ETCDPP_ASSIGN_OR_RETURN(setup.client, MakeContext(client, ciphers, "", log));
  }
  return setup;
}

}  // namespace etcdpp::embed
