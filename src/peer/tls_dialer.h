// The peers' client side over TLS (--peer-cert-file, --peer-key-file,
// --peer-trusted-ca-file, --peer-auto-tls): dials https:// peer URLs with our certificate
// and checks the peer's against the trusted CA and the URL's host, as etcd's peer
// transport does; http:// URLs are dialed plainly. The certificate and key are read at
// every dial, so replaced files are used from the next connection on.
#pragma once

#include <memory>
#include <string>

#include "base/status.h"
#include "peer/peer_stream.h"

namespace etcdpp::peer {

struct PeerTlsConfig {
  std::string cert_file;
  std::string key_file;
  std::string trusted_ca_file;  // empty: the system's roots
  bool insecure_skip_verify = false;  // auto-TLS: encrypted, not authenticated
  std::string cipher_list;            // OpenSSL names; empty: the default
  // The name a peer's certificate must carry instead of the URL's host (etcd's ServerName:
  // the SRV domain when DNS discovery runs without a custom CA); also sent as SNI.
  std::string server_name;
};

Result<std::unique_ptr<StreamDialer>> MakeTlsDialer(PeerTlsConfig config);

}  // namespace etcdpp::peer
