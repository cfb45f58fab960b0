#include "gateway/endpoints.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "base/go_errors.h"
#include "base/url.h"

namespace etcdpp::gateway {
namespace {

constexpr char kPkg[] = "etcdmain";

// etcd strips a URL's scheme: the proxy forwards bytes, not requests.
std::string StripScheme(const std::string& endpoint) {
  auto url = Url::Parse(endpoint);
  return url.ok() && !url->host_port.empty() ? url->host_port : endpoint;
}

// Go's fmt.Sscanf("%d"): the leading digits, 0 when there are none.
uint16_t LeadingPort(const std::string& text) {
  uint32_t port = 0;
  for (char c : text) {
    if (c < '0' || c > '9') break;
    port = std::min<uint32_t>(port * 10 + static_cast<uint32_t>(c - '0'), UINT32_MAX / 16);
  }
  return static_cast<uint16_t>(port);
}

struct Discovered {
  std::vector<std::string> endpoints;  // scheme://host:port
  std::vector<Remote> remotes;         // the same, with their SRV priority and weight
};

Result<Discovered> DiscoverSrv(const GatewayFlags& f, const GatewaySystem& sys, Logger* log) {
  Discovered found;
  std::vector<std::string> errors;
  for (const char* scheme : {"https", "http"}) {
    const std::string service = bootstrap::SrvServiceName("etcd-client", f.discovery_srv_name, scheme);
    auto records = sys.srv(service, f.discovery_srv);
    if (!records.ok()) {
      errors.push_back(records.status().message());
      continue;
    }
    for (const bootstrap::SrvRecord& r : *records) {
      found.endpoints.push_back(std::string(scheme) + "://" + Remote{r.target, r.port}.Address());
      found.remotes.push_back(Remote{r.target, r.port, r.priority, r.weight});
    }
  }
  if (errors.size() == 2) return Unavailable("dns lookup errors: " + errors[0] + " and " + errors[1] + "\n");
  if (log) {
    log->Info(kPkg, "discovered cluster from SRV",
              {LogField::Str("srv-server", f.discovery_srv), LogField::Strs("endpoints", found.endpoints)});
  }
  if (f.insecure_discovery) return found;
  if (log) {
    log->Info(kPkg, "validating discovered SRV endpoints",
              {LogField::Str("srv-server", f.discovery_srv), LogField::Strs("endpoints", found.endpoints)});
  }
  // etcd keeps the https endpoints that answer a TCP dial (no TLS handshake).
  Discovered valid;
  std::string failures;
  for (size_t i = 0; i < found.endpoints.size(); ++i) {
    const std::string& ep = found.endpoints[i];
    std::string why;
    if (!ep.starts_with("https://")) {
      why = "\"" + ep + "\" is insecure";
    } else if (Status s = sys.dial(ep.substr(8)); !s.ok()) {
      why = "\"" + ep + "\" failed to dial (" + s.message() + ")";
    }
    if (!why.empty()) {
      failures += (failures.empty() ? "" : ",") + why;
      continue;
    }
    valid.endpoints.push_back(ep);
    valid.remotes.push_back(found.remotes[i]);
  }
  if (log && !failures.empty()) {
    log->Warn(kPkg, "failed to validate discovered endpoints",
              {LogField::Str("srv-server", f.discovery_srv), LogField::Strs("endpoints", valid.endpoints),
               LogField::Str("error", failures)});
  } else if (log) {
    log->Info(kPkg, "using validated discovered SRV endpoints",
              {LogField::Str("srv-server", f.discovery_srv), LogField::Strs("endpoints", valid.endpoints)});
  }
  return valid;
}

Result<std::vector<std::string>> LookupHostReal(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  const int rc = host.empty() ? EAI_NONAME : ::getaddrinfo(host.c_str(), nullptr, &hints, &res);
  if (rc != 0) return NotFound("lookup " + host + ": " + ::gai_strerror(rc));
  std::vector<std::string> out;
  for (addrinfo* a = res; a != nullptr; a = a->ai_next) {
    char buf[INET6_ADDRSTRLEN] = {};
    const void* at = a->ai_family == AF_INET6 ? static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(a->ai_addr)->sin6_addr)
                                              : static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(a->ai_addr)->sin_addr);
    if (::inet_ntop(a->ai_family, at, buf, sizeof buf) != nullptr &&
        std::find(out.begin(), out.end(), buf) == out.end()) {
      out.emplace_back(buf);
    }
  }
  ::freeaddrinfo(res);
  return out;
}

Status DialReal(const std::string& host_port) {
  ETCDPP_ASSIGN_OR_RETURN(auto hp, SplitHostPort(host_port));
  const auto& [host, port] = hp;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &res); rc != 0) {
    return NotFound("dial tcp: lookup " + host + ": " + ::gai_strerror(rc));
  }
  Status st = Unavailable("dial tcp " + host_port + ": no address");
  for (addrinfo* a = res; a != nullptr; a = a->ai_next) {
    int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) continue;
    int err = ::connect(fd, a->ai_addr, a->ai_addrlen) == 0 ? 0 : errno;
    if (err == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      socklen_t len = sizeof err;
      err = ::poll(&p, 1, 5000) == 1 && ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 ? err : ETIMEDOUT;
    }
    ::close(fd);
    if (err == 0) {
      st = Status::Ok();
      break;
    }
    st = Unavailable("dial tcp " + host_port + ": connect: " + GoErrnoText(err));
  }
  ::freeaddrinfo(res);
  return st;
}

}  // namespace

GatewaySystem RealGatewaySystem() { return {bootstrap::LookupSrv, LookupHostReal, DialReal}; }

Result<std::vector<Remote>> PlanGateway(const GatewayFlags& f, const GatewaySystem& sys, Logger* log) {
  std::vector<Remote> remotes;
  std::vector<std::string> endpoints;
  if (!f.discovery_srv.empty()) {
    ETCDPP_ASSIGN_OR_RETURN(Discovered d, DiscoverSrv(f, sys, log));
    remotes = std::move(d.remotes);
    endpoints = std::move(d.endpoints);
  }
  if (endpoints.empty()) endpoints = f.endpoints;  // nothing discovered: the flag's list
  if (remotes.empty()) {
    for (const std::string& ep : endpoints) {
      auto hp = SplitHostPort(StripScheme(ep));
      if (!hp.ok()) return InvalidArgument("error parsing endpoint \"" + ep + "\"");  // etcd prints no newline
      remotes.push_back(Remote{hp->first, LeadingPort(hp->second)});
    }
  }
  auto listen = SplitHostPort(f.listen_addr);
  if (!listen.ok()) return InvalidArgument("failed to validate listen address: " + f.listen_addr + "\n");
  const auto& [lhost, lport] = *listen;
  auto laddrs = sys.hosts(lhost);
  if (!laddrs.ok()) return InvalidArgument("failed to resolve listen host: " + lhost + "\n");
  for (const Remote& r : remotes) {
    auto eaddrs = sys.hosts(r.host);
    if (!eaddrs.ok()) return InvalidArgument("failed to resolve endpoint host: " + r.host + "\n");
    if (std::to_string(r.port) != lport) continue;
    for (const std::string& ea : *eaddrs) {
      if (std::find(laddrs->begin(), laddrs->end(), ea) != laddrs->end()) {
        return InvalidArgument("SRV or endpoint (" + r.host + ":" + std::to_string(r.port) + "->" + ea + ":" +
                               std::to_string(r.port) + ") should not resolve to the gateway listen addr (" +
                               f.listen_addr + ")\n");
      }
    }
  }
  if (remotes.empty()) return InvalidArgument("no endpoints found\n");
  return remotes;
}

}  // namespace etcdpp::gateway
