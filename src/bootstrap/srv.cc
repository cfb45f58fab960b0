#include "bootstrap/srv.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>

#include <algorithm>
#include <cstring>
#include <map>

#include "base/url.h"
#include "membership/member.h"

namespace etcdpp::bootstrap {
namespace {

constexpr std::string_view kPkg = "embed";

std::string TrimDot(std::string s) {
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

std::string JoinHostPort(const std::string& host, const std::string& port) {
  return host.find(':') != std::string::npos ? "[" + host + "]:" + port : host + ":" + port;
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ",") + s;
  return out;
}

}  // namespace

Result<std::vector<SrvRecord>> LookupSrv(const std::string& service, const std::string& domain) {
  const std::string fqdn = "_" + service + "._tcp." + domain;
  struct __res_state state;
  std::memset(&state, 0, sizeof(state));
  if (res_ninit(&state) != 0) return Unavailable("lookup " + fqdn + ": cannot read the resolver configuration");
  std::vector<unsigned char> answer(65536);
  int n = res_nquery(&state, fqdn.c_str(), ns_c_in, ns_t_srv, answer.data(), static_cast<int>(answer.size()));
  const int herr = state.res_h_errno;
  res_nclose(&state);
  if (n < 0) {
    const char* why = (herr == HOST_NOT_FOUND || herr == NO_DATA) ? "no such host" : hstrerror(herr);
    return NotFound("lookup " + fqdn + ": " + why);
  }
  ns_msg msg;
  if (ns_initparse(answer.data(), n, &msg) != 0) return Unavailable("lookup " + fqdn + ": cannot parse the answer");
  std::vector<SrvRecord> out;
  for (int i = 0; i < ns_msg_count(msg, ns_s_an); ++i) {
    ns_rr rr;
    if (ns_parserr(&msg, ns_s_an, i, &rr) != 0 || ns_rr_type(rr) != ns_t_srv || ns_rr_rdlen(rr) < 7) continue;
    const unsigned char* rd = ns_rr_rdata(rr);
    SrvRecord r;
    r.priority = ns_get16(rd);
    r.weight = ns_get16(rd + 2);
    r.port = ns_get16(rd + 4);
    char target[NS_MAXDNAME];
    if (dn_expand(ns_msg_base(msg), ns_msg_end(msg), rd + 6, target, sizeof(target)) < 0) continue;
    r.target = std::string(target) + ".";
    out.push_back(std::move(r));
  }
  if (out.empty()) return NotFound("lookup " + fqdn + ": no such host");
  // Go orders by priority, then by weight (randomly weighted); a stable order is enough here.
  std::stable_sort(out.begin(), out.end(), [](const SrvRecord& a, const SrvRecord& b) {
    return a.priority != b.priority ? a.priority < b.priority : a.weight > b.weight;
  });
  return out;
}

Result<std::string> ResolveTcpAddr(const std::string& host_port) {
  ETCDPP_ASSIGN_OR_RETURN(auto hp, SplitHostPort(host_port));
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  int rc = getaddrinfo(hp.first.c_str(), hp.second.c_str(), &hints, &res);
  if (rc != 0) return NotFound("lookup " + hp.first + ": " + gai_strerror(rc));
  std::string v4, v6;
  for (addrinfo* a = res; a; a = a->ai_next) {
    char buf[INET6_ADDRSTRLEN] = {};
    if (a->ai_family == AF_INET && v4.empty()) {
      auto* s = reinterpret_cast<sockaddr_in*>(a->ai_addr);
      inet_ntop(AF_INET, &s->sin_addr, buf, sizeof(buf));
      v4 = buf;
    } else if (a->ai_family == AF_INET6 && v6.empty()) {
      auto* s = reinterpret_cast<sockaddr_in6*>(a->ai_addr);
      inet_ntop(AF_INET6, &s->sin6_addr, buf, sizeof(buf));
      v6 = buf;
    }
  }
  freeaddrinfo(res);
  if (v4.empty() && v6.empty()) return NotFound("lookup " + hp.first + ": no such host");
  return JoinHostPort(v4.empty() ? v6 : v4, hp.second);
}

std::string SrvServiceName(std::string_view service, std::string_view srv_name, std::string_view scheme) {
  std::string out(service);
  if (scheme == "https") out += "-ssl";
  if (!srv_name.empty()) out += "-" + std::string(srv_name);
  return out;
}

Result<std::vector<std::string>> SrvClusterEntries(std::string_view scheme, const std::string& service,
                                                   std::string_view name, const std::string& domain,
                                                   const std::vector<std::string>& advertise_peer_urls,
                                                   const SrvLookup& lookup, const TcpResolver& resolve) {
  // Resolved address of each advertised peer URL -> that URL.
  std::map<std::string, Url> advertised;
  for (const auto& text : advertise_peer_urls) {
    ETCDPP_ASSIGN_OR_RETURN(Url u, Url::Parse(text));
    ETCDPP_ASSIGN_OR_RETURN(std::string addr, resolve(u.host_port));
    advertised[addr] = u;
  }
  const std::string prefix = "error querying DNS SRV records for _" + service + " ";
  auto records = lookup(service, domain);
  if (!records.ok()) return NotFound(prefix + records.status().message());
  std::map<std::string, int> per_host;
  for (const auto& r : *records) ++per_host[TrimDot(r.target)];
  std::vector<std::string> entries;
  std::string last_error;
  for (const auto& r : *records) {
    const std::string port = std::to_string(r.port);
    const std::string host = TrimDot(r.target);
    auto addr = resolve(JoinHostPort(host, port));
    if (!addr.ok()) {
      last_error = addr.status().message();
      continue;
    }
    auto self = advertised.find(*addr);
    // The others' names are placeholders until they publish their own; the target host
    // (host:port when it serves several members) keeps merged -ssl and plain sets apart.
    std::string n = self != advertised.end() ? std::string(name)
                    : per_host[host] > 1     ? JoinHostPort(host, port)
                                             : host;
    const std::string url = std::string(scheme) + "://" + JoinHostPort(host, port);
    if (self != advertised.end() && self->second.scheme != scheme) {
      last_error = "bootstrap at " + url + " from DNS for " + service + " has scheme mismatch with expected peer " +
                   self->second.String();
      continue;
    }
    entries.push_back(n + "=" + url);
  }
  if (entries.empty()) return NotFound(prefix + last_error);
  return entries;
}

Result<SrvCluster> SrvInitialCluster(const std::string& domain, const std::string& srv_name, const std::string& name,
                                     const std::vector<std::string>& advertise_peer_urls, const SrvLookup& lookup,
                                     const TcpResolver& resolve, Logger* log) {
  SrvCluster out;
  std::vector<std::string> all;
  std::string errors;
  for (const std::string scheme : {"https", "http"}) {
    const std::string service = SrvServiceName("etcd-server", srv_name, scheme);
    auto entries = SrvClusterEntries(scheme, service, name, domain, advertise_peer_urls, lookup, resolve);
    if (entries.ok()) {
      if (scheme == "https") out.tls = true;
      all.insert(all.end(), entries->begin(), entries->end());
    } else {
      errors += (errors.empty() ? "" : "; ") + entries.status().message();
    }
    if (log && log->structured()) {
      log->Info(kPkg, "get cluster for " + SrvServiceName("etcd-server", "", scheme) + " SRV",
                {LogField::Str("service-scheme", scheme), LogField::Str("service-name", service),
                 LogField::Str("server-name", name), LogField::Str("discovery-srv", domain),
                 LogField::Strs("advertise-peer-urls", advertise_peer_urls), LogField::Strs("found-cluster", all),
                 LogField::Str("error", entries.ok() ? "" : entries.status().message())});
    }
  }
  if (all.empty()) {
    if (log) {
      log->Log(LogLevel::kError, kPkg, "couldn't resolve during SRV discovery (" + errors + ")",
               "failed to resolve during SRV discovery", {LogField::Str("error", errors)});
    }
    return NotFound(errors);
  }
  for (const auto& e : all) {
    if (log) {
      log->Log(LogLevel::kNotice, kPkg, "got bootstrap from DNS for etcd-server at " + e,
               "got bootstrap from DNS for etcd-server", {LogField::Str("node", e)});
    }
  }
  out.initial_cluster = Join(all);
  auto parsed = ParseInitialCluster(out.initial_cluster);
  if (!parsed.ok()) return parsed.status();
  if (!parsed->contains(name)) {
    return NotFound("cannot find local etcd member \"" + name + "\" in SRV records");
  }
  return out;
}

Result<InitialCluster> BuildSrvInitialCluster(const std::string& initial_cluster, const std::string& name,
                                              const std::string& token) {
  ETCDPP_ASSIGN_OR_RETURN(auto parsed, ParseInitialCluster(initial_cluster));
  return MembersOf(parsed, name, token);
}

Status CheckSrvTargetsInDomain(const std::string& initial_cluster, const std::string& domain) {
  ETCDPP_ASSIGN_OR_RETURN(auto parsed, ParseInitialCluster(initial_cluster));
  const std::string want = "." + TrimDot(domain);
  for (const auto& [member_name, urls] : parsed) {
    for (const auto& text : urls) {
      ETCDPP_ASSIGN_OR_RETURN(Url u, Url::Parse(text));
      if (u.scheme != "https") continue;
      const std::string host = "." + u.host;
      if (host.size() < want.size() || host.compare(host.size() - want.size(), want.size(), want) != 0) {
        return InvalidArgument("SRV target " + u.host + " is not in the discovery domain " + domain +
                               " (set --peer-trusted-ca-file to allow it)");
      }
    }
  }
  return Status();
}

}  // namespace etcdpp::bootstrap
