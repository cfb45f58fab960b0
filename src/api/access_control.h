// What etcd checks on every plain HTTP request of the client port before routing it
// (gRPC calls are not concerned): a Host header outside --host-whitelist is refused on
// non-TLS connections (DNS rebinding, CVE-2018-5702), allowed --cors origins get CORS
// headers, and an OPTIONS pre-flight is answered 200 with no body.
#pragma once

#include <string>
#include <vector>

#include "net/router.h"

namespace etcdpp {
class Logger;
}

namespace etcdpp::api {

// `cors` and `host_whitelist` as the configuration holds them ("*" allows all; empty
// too). `log` may be null.
net::Router::HttpGuard AccessControl(std::vector<std::string> cors, std::vector<std::string> host_whitelist,
                                     Logger* log);

// The host of a Host header value, without its port (as given when it has none).
std::string HostnameOf(std::string_view host_header);

}  // namespace etcdpp::api
