// Bootstrap from DNS SRV records (--discovery-srv, --discovery-srv-name), as etcd's
// pkg/srv and embed.Config do (the gateway's client-side lookups, _etcd-client[-ssl]._tcp,
// are in src/gateway/endpoints.h). Peers come from _etcd-server-ssl[-<name>]._tcp.<domain> (https) and
// _etcd-server[-<name>]._tcp.<domain> (http), merged; a member finds itself by comparing
// the resolved addresses of its advertised peer URLs with the resolved SRV targets.
//
// The real lookups (libresolv, getaddrinfo) block; they run once at start. The cluster
// builders take the lookups as functions so tests feed them answers.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/log.h"
#include "base/status.h"
#include "bootstrap/static_cluster.h"

namespace etcdpp::bootstrap {

struct SrvRecord {
  std::string target;  // as in the answer, with its trailing dot: "infra0.example.com."
  uint16_t port = 0;
  uint16_t priority = 0;
  uint16_t weight = 0;
};

// SRV answers for "_<service>._tcp.<domain>"; an error when there are none.
using SrvLookup = std::function<Result<std::vector<SrvRecord>>(const std::string& service, const std::string& domain)>;
// "host:port" -> "ip:port" (Go's net.ResolveTCPAddr; IPv6 as "[::1]:2380").
using TcpResolver = std::function<Result<std::string>(const std::string& host_port)>;

// The system's resolver (resolv.conf).
Result<std::vector<SrvRecord>> LookupSrv(const std::string& service, const std::string& domain);
Result<std::string> ResolveTcpAddr(const std::string& host_port);

// etcd's GetSRVService: "etcd-server" + "-ssl" for https + "-<name>" when set.
std::string SrvServiceName(std::string_view service, std::string_view srv_name, std::string_view scheme);

// One SRV service's members as "name=scheme://target:port" entries (etcd's
// srv.GetCluster): the entry whose target resolves to one of `advertise_peer_urls` gets
// `name`, the others their target host (etcd 3.4 numbers them from "0", which collides once
// the -ssl and plain sets are merged). Error: "error querying DNS SRV records for _<service> ...".
Result<std::vector<std::string>> SrvClusterEntries(std::string_view scheme, const std::string& service,
                                                   std::string_view name, const std::string& domain,
                                                   const std::vector<std::string>& advertise_peer_urls,
                                                   const SrvLookup& lookup, const TcpResolver& resolve);

struct SrvCluster {
  std::string initial_cluster;  // "infra0=http://infra0.example.com:2380,infra1.example.com=..."
  bool tls = false;             // some peer came from the -ssl record
};

// Both records merged (the guide: plain _etcd-server records bootstrap too). Fails only
// when neither gave an entry, or when this member is not among them:
// "cannot find local etcd member \"<name>\" in SRV records".
Result<SrvCluster> SrvInitialCluster(const std::string& domain, const std::string& srv_name, const std::string& name,
                                     const std::vector<std::string>& advertise_peer_urls, const SrvLookup& lookup,
                                     const TcpResolver& resolve, Logger* log);

// The initial members of an SRV-built cluster. Unlike a static --initial-cluster, this
// member's entry names its SRV target, which may differ in spelling from its advertised
// URLs (they matched by address); IDs come from the entries, as every member computes them.
Result<InitialCluster> BuildSrvInitialCluster(const std::string& initial_cluster, const std::string& name,
                                              const std::string& token);

// TLS without a custom CA: every SRV target must lie in the discovery domain, so a forged
// record cannot point at a host with some other valid certificate.
Status CheckSrvTargetsInDomain(const std::string& initial_cluster, const std::string& domain);

}  // namespace etcdpp::bootstrap
