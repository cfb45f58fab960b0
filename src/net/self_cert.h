// Auto-TLS (--auto-tls, --peer-auto-tls): a self-signed certificate for the member's own
// listen hosts, as etcd makes it — ECDSA P-521, organisation "etcd", valid one year,
// server (and for peers also client) authentication, the hosts as IP or DNS SANs — in
// <dir>/cert.pem and <dir>/key.pem (0600). Files already there are reused, so a restart
// keeps its certificate.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"

namespace etcdpp::net {

struct SelfCertFiles {
  std::string cert_file;
  std::string key_file;
};

// `hosts`: "host:port" or "host" each. Blocking (key generation, file writes).
Result<SelfCertFiles> SelfCert(const std::string& dir, const std::vector<std::string>& hosts, bool client_auth);

}  // namespace etcdpp::net
