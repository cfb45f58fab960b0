// Maintenance.Snapshot on the client port, as etcd 3.4 serves it: the backend as a bbolt
// file in 32 KiB messages {remaining_bytes, blob}, then one message whose blob is the
// SHA-256 of everything sent (remaining_bytes 0), which etcdctl checks and keeps at the
// end of the saved file. Also the gateway stream POST /v3/maintenance/snapshot
// (newline-separated {"result":{...}} objects).
//
// Threads: the file is written and read on a server background thread, never on an I/O
// thread; sending waits while the stream's send queue is over its bound.
#pragma once

#include "base/log.h"
#include "net/router.h"
#include "server/etcd_server.h"

namespace etcdpp::api {

void RegisterSnapshotService(net::Router& router, server::EtcdServer* server, Logger* logger);

}  // namespace etcdpp::api
