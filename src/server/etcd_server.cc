#include "server/etcd_server.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <future>

#include <nlohmann/json.hpp>

#include "backend/meta.h"
#include "etcdserverpb/etcdserver.pb.h"
#include "server/errors.h"
#include "server/server_impl.h"
#include "server/v2_snapshot.h"
#include "wal/wal_dir.h"

namespace etcdpp::server {
namespace {

Status MakeDirs(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) return IoError("cannot create " + path + ": " + ec.message());
  ::chmod(path.c_str(), 0700);
  return Status();
}

uint64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

Status EtcdServer::Impl::OpenStorage() {
  const std::string member_dir = config.data_dir + "/member";
  ETCDPP_RETURN_IF_ERROR(MakeDirs(member_dir + "/snap"));
  if (config.wal_dir.empty()) config.wal_dir = member_dir + "/wal";
  backend::BackendOptions bo;
  bo.path = member_dir + "/snap/db";
  bo.batch_interval_ms = config.backend_batch_interval_ms;
  bo.batch_ops_max = config.backend_batch_limit;
  // Buffered values wait for the commit in memory (the active batch and the one being
  // committed): large values commit early instead of piling up for the interval.
  bo.batch_bytes_max = size_t{8} << 20;
  ETCDPP_RETURN_IF_ERROR(ImportBoltBackend(bo.path));
  ETCDPP_ASSIGN_OR_RETURN(backend, backend::Backend::Open(bo));
  snapshotter = std::make_unique<snap::Snapshotter>(&fs, member_dir + "/snap");
  TailStorageOptions so;
  so.tail_bytes = config.raft_log_tail_bytes;
  so.read_ahead_bytes = std::min<uint64_t>(4 << 20, std::max<uint64_t>(config.raft_log_tail_bytes / 8, 1));
  so.fs = &fs;
  so.wal_dir = config.wal_dir;
  so.logger = log();
  storage = std::make_unique<TailStorage>(std::move(so));
  // At least 64 MiB: a burst of large requests is accepted (and queued) as etcd would,
  // whatever the tail; the tail bound holds anyway, older entries being read back.
  proposal_budget = std::make_unique<ProposalBudget>(std::max<uint64_t>(config.raft_log_tail_bytes, 64 << 20));
  return Status();
}

Status EtcdServer::Impl::LoadSnapshot() {
  ETCDPP_ASSIGN_OR_RETURN(std::vector<walpb::Snapshot> known, wal::ValidSnapshotEntries(fs, config.wal_dir));
  Result<raftpb::Snapshot> newest = snapshotter->LoadNewestAvailable(known);
  if (!newest.ok()) return newest.status().code() == StatusCode::kNotFound ? Status() : newest.status();
  snapshot = std::move(newest).value();
  const uint64_t index = snapshot.metadata().index();
  ETCDPP_ASSIGN_OR_RETURN(auto read_tx, backend->BeginRead());
  ETCDPP_ASSIGN_OR_RETURN(backend::ConsistentIndex ci, backend::ReadConsistentIndex(read_tx));
  read_tx.End();
  if (ci.index < index) {
    // The snapshot's backend was received but not yet installed when we stopped.
    Result<std::string> db = snapshotter->FindDbFile(index);
    if (!db.ok()) return Corruption("failed to find database snapshot file (" + db.status().message() + ")");
    ETCDPP_RETURN_IF_ERROR(backend->ReplaceWith(*db));
  }
  if (log()) log()->Info("etcdserver", "recovered store from snapshot at index " + std::to_string(index));
  return Status();
}

Result<backend::ConsistentIndex> EtcdServer::Impl::InstallSnapshot(const raftpb::Snapshot& snap) {
  const uint64_t index = snap.metadata().index();
  ETCDPP_ASSIGN_OR_RETURN(std::string db, snapshotter->FindDbFile(index));
  // No compaction of the old file may run while the new one moves in.
  kv->WaitCompacted(kv->CompactRev());
  ETCDPP_RETURN_IF_ERROR(backend->ReplaceWith(db));
  // The lessor first: the store's reload attaches the leased keys to it.
  ETCDPP_RETURN_IF_ERROR(leases->Recover());
  if (log()) log()->Info("etcdserver", "restoring mvcc store...");
  ETCDPP_RETURN_IF_ERROR(kv->Reload());
  watchable->Resync();
  if (log()) log()->Info("etcdserver", "finished restoring mvcc store");
  const std::vector<membership::Member> before = cluster->Members();
  ETCDPP_RETURN_IF_ERROR(cluster->Recover(*backend));
  ETCDPP_RETURN_IF_ERROR(RecoverV2Store(snap));
  if (alarms) ETCDPP_RETURN_IF_ERROR(alarms->Reload(*backend));
  if (transport) {
    const std::vector<membership::Member> after = cluster->Members();
    for (const auto& m : before) {
      if (m.id == config.member_id) continue;
      auto it = std::find_if(after.begin(), after.end(), [&](const auto& a) { return a.id == m.id; });
      if (it == after.end()) transport->RemovePeer(m.id);
    }
    for (const auto& m : after) {
      if (m.id == config.member_id) continue;
      auto it = std::find_if(before.begin(), before.end(), [&](const auto& b) { return b.id == m.id; });
      if (it == before.end()) {
        transport->AddPeer(m.id, m.peer_urls);
      } else if (it->peer_urls != m.peer_urls) {
        transport->UpdatePeer(m.id, m.peer_urls);
      }
    }
  }
  ETCDPP_ASSIGN_OR_RETURN(auto read_tx, backend->BeginRead());
  ETCDPP_ASSIGN_OR_RETURN(backend::ConsistentIndex ci, backend::ReadConsistentIndex(read_tx));
  read_tx.End();
  snapshotter->ReleaseSnapDbs(snap).IgnoreError();
  return ci;
}

void EtcdServer::Impl::QueueSnapshotMessage(raftpb::Message m) {
  {
    std::lock_guard lock(snapshot_mu);
    snapshot_queue.push_back(std::move(m));
  }
  snapshot_cv.notify_all();
}

void EtcdServer::Impl::RunSnapshotSender() {
  while (true) {
    raftpb::Message m;
    {
      std::unique_lock lock(snapshot_mu);
      snapshot_cv.wait(lock, [&] { return snapshot_stop || !snapshot_queue.empty(); });
      if (snapshot_stop) return;
      m = std::move(snapshot_queue.front());
      snapshot_queue.pop_front();
    }
    // The follower gets our whole backend as it is now, copied so that writes go on
    // meanwhile, and a snapshot that describes it: the applied index, term and
    // configuration read before the copy (whose consistent index is then at least as
    // new) — not raft's older snapshot, which may predate the follower's own membership.
    // The snap module clears leftover "db.tmp" files at start.
    // The v2 store must be exactly at that index: the follower replays v2 entries after it.
    std::string data;
    const Applier::AppliedState applied = applier->applied_state_with_data(&data);
    raftpb::SnapshotMetadata* md = m.mutable_snapshot()->mutable_metadata();
    md->set_index(applied.index);
    md->set_term(applied.term);
    *md->mutable_conf_state() = applied.conf_state;
    m.mutable_snapshot()->set_data(std::move(data));
    const uint64_t to = m.to();
    const std::string path = snapshotter->dir() + "/db.tmp.send." + membership::IdToString(to);
    Result<backend::SnapshotInfo> copy = backend->SnapshotToFile(path);
    if (!copy.ok()) {
      if (log()) log()->Error("etcdserver", "failed to copy the backend for a snapshot: " + copy.status().ToString());
      ::unlink(path.c_str());
      raft->ReportSnapshot(to, false);
      continue;
    }
    transport->SendSnapshot(std::move(m), path, [this, to, path](Status s) {
      ::unlink(path.c_str());
      if (!stopped.load()) raft->ReportSnapshot(to, s.ok());
    });
  }
}

Status EtcdServer::Impl::BootstrapNew() {
  // A member joining a running cluster starts with no membership of its own: it learns
  // it from the leader's log (or snapshot), like every other state.
  joining = !config.new_cluster;
  cluster = std::make_unique<Cluster>(config.member_id, config.cluster_id);
  etcdserverpb::Metadata md;
  md.set_nodeid(config.member_id);
  md.set_clusterid(config.cluster_id);
  wal::WalOptions wo;
  wo.no_fsync = config.unsafe_no_fsync;
  ETCDPP_RETURN_IF_ERROR(MakeDirs(std::filesystem::path(config.wal_dir).parent_path().string()));
  ETCDPP_ASSIGN_OR_RETURN(wal, wal::Wal::Create(&fs, config.wal_dir, md.SerializeAsString(), wo));
  return Status();
}

Status EtcdServer::Impl::RestartFromWal() {
  wal::WalOptions wo;
  wo.no_fsync = config.unsafe_no_fsync;
  walpb::Snapshot at;
  at.set_index(snapshot.metadata().index());
  at.set_term(snapshot.metadata().term());
  ETCDPP_ASSIGN_OR_RETURN(wal, wal::Wal::Open(&fs, config.wal_dir, at, wo));
  // Replay straight into the raft log, whose memory tail is bounded: entries the backend
  // already applied (committed, so never rewritten) may leave memory at once and are
  // read back from the WAL if raft asks for them again.
  uint64_t applied = 0;
  {
    ETCDPP_ASSIGN_OR_RETURN(auto read_tx, backend->BeginRead());
    ETCDPP_ASSIGN_OR_RETURN(backend::ConsistentIndex ci, backend::ReadConsistentIndex(read_tx));
    read_tx.End();
    applied = ci.index;
  }
  if (snapshot.metadata().index() > 0) ETCDPP_RETURN_IF_ERROR(storage->ApplySnapshot(snapshot));
  raftpb::HardState replaying;
  replaying.set_commit(applied);
  storage->SetHardState(replaying);
  storage->MarkHandedToApply(applied);
  std::vector<raftpb::Entry> conf_entries;  // for RecoverMembersFromLog; later writes win
  ETCDPP_ASSIGN_OR_RETURN(wal::Wal::Contents contents, wal->ReadAll([&](raftpb::Entry&& e) {
    while (!conf_entries.empty() && conf_entries.back().index() >= e.index()) conf_entries.pop_back();
    if (e.type() == raftpb::EntryConfChange) conf_entries.push_back(e);
    return storage->Append(std::move(e));
  }));
  etcdserverpb::Metadata md;
  if (!md.ParseFromString(contents.metadata)) return Corruption("wal: unreadable metadata");
  config.member_id = md.nodeid();
  config.cluster_id = md.clusterid();
  cluster = std::make_unique<Cluster>(config.member_id, config.cluster_id);
  ETCDPP_RETURN_IF_ERROR(cluster->Recover(*backend));
  ETCDPP_RETURN_IF_ERROR(RecoverMembersFromLog(conf_entries));
  storage->SetHardState(contents.state);
  if (log()) {
    log()->Info("etcdserver", "restarting member " + membership::IdToString(config.member_id) +
                                  " in cluster " + membership::IdToString(config.cluster_id) +
                                  " at commit index " + std::to_string(contents.state.commit()));
  }
  return Status();
}

Result<std::unique_ptr<EtcdServer>> EtcdServer::Open(ServerConfig config, Transport* transport) {
  auto impl = std::make_unique<Impl>();
  impl->config = std::move(config);
  impl->transport = transport;
  Impl& s = *impl;
  ETCDPP_RETURN_IF_ERROR(s.OpenStorage());
  const bool have_wal = wal::Exist(s.fs, s.config.wal_dir);
  if (have_wal) ETCDPP_RETURN_IF_ERROR(s.LoadSnapshot());
  ETCDPP_RETURN_IF_ERROR(s.OpenLeases());  // before the store: its restore attaches leased keys
  ETCDPP_ASSIGN_OR_RETURN(s.kv, mvcc::KvStore::Open(s.backend.get(), s.leases->hooks()));
  s.leases->SetKv(s.kv.get());
  s.watchable = std::make_unique<mvcc::WatchableStore>(s.kv.get());
  ETCDPP_RETURN_IF_ERROR(have_wal ? s.RestartFromWal() : s.BootstrapNew());

  ETCDPP_ASSIGN_OR_RETURN(auto read_tx, s.backend->BeginRead());
  ETCDPP_ASSIGN_OR_RETURN(backend::ConsistentIndex ci, backend::ReadConsistentIndex(read_tx));
  read_tx.End();
  ETCDPP_RETURN_IF_ERROR(s.OpenMaintenance());

  s.rng = std::make_unique<raft::SplitMixRng>(s.config.member_id ^ NowMs());
  raft::Config rc;
  rc.id = s.config.member_id;
  rc.election_tick = s.config.election_ticks;
  rc.heartbeat_tick = 1;
  rc.storage = s.storage.get();
  rc.max_size_per_msg = 1024 * 1024;
  // etcd's default: at most this many bytes of committed entries per Ready, so a restart
  // replaying a long log, or a burst of commits, reaches the apply thread in bounded
  // batches instead of one copy of everything.
  rc.max_committed_size_per_ready = rc.max_size_per_msg;
  rc.max_inflight_msgs = 4096 / 8;
  // What a follower that is catching up may have on its way to it at once: a quarter of
  // the log tail, so its receive queue and ours stay within the memory the tail bounds.
  rc.max_inflight_bytes = std::max<uint64_t>(s.config.raft_log_tail_bytes / 4, 2 * rc.max_size_per_msg);
  // Every member bounds its own proposals in bytes (ProposalBudget); this bounds what a
  // leader accepts from all of them together.
  rc.max_uncommitted_entries_size = std::max<uint64_t>(4 * s.config.raft_log_tail_bytes, 8 << 20);
  rc.check_quorum = true;
  rc.pre_vote = s.config.pre_vote;
  rc.rng = s.rng.get();
  s.raft_log = std::make_unique<RaftLogAdapter>(s.log());
  rc.logger = s.raft_log.get();
  ETCDPP_ASSIGN_OR_RETURN(auto node, raft::RawNode::Create(rc));
  if (!have_wal && s.config.new_cluster) {
    std::vector<raft::Peer> peers;
    for (const auto& m : s.config.initial_members) peers.push_back({m.id, membership::MemberToJson(m)});
    ETCDPP_RETURN_IF_ERROR(node->Bootstrap(peers));
    if (s.log()) {
      s.log()->Info("etcdserver", "starting member " + membership::IdToString(s.config.member_id) +
                                      " in cluster " + membership::IdToString(s.config.cluster_id));
    }
  }
  s.ids = std::make_unique<IdGenerator>(s.config.member_id, NowMs());
  ApplierDeps deps{s.backend.get(), s.kv.get(), s.cluster.get(), &s.waits, s.log(), nullptr, nullptr};
  deps.on_conf_change = [impl = &s, id = s.config.member_id](const raftpb::ConfChange& cc,
                                                               const ConfChangeContext* ctx) {
    Transport* transport = impl->transport;
    if (!transport || cc.node_id() == id) return;
    if (cc.type() == raftpb::ConfChangeRemoveNode) {
      transport->RemovePeer(cc.node_id());
    } else if (cc.type() == raftpb::ConfChangeUpdateNode) {
      if (auto m = impl->cluster->Member(cc.node_id())) transport->UpdatePeer(m->id, m->peer_urls);
    } else if (ctx && !ctx->is_promote) {
      transport->AddPeer(cc.node_id(), ctx->member.peer_urls);
    }
  };
  s.WireMaintenance(deps);
  deps.on_removed = [impl = &s] {
    const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::steady_clock::now().time_since_epoch()).count();
    int64_t none = 0;
    impl->removed_from_ms.compare_exchange_strong(none, now_ms + 1000);
  };
  deps.snapshot_count = s.config.snapshot_count;
  ETCDPP_RETURN_IF_ERROR(s.RecoverV2Store(s.snapshot));
  deps.v2 = s.v2.get();
  deps.snapshot_data = [impl = &s] { return V2SnapshotData(*impl->v2); };
  deps.install_snapshot = [impl = &s](const raftpb::Snapshot& snap) { return impl->InstallSnapshot(snap); };
  deps.leases = s.leases.get();
  deps.on_empty_entry = [impl = &s] {
    if (impl->raft && impl->raft->is_leader()) impl->leases->Promote(impl->config.tick * impl->config.election_ticks);
  };
  s.applier = std::make_unique<Applier>(std::move(deps), ci, s.snapshot);
  s.node = std::move(node);
  return std::unique_ptr<EtcdServer>(new EtcdServer(std::move(impl)));
}

EtcdServer::EtcdServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

EtcdServer::~EtcdServer() { Stop(); }

void EtcdServer::SetTransport(Transport* transport) { impl_->transport = transport; }
void EtcdServer::SetLeaseForwarder(LeaseForwarder* forwarder) { impl_->lease_forwarder = forwarder; }

Status EtcdServer::Start() {
  Impl& s = *impl_;
  if (!s.transport) s.transport = &s.no_peers;
  RaftNodeOptions ro;
  ro.id = s.config.member_id;
  ro.tick = s.config.tick;
  ro.request_timeout = s.request_timeout();
  ro.snapshotter = s.snapshotter.get();
  ro.fs = &s.fs;
  ro.wal_dir = s.config.wal_dir;
  ro.max_snapshots = s.config.max_snapshots;
  ro.max_wals = s.config.max_wals;
  ro.send_snapshot = [&s](raftpb::Message m) { s.QueueSnapshotMessage(std::move(m)); };
  s.raft = std::make_unique<RaftNode>(ro, std::move(s.node), s.storage.get(), s.wal.get(), s.transport,
                                      s.applier.get(), s.log(), [](etcdpp::Status) {});
  s.applier->SetRaftNode(s.raft.get());
  for (const auto& m : s.cluster->Members()) {
    if (m.id != s.config.member_id) s.transport->AddPeer(m.id, m.peer_urls);
  }
  if (s.joining) {
    // Until the log brings the membership, the running members are known from them.
    for (const auto& m : s.config.initial_members) {
      if (m.id != s.config.member_id) s.transport->AddPeer(m.id, m.peer_urls);
    }
  }
  s.applier->Start();
  s.raft->Start();
  s.StartLeases();
  s.timeout_thread = std::thread([&s] { s.RunTimeouts(); });
  s.snapshot_thread = std::thread([&s] { s.RunSnapshotSender(); });
  s.publisher = std::thread([&s] { s.Publish(); });
  s.v2_sync = std::thread([&s] { s.RunV2Sync(); });
  s.StartAutoCompactor();
  return etcdpp::Status();
}

void EtcdServer::Stop() {
  Impl& s = *impl_;
  if (s.stopped.exchange(true)) return;
  if (!s.raft) return;  // never started
  {
    std::lock_guard lock(s.timeout_mu);
    s.timeout_stop = true;
  }
  s.timeout_cv.notify_all();
  if (s.timeout_thread.joinable()) s.timeout_thread.join();
  if (s.v2_sync.joinable()) s.v2_sync.join();
  if (s.lease_loop) s.lease_loop->Stop();
  s.JoinBackground();
  {
    std::lock_guard lock(s.snapshot_mu);
    s.snapshot_stop = true;
  }
  s.snapshot_cv.notify_all();
  if (s.snapshot_thread.joinable()) s.snapshot_thread.join();
  s.waits.FailAll(errors::kStopped.status());  // also releases the publisher
  if (s.publisher.joinable()) s.publisher.join();
  if (s.compactor) s.compactor->Stop();
  s.raft->Stop();
  s.applier->Stop();
  s.waits.FailAll(errors::kStopped.status());
  if (s.wal) s.wal->Close().IgnoreError();
  s.watchable.reset();
  s.kv.reset();
  if (s.backend) s.backend->ForceCommit().IgnoreError();
  s.backend.reset();
}

void EtcdServer::Impl::RunTimeouts() {
  std::unique_lock lock(timeout_mu);
  while (!timeout_stop) {
    timeout_cv.wait_for(lock, std::chrono::milliseconds(100));
    auto now = std::chrono::steady_clock::now();
    std::vector<uint64_t> expired;
    while (!deadlines.empty() && deadlines.begin()->first <= now) {
      expired.push_back(deadlines.begin()->second);
      deadlines.erase(deadlines.begin());
    }
    lock.unlock();
    for (uint64_t id : expired) waits.Trigger(id, ApplyResult{errors::kTimeout.status(), nullptr});
    lock.lock();
  }
}

bool EtcdServer::Impl::RegisterWaiter(uint64_t id, ApplyCallback& done) {
  if (stopped.load()) {
    done(ApplyResult{errors::kStopped.status(), nullptr});
    return false;
  }
  // etcd refuses new work while apply lags far behind commit.
  if (raft->committed_index() > applier->applied_index() + 5000) {
    done(ApplyResult{errors::kTooManyRequests.status(), nullptr});
    return false;
  }
  waits.Register(id, std::move(done));
  std::lock_guard lock(timeout_mu);
  deadlines.emplace(std::chrono::steady_clock::now() + request_timeout(), id);
  return true;
}

void EtcdServer::Impl::ProposeBytes(uint64_t id, std::string data, ApplyCallback done) {
  if (data.size() > config.max_request_bytes) {
    done(ApplyResult{errors::kRequestTooLarge.status(), nullptr});
    return;
  }
  const uint64_t bytes = data.size();
  if (!proposal_budget->TryAcquire(bytes)) {
    done(ApplyResult{errors::kTooManyRequests.status(), nullptr});
    return;
  }
  done = [this, bytes, inner = std::move(done)](ApplyResult r) {
    proposal_budget->Release(bytes);
    inner(std::move(r));
  };
  if (!RegisterWaiter(id, done)) return;
  raft->Propose(std::move(data), [this, id](etcdpp::Status s) {
    // etcd passes "raft proposal dropped" through unmapped (gRPC code Unknown).
    waits.Trigger(id, ApplyResult{Internal(s.message()), nullptr});
  });
}

void EtcdServer::Impl::ProposeV3(etcdserverpb::InternalRaftRequest r, ApplyCallback done) {
  uint64_t id = ids->Next();
  r.mutable_header()->set_id(id);
  ProposeBytes(id, r.SerializeAsString(), std::move(done));
}

void EtcdServer::Impl::Publish() {
  // etcd publishes name and client URLs through raft until it succeeds once.
  etcdserverpb::Request req;
  req.set_method("PUT");
  req.set_path("/0/members/" + membership::IdToString(config.member_id) + "/attributes");
  nlohmann::json attrs;
  attrs["name"] = config.name;
  attrs["clientURLs"] = config.advertise_client_urls;
  req.set_val(attrs.dump());
  for (int attempt = 0; attempt < 100000; ++attempt) {
    {
      std::unique_lock lock(timeout_mu);
      if (timeout_stop) return;
      if (attempt > 0) timeout_cv.wait_for(lock, std::chrono::milliseconds(500));
      if (timeout_stop) return;
    }
    if (raft->leader() == 0) continue;
    req.set_id(ids->Next());
    if (ProposeAndWait(req).ok()) {
      published.store(true);
      if (log()) {
        std::string urls;
        for (const auto& u : config.advertise_client_urls) urls += (urls.empty() ? "" : " ") + u;
        log()->Info("etcdserver", "published {Name:" + config.name + " ClientURLs:[" + urls +
                                      "]} to cluster " + membership::IdToString(config.cluster_id));
      }
      DecideClusterVersion();
      return;
    }
  }
}

void EtcdServer::Step(raftpb::Message message) {
  if (impl_->raft && !impl_->stopped.load()) impl_->raft->Step(std::move(message));
}

void EtcdServer::ReportUnreachable(uint64_t id) {
  if (impl_->raft && !impl_->stopped.load()) impl_->raft->ReportUnreachable(id);
}

std::vector<membership::Member> EtcdServer::Members() const { return impl_->cluster->Members(); }
bool EtcdServer::IsRemoved(uint64_t id) const { return impl_->cluster->IsRemoved(id); }

bool EtcdServer::ready() const { return impl_->published.load(); }
etcdpp::Status EtcdServer::Impl::ProposeAndWait(const etcdserverpb::Request& req) {
  // Only the publisher thread blocks here; every waiter is completed by apply, a drop, a
  // timeout or Stop's FailAll, so the wait ends.
  auto promise = std::make_shared<std::promise<etcdpp::Status>>();
  auto future = promise->get_future();
  ProposeBytes(req.id(), req.SerializeAsString(), [promise](ApplyResult r) { promise->set_value(r.status); });
  return future.get();
}

void EtcdServer::Impl::DecideClusterVersion() {
  // A new cluster's leader records the version every member of ours speaks.
  if (!raft->is_leader() || !cluster->version().empty()) return;
  etcdserverpb::Request req;
  req.set_id(ids->Next());
  req.set_method("PUT");
  req.set_path("/0/version");
  req.set_val("3.4.0");
  if (ProposeAndWait(req).ok() && log()) {
    log()->Notice("etcdserver/membership", "set the initial cluster version to 3.4");
    log()->Info("etcdserver/api", "enabled capabilities for version 3.4");
  }
}

uint64_t EtcdServer::member_id() const { return impl_->config.member_id; }
uint64_t EtcdServer::cluster_id() const { return impl_->cluster->id(); }
uint64_t EtcdServer::leader() const { return impl_->raft ? impl_->raft->leader() : 0; }
std::string EtcdServer::cluster_version() const { return impl_->cluster->version(); }

std::unique_ptr<mvcc::WatchStream> EtcdServer::NewWatchStream() { return impl_->watchable->NewStream(); }

void EtcdServer::FillHeader(etcdserverpb::ResponseHeader* header) const {
  header->set_cluster_id(cluster_id());
  header->set_member_id(member_id());
  header->set_raft_term(impl_->raft ? impl_->raft->term() : 0);
  if (header->revision() == 0) header->set_revision(impl_->kv->Rev());
}

}  // namespace etcdpp::server
