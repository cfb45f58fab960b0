// The KV Range method: gRPC answers send their key-values as they are read from the
// backend (see RangeSender in range_method.cc); the gateway answers with whole JSON.
#pragma once

#include "net/router.h"
#include "server/etcd_server.h"

namespace etcdpp::api {

void RegisterRange(net::Router& router, server::EtcdServer* s);

}  // namespace etcdpp::api
