// The client port's /health endpoint and the standard gRPC health service
// (grpc.health.v1.Health), as etcd 3.4 answers them.
//
// The member supplies the health predicate. It is asynchronous because etcd's check
// goes through raft: it is called on an I/O thread, must not block, and calls `done`
// exactly once from any thread. `excluded_alarms` holds the request's ?exclude= values.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "net/router.h"

namespace etcdpp::api {

using HealthCheck = std::function<void(std::vector<std::string> excluded_alarms,
                                       std::function<void(bool healthy)> done)>;

// GET /health: 200 {"health":"true"} or 503 {"health":"false"}\n; other methods 405.
void RegisterHealthHandler(net::Router& router, HealthCheck check);

// A check that is always healthy (tests, or before the member can tell).
HealthCheck AlwaysHealthy();

// grpc.health.v1.Health: Check answers SERVING for the server as a whole (service ""),
// NOT_FOUND "unknown service" for anything else; Watch sends the status once and stays
// open until the client leaves.
void RegisterGrpcHealthService(net::Router& router);

}  // namespace etcdpp::api
