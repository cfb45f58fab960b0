// /v2/stats/self, /v2/stats/leader and /v2/stats/store on the client port (etcd 3.4
// with --enable-v2). GET only; bodies are etcd's stats JSON without a trailing newline.
#pragma once

#include "net/router.h"
#include "server/etcd_server.h"

namespace etcdpp::api {

void RegisterV2StatsHandler(net::Router& router, server::EtcdServer* server);

}  // namespace etcdpp::api
