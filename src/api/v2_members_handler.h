// /v2/members on the client port (etcd 3.4 with --enable-v2): GET lists the members
// (GET /v2/members/leader the leader), POST adds one, DELETE /v2/members/<id> removes
// and PUT /v2/members/<id> updates its peer URLs, through the server's reconfiguration;
// GET /v2/machines lists the client URLs.
// Handlers run on I/O threads and never block.
#pragma once

#include "net/router.h"
#include "server/etcd_server.h"

namespace etcdpp::api {

void RegisterV2MembersHandler(net::Router& router, server::EtcdServer* server);

// etcd's httptypes error body: {"message":"…"} (no trailing newline), application/json.
net::HttpResponse V2HttpError(int status, std::string_view message);

}  // namespace etcdpp::api
