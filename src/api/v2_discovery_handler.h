// GET /new?size=N: a discovery service of our own, answered as discovery.etcd.io does,
// so a new cluster can bootstrap with --discovery and no outside service. It creates
// the v2 key discovery/<token>/_config/size = N (N defaults to 3) through raft and
// answers with the discovery URL on this member, "<advertised client URL>/v2/keys/
// discovery/<token>", as a text body without a trailing newline. Needs --enable-v2.
#pragma once

#include <string>

#include "net/router.h"
#include "server/etcd_server.h"

namespace etcdpp::api {

void RegisterV2DiscoveryHandler(net::Router& router, server::EtcdServer* server, std::string advertised_client_url);

// 32 random hex digits, as discovery.etcd.io's tokens.
std::string NewDiscoveryToken();

}  // namespace etcdpp::api
