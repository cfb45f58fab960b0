#include "embed/initial_cluster.h"

#include <cstdio>

#include "bootstrap/discovery.h"
#include "bootstrap/srv.h"
#include "membership/member.h"
#include "peer/peer_client.h"
#include "peer/tls_dialer.h"

namespace etcdpp::embed {
namespace {

constexpr std::string_view kMain = "etcdmain";

std::vector<std::string> AdvertisedPeerUrls(const Config& c) {
  std::vector<std::string> out;
  for (const auto& u : c.initial_advertise_peer_urls) out.push_back(u.String());
  return out;
}

// The same report with the zap logger: etcd words it differently, all at warn level.
void ReportDiscoveryFailureZap(const Config& c, const bootstrap::DiscoveryError& e, const std::string& failed,
                               Logger& log) {
  using bootstrap::DiscoveryFailure;
  constexpr char kNoReuse[] = "do not reuse discovery token; generate a new one to bootstrap a cluster";
  // etcd takes a full cluster down its proxy-fallback branch, which does not log this.
  if (e.kind != DiscoveryFailure::kFullCluster) {
    log.Warn(kMain, "failed to start etcd", {LogField::Str("error", failed)});
  }
  switch (e.kind) {
    case DiscoveryFailure::kDuplicateId:
      log.Warn(kMain, "member has been registered with discovery service",
               {LogField::Str("name", c.name), LogField::Str("discovery-token", c.discovery),
                LogField::Str("error", e.message)});
      log.Warn(kMain, "but could not find valid cluster configuration", {LogField::Str("data-dir", c.data_dir)});
      log.Warn(kMain, "check data dir if previous bootstrap succeeded");
      log.Warn(kMain, "or use a new discovery token if previous bootstrap failed");
      break;
    case DiscoveryFailure::kDuplicateName:
      log.Warn(kMain, "member with duplicated name has already been registered",
               {LogField::Str("discovery-token", c.discovery), LogField::Str("error", e.message)});
      log.Warn(kMain, "cURL the discovery token URL for details");
      log.Warn(kMain, kNoReuse);
      break;
    default:
      log.Warn(kMain, "failed to bootstrap; discovery token was already used",
               {LogField::Str("discovery-token", c.discovery), LogField::Str("error", failed)});
      log.Warn(kMain, kNoReuse);
  }
}

// etcdmain's report of a failed discovery; exit status 1 follows.
void ReportDiscoveryFailure(const Config& c, const bootstrap::DiscoveryError& e, Logger* log) {
  using bootstrap::DiscoveryFailure;
  if (e.kind == DiscoveryFailure::kSizeNotFound) {
    // The clustering guide's wording, besides etcd 3.4's log lines below.
    std::fprintf(stderr, "etcd: error: the cluster doesn\u2019t have a size configuration value in %s/_config\n",
                 c.discovery.c_str());
  }
  if (!log) return;
  const std::string failed = "failed to join discovery cluster (" + e.message + ")";
  if (log->structured()) {
    ReportDiscoveryFailureZap(c, e, failed, *log);
    return;
  }
  switch (e.kind) {
    case DiscoveryFailure::kDuplicateId:
      log->Error(kMain, "member \"" + c.name + "\" has previously registered with discovery service token (" +
                            c.discovery + ").");
      log->Error(kMain, "But etcd could not find valid cluster configuration in the given data dir (" + c.data_dir +
                            ").");
      log->Info(kMain, "Please check the given data dir path if the previous bootstrap succeeded");
      log->Info(kMain, "or use a new discovery token if the previous bootstrap failed.");
      break;
    case DiscoveryFailure::kDuplicateName:
      log->Error(kMain, "member with duplicated name has registered with discovery service token(" + c.discovery +
                            ").");
      log->Error(kMain, "please check (cURL) the discovery token for more information.");
      log->Error(kMain, "please do not reuse the discovery token and generate a new one to bootstrap the cluster.");
      break;
    default:
      log->Error(kMain, failed);
      log->Info(kMain, "discovery token " + c.discovery + " was used, but failed to bootstrap the cluster.");
      log->Info(kMain, "please generate a new discovery token and try to bootstrap again.");
  }
}

std::unique_ptr<peer::StreamDialer> DiscoveryDialer(const std::string& url) {
  if (url.starts_with("https://")) {
    // etcd reaches the service with the system's roots and no client certificate.
    if (auto d = peer::MakeTlsDialer(peer::PeerTlsConfig{}); d.ok()) return std::move(*d);
  }
  return peer::MakeTcpDialer();
}

std::optional<int> FromDiscovery(const Config& c, const StopAwareWait& wait, Logger* log,
                                 bootstrap::InitialCluster* out) {
  const std::vector<std::string> advertised = AdvertisedPeerUrls(c);
  const std::string registration = bootstrap::RegistrationValue(c.name, advertised);
  // The discovery URL is the cluster token: the ID registered is the ID the member gets.
  auto self = bootstrap::BuildInitialCluster(registration, c.name, advertised, c.discovery);
  if (!self.ok()) {
    std::fprintf(stderr, "etcd: %s\n", self.status().message().c_str());
    return 1;
  }
  bootstrap::DiscoveryOptions o;
  o.url = c.discovery;
  o.proxy = c.discovery_proxy;
  if (!o.proxy.empty() && !o.proxy.starts_with("http")) o.proxy = "http://" + o.proxy;
  o.local_id = self->local_id;
  o.log = log;
  o.wait = wait;
  peer::PeerClient client(DiscoveryDialer(o.proxy.empty() ? c.discovery : o.proxy));
  o.exchange = [&client](peer::PeerRequest r) { return client.CallAndWait(std::move(r)); };
  bootstrap::ClusterOrError joined = bootstrap::JoinDiscoveryCluster(o, registration);
  client.Stop();
  if (joined.error && joined.error->kind == bootstrap::DiscoveryFailure::kFullCluster && c.discovery_fallback_proxy) {
    if (log) {
      log->Log(log->structured() ? LogLevel::kWarn : LogLevel::kNotice, kMain,
               "discovery cluster full, falling back to proxy",
               "discovery cluster is full, falling back to proxy",
               {LogField::Str("fallback-proxy", "proxy"),
                LogField::Str("error", "failed to join discovery cluster (" + joined.error->message + ")")});
      log->Flush();
    }
    std::fprintf(stderr, "etcd: the v2 proxy (--discovery-fallback proxy) is not supported yet by etcdpp\n");
    return 1;
  }
  if (joined.error && joined.error->kind == bootstrap::DiscoveryFailure::kInterrupted) return 1;
  if (joined.error) {
    ReportDiscoveryFailure(c, *joined.error, log);
    return 1;
  }
  auto built = bootstrap::BuildInitialCluster(joined.cluster, c.name, advertised, c.discovery);
  if (!built.ok()) {
    std::fprintf(stderr, "etcd: %s\n", built.status().message().c_str());
    return 1;
  }
  *out = std::move(*built);
  return std::nullopt;
}

std::optional<int> FromSrv(const Config& c, Logger* log, bootstrap::InitialCluster* out) {
  auto fatal = [log](const std::string& why) {
    const std::string message = "error setting up initial cluster: " + why;
    if (log) log->Fatal(kMain, message);
    else std::fprintf(stderr, "etcd: %s\n", message.c_str());
    return 1;
  };
  auto found = bootstrap::SrvInitialCluster(c.discovery_srv, c.discovery_srv_name, c.name, AdvertisedPeerUrls(c),
                                            bootstrap::LookupSrv, bootstrap::ResolveTcpAddr, log);
  if (!found.ok()) return fatal(found.status().message());
  if (found->tls && c.peer_tls.trusted_ca_file.empty()) {
    if (Status s = bootstrap::CheckSrvTargetsInDomain(found->initial_cluster, c.discovery_srv); !s.ok()) {
      return fatal(s.message());
    }
  }
  auto built = bootstrap::BuildSrvInitialCluster(found->initial_cluster, c.name, c.initial_cluster_token);
  if (!built.ok()) return fatal(built.status().message());
  *out = std::move(*built);
  return std::nullopt;
}

}  // namespace

std::optional<int> BuildNewMemberCluster(const Config& config, const StopAwareWait& wait, Logger* log,
                                         bootstrap::InitialCluster* out) {
  if (!config.discovery.empty()) {
    if (!config.IsNewCluster()) {
      const char* why = "discovery URL should not be set when joining existing initial cluster";
      if (log) log->Fatal(kMain, why);
      else std::fprintf(stderr, "etcd: %s\n", why);
      return 1;
    }
    return FromDiscovery(config, wait, log, out);
  }
  if (!config.discovery_srv.empty()) return FromSrv(config, log, out);
  auto ic = bootstrap::BuildInitialCluster(config.initial_cluster, config.name, AdvertisedPeerUrls(config),
                                           config.initial_cluster_token);
  if (!ic.ok()) {
    std::fprintf(stderr, "etcd: %s\n", ic.status().message().c_str());
    return 1;
  }
  *out = std::move(*ic);
  return std::nullopt;
}

void WarnDiscoveryIgnored(const Config& config, const std::string& wal_dir, Logger* log) {
  if (config.discovery.empty() || !log) return;
  log->Log(LogLevel::kWarn, "etcdserver",
           "discovery token ignored since a cluster has already been initialized. Valid log found at \"" + wal_dir +
               "\"",
           "discovery token is ignored since cluster already initialized; valid logs are found",
           {LogField::Str("wal-dir", wal_dir)});
}

}  // namespace etcdpp::embed
