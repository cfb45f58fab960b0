#include "embed/member.h"

#include <signal.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <atomic>
#include <mutex>

#include "api/access_control.h"
#include "api/health_handler.h"
#include "api/lease_service.h"
#include "api/snapshot_service.h"
#include "api/v2_discovery_handler.h"
#include "api/v2_keys_handler.h"
#include "api/v2_members_handler.h"
#include "api/v2_stats_handler.h"
#include "api/v3_services.h"
#include "api/version_handler.h"
#include "api/watch_service.h"
#include "base/flag_set.h"
#include "base/log.h"
#include "bootstrap/join_existing.h"
#include "bootstrap/static_cluster.h"
#include "embed/config.h"
#include "embed/initial_cluster.h"
#include "embed/tls_setup.h"
#include "membership/member.h"
#include "net/server.h"
#include "peer/lease_forwarder.h"
#include "peer/lease_handlers.h"
#include "peer/member_promote.h"
#include "peer/peer_client.h"
#include "peer/peer_handlers.h"
#include "peer/raft_http_transport.h"
#include "server/etcd_server.h"
#include "wal/wal_dir.h"

namespace etcdpp::embed {
namespace {

constexpr std::string_view kPkg = "embed";

std::vector<std::string> UrlStrings(const std::vector<Url>& urls) {
  std::vector<std::string> out;
  for (const auto& u : urls) out.push_back(u.String());
  return out;
}

void LogStartup(const Config& c, Logger& log) {
  log.Info(kPkg, "name = " + c.name);
  log.Info(kPkg, "data dir = " + c.data_dir);
  log.Info(kPkg, "member dir = " + c.data_dir + "/member");
  log.Info(kPkg, "heartbeat = " + std::to_string(c.heartbeat_interval_ms) + "ms");
  log.Info(kPkg, "election = " + std::to_string(c.election_timeout_ms) + "ms");
  log.Info(kPkg, "snapshot count = " + std::to_string(c.snapshot_count));
  if (!c.discovery.empty()) {
    log.Info(kPkg, "discovery URL= " + c.discovery);
    if (!c.discovery_proxy.empty()) log.Info(kPkg, "discovery proxy = " + c.discovery_proxy);
  }
  log.Info(kPkg, "advertise client URLs = " + JoinUrls(c.advertise_client_urls));
  log.Info(kPkg, "initial advertise peer URLs = " + JoinUrls(c.initial_advertise_peer_urls));
  log.Info(kPkg, "initial cluster = " + c.initial_cluster);
}

server::ServerConfig ToServerConfig(const Config& c) {
  server::ServerConfig s;
  s.name = c.name;
  s.data_dir = c.data_dir;
  s.wal_dir = c.wal_dir;
  s.new_cluster = c.IsNewCluster();
  s.advertise_client_urls = UrlStrings(c.advertise_client_urls);
  s.tick = std::chrono::milliseconds(c.heartbeat_interval_ms);
  s.election_ticks = static_cast<int>(c.ElectionTicks());
  s.pre_vote = c.pre_vote;
  s.strict_reconfig_check = c.strict_reconfig_check;
  s.initial_election_tick_advance = c.initial_election_tick_advance;
  s.snapshot_count = c.snapshot_count;
  s.max_snapshots = c.max_snapshots;
  s.max_wals = c.max_wals;
  s.raft_log_tail_bytes = c.experimental_raft_log_tail_bytes;
  s.max_request_bytes = c.max_request_bytes;
  s.max_txn_ops = c.max_txn_ops;
  s.quota_backend_bytes = c.quota_backend_bytes;
  s.auto_compaction_mode = c.auto_compaction_mode;
  s.auto_compaction_retention = c.auto_compaction_retention;
  // Test seam (not an etcd setting): how often revision-mode auto compaction runs.
  if (const char* v = std::getenv("ETCDPP_AUTO_COMPACTION_REVISION_INTERVAL")) {
    if (auto d = ParseGoDuration(v); d.ok() && d->count() > 0) {
      s.auto_compaction_revision_interval = std::chrono::duration_cast<std::chrono::milliseconds>(*d);
    }
  }
  auto interval = std::chrono::duration_cast<std::chrono::milliseconds>(c.backend_batch_interval).count();
  s.backend_batch_interval_ms = interval > 0 ? static_cast<int>(interval) : 100;
  s.backend_batch_limit = c.backend_batch_limit > 0 ? static_cast<size_t>(c.backend_batch_limit) : 10000;
  s.unsafe_no_fsync = c.unsafe_no_fsync;
  s.lease_checkpoint = c.experimental_enable_lease_checkpoint;
  s.lease_checkpoint_persist = c.experimental_enable_lease_checkpoint_persist;
  s.logger = c.logger;
  return s;
}

net::ServerOptions ToNetOptions(const Config& c) {
  net::ServerOptions o;
  o.max_recv_message_bytes = c.max_request_bytes + 512 * 1024;  // etcd's gRPC receive limit
  o.max_http_body_bytes = o.max_recv_message_bytes;
  o.max_concurrent_streams = c.max_concurrent_streams;
  using std::chrono::duration_cast;
  using std::chrono::milliseconds;
  o.keepalive_interval = duration_cast<milliseconds>(c.grpc_keepalive_interval);
  o.keepalive_timeout = duration_cast<milliseconds>(c.grpc_keepalive_timeout);
  o.keepalive_min_time = duration_cast<milliseconds>(c.grpc_keepalive_min_time);
  return o;
}

api::WatchServiceOptions WatchOptions(const Config& c) {
  api::WatchServiceOptions o;
  o.max_request_bytes = c.max_request_bytes;
  o.election_timeout = std::chrono::milliseconds(c.election_timeout_ms);
  if (c.experimental_watch_progress_notify_interval.count() > 0) {
    o.progress_interval =
        std::chrono::duration_cast<std::chrono::milliseconds>(c.experimental_watch_progress_notify_interval);
  }
  return o;
}

// Waits for SIGINT/SIGTERM (blocked in every thread) or `done`; returns the signal, or 0.
int WaitSignal(const sigset_t& set, std::chrono::milliseconds timeout) {
  timespec ts{static_cast<time_t>(timeout.count() / 1000), static_cast<long>((timeout.count() % 1000) * 1000000)};
  int sig = sigtimedwait(&set, nullptr, &ts);
  return sig > 0 ? sig : 0;
}

// Takes the running cluster's IDs for the members of --initial-cluster.
Status JoinExisting(peer::PeerClient& client, const std::string& name, Logger* log, server::ServerConfig* sc) {
  std::vector<std::string> remote_urls;
  for (const auto& m : sc->initial_members) {
    if (m.name != name) remote_urls.insert(remote_urls.end(), m.peer_urls.begin(), m.peer_urls.end());
  }
  ETCDPP_ASSIGN_OR_RETURN(bootstrap::ExistingCluster existing, bootstrap::FetchExistingCluster(client, remote_urls, log));
  ETCDPP_RETURN_IF_ERROR(bootstrap::AssignIdsFromExisting(&sc->initial_members, existing));
  for (const auto& m : sc->initial_members) {
    if (m.name == name) sc->member_id = m.id;
  }
  sc->cluster_id = existing.id;
  sc->initial_members = existing.members;
  return Status();
}

}  // namespace

int RunMember(const Config& config) {
  Logger* log = config.logger;
  // Block the stop signals before any thread starts, so only sigtimedwait sees them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  if (log) LogStartup(config, *log);
  server::ServerConfig sc = ToServerConfig(config);
  base::PosixFileSystem fs;
  Result<TlsSetup> tls = SetUpTls(config, log);
  if (!tls.ok()) {
    if (log) log->Fatal("etcdmain", tls.status().message());
    return 1;
  }
  peer::PeerClient peer_client(tls->peer_dialer());
  const std::string wal_dir = config.wal_dir.empty() ? config.data_dir + "/member/wal" : config.wal_dir;
  if (!wal::Exist(fs, wal_dir)) {
    bootstrap::InitialCluster ic;
    int stop_signal = 0;
    auto wait = [&](std::chrono::milliseconds d) {
      stop_signal = WaitSignal(stop_signals, d);
      return stop_signal == 0;
    };
    if (std::optional<int> failed = BuildNewMemberCluster(config, wait, log, &ic)) {
      if (stop_signal != 0) {
        // Stopped while discovery waited: leave by the signal, as etcd does.
        if (log) log->Flush();
        signal(stop_signal, SIG_DFL);
        pthread_sigmask(SIG_UNBLOCK, &stop_signals, nullptr);
        raise(stop_signal);
      }
      return *failed;
    }
    sc.member_id = ic.local_id;
    sc.cluster_id = ic.cluster_id;
    sc.initial_members = ic.members;
    if (!config.IsNewCluster()) {
      Status joined = JoinExisting(peer_client, config.name, log, &sc);
      if (!joined.ok()) {
        std::fprintf(stderr, "etcd: %s\n", joined.message().c_str());
        return 1;
      }
    }
  } else {
    WarnDiscoveryIgnored(config, wal_dir, log);
  }
  auto opened = server::EtcdServer::Open(sc, nullptr);
  if (!opened.ok()) {
    if (log) log->Fatal("etcdmain", opened.status().message());
    return 1;
  }
  std::unique_ptr<server::EtcdServer> member = std::move(*opened);
  server::EtcdServer* m = member.get();

  peer::TransportOptions to;
  to.local_id = m->member_id();
  to.cluster_id = m->cluster_id();
  to.local_peer_urls = UrlStrings(config.initial_advertise_peer_urls);
  to.on_message = [m](raftpb::Message msg) { m->Step(std::move(msg)); };
  to.on_unreachable = [m](uint64_t id) { m->ReportUnreachable(id); };
  to.is_removed = [m](uint64_t id) { return m->IsRemoved(id); };
  to.dialer = tls->peer_dialer();
  to.on_removed = [m] { m->MarkRemoved(); };
  to.logger = log;
  // The guide: a member trying to join peers of another cluster stops instead of
  // retrying. A member that already serves its cluster only logs a misconfigured peer.
  std::mutex conflict_mu;  // guards conflicting_cluster
  std::string conflicting_cluster;
  std::atomic<bool> serving{false};
  to.on_cluster_id_conflict = [&](const std::string& remote) {
    if (serving.load()) return;
    std::lock_guard lock(conflict_mu);
    if (conflicting_cluster.empty()) conflicting_cluster = remote;
  };
  auto conflict = [&] {
    std::lock_guard lock(conflict_mu);
    return conflicting_cluster;
  };
  peer::RaftHttpTransport transport(std::move(to));
  m->SetTransport(&transport);
  peer::HttpLeaseForwarder lease_forwarder(tls->peer_dialer());
  m->SetLeaseForwarder(&lease_forwarder);

  net::Router peer_router;
  peer::RegisterPeerHandlers(peer_router, peer::PeerHandlerDeps{
                                              &transport, [m] { return m->Members(); },
                                              [m] { return m->cluster_version(); },
                                              config.data_dir + "/member/snap"});
  peer::RegisterLeaseHandlers(peer_router, peer::LeaseHandlerDeps{
                                               [m](int64_t id, auto done) { m->LocalLeaseRenew(id, done); },
                                               [m](etcdserverpb::LeaseTimeToLiveRequest r, auto done) {
                                                 m->LocalLeaseTimeToLive(std::move(r), done);
                                               }});
  peer::RegisterPromoteHandler(peer_router, m->cluster_id(), [m](uint64_t id, auto done) {
    m->PromoteAsLeader(id, std::move(done));
  });
  m->SetPromoteForwarder(peer::MakePromoteForwarder(&peer_client));
  net::ServerOptions peer_options;
  // Pipeline messages (POST /raft) arrive whole, and one MsgApp may carry many entries of
  // up to --max-request-bytes each. Snapshots are not bound by this: their database
  // streams to a file (an upload route).
  peer_options.max_http_body_bytes = size_t{1} << 30;
  net::Server peer_server(std::move(peer_router), peer_options);
  for (const auto& u : config.listen_peer_urls) {
    if (auto r = peer_server.Listen(u.String(), tls->peer); !r.ok()) {
      if (log) log->Fatal("etcdmain", "listen tcp " + u.host_port + ": " + r.status().message());
      return 1;
    }
  }

  net::Router client_router;
  client_router.SetHttpGuard(api::AccessControl(config.cors, config.host_whitelist, log));
  api::RegisterVersionHandler(client_router, [m] {
    std::string v = m->cluster_version();
    return v.empty() ? std::string("not_decided") : v.substr(0, v.rfind('.')) + ".0";
  });
  api::RegisterHealthHandler(client_router, [m](std::vector<std::string> excluded, std::function<void(bool)> done) {
    m->CheckHealth(std::move(excluded), std::move(done));
  });
  api::RegisterGrpcHealthService(client_router);
  api::RegisterV3Services(client_router, m, api::V3Limits{config.max_txn_ops});
  api::RegisterLeaseService(client_router, m);
  api::WatchService watch_service(m, WatchOptions(config));
  watch_service.Register(client_router);
  api::RegisterSnapshotService(client_router, m, log);
  // etcd 3.4 serves the v2 API only with --enable-v2.
  std::unique_ptr<api::V2KeysApi> v2_keys;
  if (config.enable_v2) {
    v2_keys = std::make_unique<api::V2KeysApi>(m);
    v2_keys->Register(client_router);
    api::RegisterV2MembersHandler(client_router, m);
    api::RegisterV2StatsHandler(client_router, m);
    api::RegisterV2DiscoveryHandler(client_router, m,
                                    config.advertise_client_urls.empty() ? std::string()
                                                                         : config.advertise_client_urls[0].String());
  }
  net::Server client_server(std::move(client_router), ToNetOptions(config));
  for (const auto& u : config.listen_client_urls) {
    if (auto r = client_server.Listen(u.String(), tls->client); !r.ok()) {
      if (log) log->Fatal("etcdmain", "listen tcp " + u.host_port + ": " + r.status().message());
      return 1;
    }
  }

  if (Status s = peer_server.Start(); !s.ok()) return 1;
  if (Status s = member->Start(); !s.ok()) return 1;
  int sig = 0;
  // etcd serves clients once the member has joined raft and published itself.
  while (!member->ready() && sig == 0 && conflict().empty() && !member->removed()) {
    sig = WaitSignal(stop_signals, std::chrono::milliseconds(50));
  }
  if (sig == 0 && conflict().empty()) {
    serving = true;
    if (Status s = client_server.Start(); !s.ok()) return 1;
    if (log) {
      log->Info(kPkg, "ready to serve client requests");
      for (const auto& u : config.listen_client_urls) {
        if (u.scheme == "http") {
          log->Notice(kPkg, "serving insecure client requests on " + u.host_port + ", this is strongly discouraged!");
        } else if (u.scheme == "https") {
          log->Info(kPkg, "serving client requests on " + u.host_port);
        }
      }
    }
    while (sig == 0 && conflict().empty() && !member->removed()) {
      sig = WaitSignal(stop_signals, std::chrono::milliseconds(200));
    }
  }
  // Clients first; the forwarder's answers and the watch sessions' streams must not
  // reach a stopped member; the peers last.
  auto shutdown = [&] {
    client_server.Stop();
    if (v2_keys) v2_keys->Stop();
    lease_forwarder.Stop();
    watch_service.Stop();
    member->Stop();
    peer_server.Stop();
    transport.Stop();
    peer_client.Stop();
    if (log) log->Flush();
  };
  if (sig == 0 && member->removed()) {
    // etcd stops the member and exits 0; its data dir cannot serve again.
    if (log) {
      log->Error("etcdserver", "the member has been permanently removed from the cluster");
      log->Info("etcdserver", "the data-dir used by this member must be removed.");
    }
    shutdown();
    return 0;
  }
  if (std::string remote = conflict(); !remote.empty() && sig == 0) {
    std::fprintf(stderr, "etcd: conflicting cluster ID to the target cluster (%s != %s). Exiting.\n",
                 membership::IdToString(m->cluster_id()).c_str(), remote.c_str());
    shutdown();
    return 1;
  }
  if (log) {
    log->Notice("pkg/osutil", std::string("received ") + (sig == SIGINT ? "interrupt" : "terminated") +
                                  " signal, shutting down...");
  }
  shutdown();
  // Leave the way etcd does: with the signal's own status.
  signal(sig, SIG_DFL);
  pthread_sigmask(SIG_UNBLOCK, &stop_signals, nullptr);
  raise(sig);
  return 0;
}

}  // namespace etcdpp::embed
