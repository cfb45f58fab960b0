// The client port's /version endpoint: etcd's version JSON for GET, 405 otherwise.
// Registered once on a net::Router; the handler runs on I/O threads, so
// `cluster_version` must be cheap and thread-safe (it reads the member's current
// cluster version, "not_decided" before one is known).
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "net/router.h"

namespace etcdpp::api {

inline constexpr std::string_view kServerVersion = "3.4.23";

// {"etcdserver":"<server>","etcdcluster":"<cluster>"}, byte for byte as etcd writes it.
std::string VersionJson(std::string_view server_version, std::string_view cluster_version);

void RegisterVersionHandler(net::Router& router, std::function<std::string()> cluster_version);

// Go net/http's 405 answer with an Allow header, shared by GET-only endpoints.
net::HttpResponse MethodNotAllowed(std::string_view allow);

}  // namespace etcdpp::api
