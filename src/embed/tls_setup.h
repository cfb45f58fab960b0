// TLS of one member from its flags: the client and peer listeners' contexts (with
// auto-TLS certificates made or reused under <data-dir>/fixtures), the dialer the peer
// side uses, and etcd's start-up checks and log lines. Runs once at start, blocking.
#pragma once

#include <functional>
#include <memory>

#include "base/log.h"
#include "base/status.h"
#include "embed/config.h"
#include "net/tls_context.h"
#include "peer/peer_stream.h"

namespace etcdpp::embed {

struct TlsSetup {
  std::shared_ptr<const net::TlsContext> client;  // null: no TLS client listener
  std::shared_ptr<const net::TlsContext> peer;    // null: no TLS peer listener
  // A new dialer for each peer client (transport, joins, forwarding): TLS to https peer
  // URLs when peer TLS is configured, plain TCP otherwise.
  std::function<std::unique_ptr<peer::StreamDialer>()> peer_dialer;
};

Result<TlsSetup> SetUpTls(const Config& config, Logger* log);

}  // namespace etcdpp::embed
