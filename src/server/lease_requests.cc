// The lease side of EtcdServer: grants and revokes through raft, keep-alives and
// time-to-live on the leader's lessor (forwarded to the leader by a follower, as etcd's
// LeaseRenew and LeaseTimeToLive do), and the wiring of the lessor into the member.
#include "server/errors.h"
#include "server/etcd_server.h"
#include "server/server_impl.h"

namespace etcdpp::server {
namespace {

lease::LessorConfig LessorConfigOf(const ServerConfig& c) {
  lease::LessorConfig lc;
  lc.min_lease_ttl_seconds = lease::MinLeaseTtlSeconds(c.election_ticks, c.tick.count());
  lc.checkpointing = c.lease_checkpoint;
  lc.checkpoint_persist = c.lease_checkpoint_persist;
  return lc;
}

etcdserverpb::LeaseTimeToLiveResponse TimeToLiveOf(const lease::LeaseInfo& info, int64_t id) {
  etcdserverpb::LeaseTimeToLiveResponse resp;
  resp.mutable_header();
  resp.set_id(id);
  // Whole seconds, truncated toward zero (a lease never expiring on a non-primary shows
  // the largest duration's seconds, 9223372036, as etcd).
  resp.set_ttl(std::chrono::duration_cast<std::chrono::seconds>(info.remaining).count());
  resp.set_grantedttl(info.ttl_seconds);
  for (const auto& k : info.keys) resp.add_keys(k);
  return resp;
}

}  // namespace

Status EtcdServer::Impl::OpenLeases() {
  leases = std::make_unique<LeaseKeeper>(backend.get(), LessorConfigOf(config),
                                         [] { return std::chrono::steady_clock::now(); });
  return leases->Recover();
}

void EtcdServer::Impl::StartLeases() {
  LeaseLoopDeps d;
  d.keeper = leases.get();
  d.is_leader = [this] { return raft->is_leader(); };
  d.propose = [this](etcdserverpb::InternalRaftRequest r, std::function<void(Status)> done) {
    ProposeV3(std::move(r), [done = std::move(done)](ApplyResult res) { done(res.status); });
  };
  d.checkpointing = config.lease_checkpoint;
  lease_loop = std::make_unique<LeaseLoop>(std::move(d));
  lease_loop->Start();
}

void EtcdServer::LeaseGrant(etcdserverpb::LeaseGrantRequest r, Done<etcdserverpb::LeaseGrantResponse> done) {
  if (impl_->RefuseOverQuota(BackendQuota::kLeaseCost, [done](etcdpp::Status s) { done(s); })) return;
  // The server picks a positive ID from its request IDs when the client gives none.
  while (r.id() == lease::kNoLease) r.set_id(static_cast<int64_t>(impl_->ids->Next() & ((uint64_t{1} << 63) - 1)));
  etcdserverpb::InternalRaftRequest req;
  *req.mutable_lease_grant() = std::move(r);
  impl_->ProposeV3(std::move(req), [this, done = std::move(done)](ApplyResult res) {
    if (!res.status.ok()) return done(res.status);
    auto resp = static_cast<const etcdserverpb::LeaseGrantResponse&>(*res.response);
    FillHeader(resp.mutable_header());
    done(std::move(resp));
  });
}

void EtcdServer::LeaseRevoke(etcdserverpb::LeaseRevokeRequest r, Done<etcdserverpb::LeaseRevokeResponse> done) {
  etcdserverpb::InternalRaftRequest req;
  *req.mutable_lease_revoke() = std::move(r);
  impl_->ProposeV3(std::move(req), [this, done = std::move(done)](ApplyResult res) {
    if (!res.status.ok()) return done(res.status);
    auto resp = static_cast<const etcdserverpb::LeaseRevokeResponse&>(*res.response);
    FillHeader(resp.mutable_header());
    done(std::move(resp));
  });
}

namespace {

// etcd's applyTimeout: how long a lease call waits for this member to catch up.
constexpr std::chrono::seconds kApplyTimeout{1};

// Runs `fn` once this member applied everything committed so far (on the apply thread,
// or at once), or with etcd's applied-index timeout. The wait is a waiter of its own
// in the registry, so the proposal timeouts thread ends it and Stop fails it.
void AfterCaughtUp(EtcdServer::Impl& s, std::function<void(Status)> fn) {
  const uint64_t id = s.ids->Next();
  s.waits.Register(id, [fn = std::move(fn)](ApplyResult r) {
    fn(errors::kTimeout.Is(r.status) ? errors::kTimeoutWaitAppliedIndex.status() : r.status);
  });
  {
    std::lock_guard lock(s.timeout_mu);
    s.deadlines.emplace(std::chrono::steady_clock::now() + kApplyTimeout, id);
  }
  s.applier->WaitApplied(s.raft->committed_index(), [&s, id] { s.waits.Trigger(id, ApplyResult{}); });
}

}  // namespace

void EtcdServer::LocalLeaseRenew(int64_t id, Done<int64_t> done) {
  Impl& s = *impl_;
  if (s.stopped.load()) return done(errors::kStopped.status());
  // As etcd: renew only once this member applied what it knows to be committed, so a
  // lease granted just before a leader change is found.
  AfterCaughtUp(s, [&s, id, done = std::move(done)](Status caught_up) {
    if (!caught_up.ok()) return done(caught_up);
    bool clear_checkpoint = false;
    Result<int64_t> ttl = s.leases->Renew(id, &clear_checkpoint);
    if (ttl.ok() && clear_checkpoint) {
      // Other members forget the remaining TTL they were told, now that it restarted.
      etcdserverpb::InternalRaftRequest r;
      auto* cp = r.mutable_lease_checkpoint()->add_checkpoints();
      cp->set_id(id);
      cp->set_remaining_ttl(0);
      s.ProposeV3(std::move(r), [](ApplyResult) {});
    }
    done(std::move(ttl));
  });
}

void EtcdServer::LocalLeaseTimeToLive(etcdserverpb::LeaseTimeToLiveRequest r,
                                      Done<etcdserverpb::LeaseTimeToLiveResponse> done) {
  Impl& s = *impl_;
  if (s.stopped.load()) return done(errors::kStopped.status());
  AfterCaughtUp(s, [&s, r = std::move(r), done = std::move(done)](Status caught_up) {
    if (!caught_up.ok()) return done(caught_up);
    std::optional<lease::LeaseInfo> info = s.leases->Lookup(r.id(), r.keys());
    if (!info) return done(NotFound(std::string(lease::kErrLeaseNotFound)));
    done(TimeToLiveOf(*info, r.id()));
  });
}

namespace {

LeaderUrls LeaderUrlsOf(EtcdServer* server) {
  return [server] {
    const uint64_t leader = server->leader();
    if (leader == 0) return std::vector<std::string>();
    for (const auto& m : server->Members()) {
      if (m.id == leader) return m.peer_urls;
    }
    return std::vector<std::string>();
  };
}

}  // namespace

void EtcdServer::LeaseRenew(int64_t id, Done<int64_t> done) {
  Impl& s = *impl_;
  auto forward = [this, id, done]() {
    Impl& s = *impl_;
    if (!s.lease_forwarder) return done(errors::kNoLeader.status());
    s.lease_forwarder->Renew(LeaderUrlsOf(this), id, std::chrono::steady_clock::now() + s.request_timeout(),
                             [done](Result<int64_t> r) { done(r.ok() ? std::move(r) : LeaseToClientError(r.status())); });
  };
  if (!s.raft->is_leader()) return forward();
  LocalLeaseRenew(id, [done, forward](Result<int64_t> r) {
    // A leader whose lessor is not promoted yet asks the leader the way a follower
    // would (itself, over the peer port), until promotion or the deadline.
    if (!r.ok() && r.status().message() == lease::kErrNotPrimary) return forward();
    done(r.ok() ? std::move(r) : LeaseToClientError(r.status()));
  });
}

void EtcdServer::LeaseTimeToLive(etcdserverpb::LeaseTimeToLiveRequest r,
                                 Done<etcdserverpb::LeaseTimeToLiveResponse> done) {
  Impl& s = *impl_;
  auto finish = [this, done](Result<etcdserverpb::LeaseTimeToLiveResponse> res) {
    if (!res.ok()) return done(LeaseToClientError(res.status()));
    // etcd's leader leaves the header empty for the API layer to fill.
    res->mutable_header()->Clear();
    FillHeader(res->mutable_header());
    done(std::move(res));
  };
  if (s.raft->is_leader()) return LocalLeaseTimeToLive(std::move(r), finish);
  if (!s.lease_forwarder) return done(errors::kNoLeader.status());
  s.lease_forwarder->TimeToLive(LeaderUrlsOf(this), std::move(r),
                                std::chrono::steady_clock::now() + s.request_timeout(), finish);
}

void EtcdServer::LeaseLeases(Done<etcdserverpb::LeaseLeasesResponse> done) {
  etcdserverpb::LeaseLeasesResponse resp;
  for (int64_t id : impl_->leases->LeaseIds()) resp.add_leases()->set_id(id);
  FillHeader(resp.mutable_header());
  done(std::move(resp));
}

}  // namespace etcdpp::server
