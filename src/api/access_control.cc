#include "api/access_control.h"

#include <algorithm>

#include "base/log.h"
#include "base/url.h"

namespace etcdpp::api {
namespace {

bool Allowed(const std::vector<std::string>& set, std::string_view value) {
  if (set.empty()) return true;
  return std::find(set.begin(), set.end(), "*") != set.end() ||
         std::find(set.begin(), set.end(), value) != set.end();
}

std::string RebindingText(const std::string& host) {
  return "\netcd received your request, but the Host header was unrecognized.\n\n"
         "To fix this, choose one of the following options:\n"
         "- Enable TLS, then any HTTPS request will be allowed.\n"
         "- Add the hostname you want to use to the whitelist in settings.\n"
         "  - e.g. etcd --host-whitelist \"" + host + "\"\n\n"
         "This requirement has been added to help prevent \"DNS Rebinding\" attacks (CVE-2018-5702).\n";
}

}  // namespace

std::string HostnameOf(std::string_view host) {
  // Go's net.SplitHostPort; a value it refuses (no port, bare IPv6) is kept whole.
  auto split = SplitHostPort(host);
  return split.ok() ? split->first : std::string(host);
}

net::Router::HttpGuard AccessControl(std::vector<std::string> cors, std::vector<std::string> host_whitelist,
                                     Logger* log) {
  return [cors = std::move(cors), hosts = std::move(host_whitelist), log](const net::HttpRequest& request,
                                                                         net::HttpResponder& responder) {
    if (!request.tls) {
      std::string_view header = request.Header("host");
      if (header.empty()) header = request.Header(":authority");
      const std::string host = HostnameOf(header);
      if (!Allowed(hosts, host)) {
        if (log) {
          log->Log(LogLevel::kWarn, "embed",
                   "rejecting HTTP request from \"" + host + "\" to prevent DNS rebinding attacks",
                   "rejecting HTTP request to prevent DNS rebinding attacks", {LogField::Str("host", host)});
        }
        // Go's http.Error with status 421 (Misdirected Request).
        responder.Respond({421,
                           {{"content-type", "text/plain; charset=utf-8"}, {"x-content-type-options", "nosniff"}},
                           RebindingText(host) + "\n"});
        return false;
      }
    }
    std::string origin;
    if (Allowed(cors, "*")) {
      origin = "*";
    } else if (std::string_view o = request.Header("origin"); Allowed(cors, o)) {
      origin = std::string(o);
    }
    if (!origin.empty()) {
      // In the order Go writes them: sorted by name.
      responder.AddHeader("access-control-allow-headers", "accept, content-type, authorization");
      responder.AddHeader("access-control-allow-methods", "POST, GET, OPTIONS, PUT, DELETE");
      responder.AddHeader("access-control-allow-origin", origin);
    }
    if (request.method == "OPTIONS") {
      responder.Respond({200, {}, ""});
      return false;
    }
    return true;
  };
}

}  // namespace etcdpp::api
