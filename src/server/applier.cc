#include "server/applier.h"

#include <nlohmann/json.hpp>

#include "backend/meta.h"
#include "mvcc/errors.h"
#include "server/errors.h"
#include "server/kv_convert.h"

namespace etcdpp::server {
namespace {

// How many Ready batches may wait for the apply thread before the raft thread blocks.
constexpr size_t kMaxQueuedTasks = 64;

template <typename Resp>
ApplyResult Ok(std::unique_ptr<Resp> resp) {
  return ApplyResult{Status(), std::move(resp)};
}

}  // namespace

Applier::Applier(ApplierDeps deps, backend::ConsistentIndex start, const raftpb::Snapshot& snapshot)
    : deps_(std::move(deps)),
      consistent_(start),
      conf_state_(snapshot.metadata().conf_state()),
      snapshot_index_(snapshot.metadata().index()) {
  const bool snapshot_newer = snapshot.metadata().index() > start.index;
  applied_index_ = snapshot_newer ? snapshot.metadata().index() : start.index;
  applied_term_ = snapshot_newer ? snapshot.metadata().term() : start.term;
  published_ = AppliedState{applied_index_.load(), applied_term_.load(), conf_state_};
}

Applier::~Applier() { Stop(); }

void Applier::Start() { thread_ = std::thread([this] { Run(); }); }

void Applier::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Applier::Apply(ApplyTask task) {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return stop_ || queue_.size() < kMaxQueuedTasks; });
  if (stop_) {
    // Nobody will apply it; let a raft thread waiting on a conf change move on.
    if (task.has_conf_change && raft_) {
      lock.unlock();
      raft_->ConfChangeTaskApplied();
    }
    return;
  }
  queue_.push_back(std::move(task));
  cv_.notify_all();
}

void Applier::WaitApplied(uint64_t index, std::function<void()> fn) {
  {
    std::lock_guard lock(mu_);
    if (applied_index_.load(std::memory_order_acquire) < index) {
      waiters_.emplace(index, std::move(fn));
      return;
    }
  }
  fn();
}

void Applier::Run() {
  while (true) {
    ApplyTask task;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      if (stop_) return;
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    cv_.notify_all();  // room in the queue for the raft thread
    ApplyTaskNow(task);
  }
}

void Applier::ApplyTaskNow(ApplyTask& task) {
  std::unique_lock task_lock(task_mu_);
  if (task.snapshot.metadata().index() > applied_index_.load()) InstallSnapshot(task.snapshot);
  for (const auto& e : task.entries) {
    if (e.type() == raftpb::EntryConfChange) {
      ApplyConfChange(e);
    } else {
      ApplyNormal(e, task.term);
    }
    applied_term_.store(e.term(), std::memory_order_release);
    applied_index_.store(e.index(), std::memory_order_release);
  }
  if (task.has_conf_change && raft_) raft_->ConfChangeTaskApplied();
  {
    std::lock_guard lock(state_mu_);
    published_ = AppliedState{applied_index_.load(), applied_term_.load(), conf_state_};
  }
  task_lock.unlock();
  RunReadyWaiters();
  MaybeSnapshot();
}

Applier::AppliedState Applier::applied_state() const {
  std::lock_guard lock(state_mu_);
  return published_;
}

Applier::AppliedState Applier::applied_state_with_data(std::string* data) const {
  std::lock_guard task_lock(task_mu_);
  if (data) *data = deps_.snapshot_data ? deps_.snapshot_data() : std::string();
  return applied_state();
}

void Applier::InstallSnapshot(const raftpb::Snapshot& snapshot) {
  const uint64_t index = snapshot.metadata().index();
  Logger* log = deps_.logger;
  if (log) log->Info("etcdserver", "applying snapshot at index " + std::to_string(snapshot_index_) + "...");
  ETCDPP_CHECK(deps_.install_snapshot, "a raft snapshot arrived with no way to install it");
  Result<backend::ConsistentIndex> ci = deps_.install_snapshot(snapshot);
  ETCDPP_CHECK(ci.ok(), "failed to install the snapshot at index " + std::to_string(index) + ": " +
                            ci.status().ToString());
  consistent_ = *ci;
  conf_state_ = snapshot.metadata().conf_state();
  snapshot_index_ = index;
  applied_term_.store(snapshot.metadata().term(), std::memory_order_release);
  applied_index_.store(index, std::memory_order_release);
  if (log) log->Info("etcdserver", "finished applying incoming snapshot at index " + std::to_string(index));
}

void Applier::MaybeSnapshot() {
  const uint64_t applied = applied_index_.load();
  if (!raft_ || deps_.snapshot_count == 0 || applied - snapshot_index_ <= deps_.snapshot_count) return;
  if (deps_.logger) {
    deps_.logger->Info("etcdserver", "start to snapshot (applied: " + std::to_string(applied) +
                                         ", lastsnap: " + std::to_string(snapshot_index_) + ")");
  }
  // The backend must hold everything up to the snapshot durably before the WAL entries
  // the snapshot covers may be released.
  if (Status s = deps_.backend->ForceCommit(); !s.ok()) {
    if (deps_.logger) deps_.logger->Error("etcdserver", "failed to commit the backend before a snapshot: " + s.ToString());
    return;
  }
  raft_->CreateSnapshot(applied, conf_state_, deps_.snapshot_data ? deps_.snapshot_data() : std::string());
  snapshot_index_ = applied;
}

void Applier::RunReadyWaiters() {
  std::vector<std::function<void()>> ready;
  {
    std::lock_guard lock(mu_);
    auto end = waiters_.upper_bound(applied_index_.load());
    for (auto it = waiters_.begin(); it != end; ++it) ready.push_back(std::move(it->second));
    waiters_.erase(waiters_.begin(), end);
  }
  for (auto& fn : ready) fn();
}

void Applier::MarkApplied(uint64_t index, uint64_t term) {
  backend::BatchTx tx = deps_.backend->BeginWrite();
  backend::WriteConsistentIndex(tx, {index, term});
  tx.End();
}

void Applier::ApplyNormal(const raftpb::Entry& e, uint64_t) {
  // At or below the consistent index the entry's backend effects are there already; only
  // the in-memory v2 store, rebuilt from the snapshot at start, takes it again.
  const bool replayed = e.index() <= consistent_.index;
  if (e.data().empty()) {  // a new leader's empty entry
    if (replayed) return;
    MarkApplied(e.index(), e.term());
    if (deps_.on_empty_entry) deps_.on_empty_entry();
    return;
  }
  etcdserverpb::InternalRaftRequest r;
  if (r.ParseFromString(e.data()) && (r.has_header() || r.id() != 0) && !r.has_v2()) {
    if (replayed) return;
    deps_.kv->SetConsistentIndex({e.index(), e.term()});
    const int64_t rev_before = deps_.kv->Rev();
    ApplyResult result = ApplyV3Guarded(r, e.index(), e.term());
    if (deps_.kv->Rev() == rev_before) MarkApplied(e.index(), e.term());
    uint64_t id = r.has_header() ? r.header().id() : r.id();
    if (DeferAnswer(id, r, result)) return;
    deps_.waits->Trigger(id, std::move(result));
    return;
  }
  // etcd proposes v2 requests (member attributes, cluster version) as a bare Request,
  // whose bytes may also parse as an InternalRaftRequest carrying a garbled v2 field.
  etcdserverpb::Request v2;
  if (!v2.ParseFromString(e.data()) || v2.method().empty()) {
    v2 = r.v2();
  }
  if (v2.method().empty()) {
    if (replayed) return;
    if (deps_.logger) deps_.logger->Error("etcdserver", "unreadable entry at index " + std::to_string(e.index()));
    MarkApplied(e.index(), e.term());
    return;
  }
  ApplyV2Entry(v2, e, replayed);
}

void Applier::ApplyV2(const etcdserverpb::Request& r) {
  // etcd publishes membership attributes and the cluster version as v2 writes under /0.
  const std::string& path = r.path();
  const std::string members_prefix = "/0/members/";
  const std::string attrs_suffix = "/attributes";
  if (r.method() == "PUT" && path.rfind(members_prefix, 0) == 0 && path.size() > members_prefix.size() + attrs_suffix.size() &&
      path.compare(path.size() - attrs_suffix.size(), attrs_suffix.size(), attrs_suffix) == 0) {
    auto id = membership::ParseId(path.substr(members_prefix.size(), path.size() - members_prefix.size() - attrs_suffix.size()));
    auto j = nlohmann::json::parse(r.val(), nullptr, false);
    if (!id.ok() || j.is_discarded()) return;
    std::string name = j.value("name", "");
    std::vector<std::string> urls;
    if (auto it = j.find("clientURLs"); it != j.end() && it->is_array()) {
      for (const auto& u : *it) {
        if (u.is_string()) urls.push_back(u.get<std::string>());
      }
    }
    backend::BatchTx tx = deps_.backend->BeginWrite();
    deps_.cluster->UpdateAttributes(tx, *id, name, urls);
    tx.End();
  } else if (r.method() == "PUT" && path == "/0/version") {
    backend::BatchTx tx = deps_.backend->BeginWrite();
    deps_.cluster->SetVersion(tx, r.val());
    tx.End();
  }
}

ApplyResult Applier::ApplyV3(const etcdserverpb::InternalRaftRequest& r) {
  auto& kv = *deps_.kv;
  if (r.has_put()) {
    auto res = kv.Put(FromPb(r.put()));
    if (!res.ok()) return ApplyResult{MvccToClientError(res.status()), nullptr};
    auto resp = std::make_unique<etcdserverpb::PutResponse>();
    ToPb(*res, resp.get());
    resp->mutable_header()->set_revision(res->revision);
    return Ok(std::move(resp));
  }
  if (r.has_delete_range()) {
    auto res = kv.DeleteRange(FromPb(r.delete_range()));
    if (!res.ok()) return ApplyResult{MvccToClientError(res.status()), nullptr};
    auto resp = std::make_unique<etcdserverpb::DeleteRangeResponse>();
    ToPb(*res, resp.get());
    resp->mutable_header()->set_revision(res->revision);
    return Ok(std::move(resp));
  }
  if (r.has_txn()) {
    auto res = kv.Txn(FromPb(r.txn()));
    if (!res.ok()) return ApplyResult{MvccToClientError(res.status()), nullptr};
    auto resp = std::make_unique<etcdserverpb::TxnResponse>();
    ToPb(*res, resp.get());
    resp->mutable_header()->set_revision(res->revision);
    return Ok(std::move(resp));
  }
  if (r.has_range()) {
    auto res = kv.Range(FromPb(r.range()));
    if (!res.ok()) return ApplyResult{MvccToClientError(res.status()), nullptr};
    auto resp = std::make_unique<etcdserverpb::RangeResponse>();
    ToPb(*res, resp.get());
    resp->mutable_header()->set_revision(res->revision);
    return Ok(std::move(resp));
  }
  if (r.has_compaction()) {
    Status s = kv.Compact(r.compaction().revision());
    if (!s.ok()) return ApplyResult{MvccToClientError(s), nullptr};
    // A physical compaction's requester waits (DeferAnswer), never the apply thread.
    auto resp = std::make_unique<etcdserverpb::CompactionResponse>();
    resp->mutable_header()->set_revision(kv.Rev());
    return Ok(std::move(resp));
  }
  if (deps_.leases) {
    if (r.has_lease_grant()) return deps_.leases->ApplyGrant(r.lease_grant());
    if (r.has_lease_revoke()) return deps_.leases->ApplyRevoke(r.lease_revoke());
    if (r.has_lease_checkpoint()) return deps_.leases->ApplyCheckpoint(r.lease_checkpoint());
  }
  return ApplyResult{Unimplemented("etcdserver: unknown method"), nullptr};
}

void Applier::ApplyConfChange(const raftpb::Entry& e) {
  raftpb::ConfChange cc;
  if (!cc.ParseFromString(e.data())) return;
  if (e.index() <= consistent_.index) {
    // Replayed: validated when first applied; raft's configuration needs it again, and
    // so does the v2 store.
    if (raft_) conf_state_ = raft_->ApplyConfChange(cc);
    // An add refused when first applied never made its ID a member (then or since).
    const bool refused_add = (cc.type() == raftpb::ConfChangeAddNode || cc.type() == raftpb::ConfChangeAddLearnerNode) &&
                             !deps_.cluster->Member(cc.node_id()) && !deps_.cluster->IsRemoved(cc.node_id());
    std::optional<ConfChangeContext> ctx;
    if (auto parsed = ConfChangeContextFromJson(cc.context()); parsed.ok()) ctx = *parsed;
    if (!refused_add) MirrorConfChange(cc, ctx ? &*ctx : nullptr);
    return;
  }
  if (Status v = deps_.cluster->ValidateConfChange(cc); !v.ok()) {
    raftpb::ConfChange noop = cc;
    noop.set_node_id(0);
    if (raft_) conf_state_ = raft_->ApplyConfChange(noop);
    MarkApplied(e.index(), e.term());
    deps_.waits->Trigger(cc.id(), ApplyResult{v, nullptr});
    return;
  }
  if (raft_) conf_state_ = raft_->ApplyConfChange(cc);
  std::optional<ConfChangeContext> ctx;
  backend::BatchTx tx = deps_.backend->BeginWrite();
  switch (cc.type()) {
    case raftpb::ConfChangeAddNode:
    case raftpb::ConfChangeAddLearnerNode:
      if (auto parsed = ConfChangeContextFromJson(cc.context()); parsed.ok()) {
        ctx = *parsed;
        if (ctx->is_promote) {
          deps_.cluster->PromoteMember(tx, cc.node_id());
        } else {
          deps_.cluster->AddMember(tx, ctx->member);
        }
      }
      break;
    case raftpb::ConfChangeRemoveNode:
      deps_.cluster->RemoveMember(tx, cc.node_id());
      break;
    case raftpb::ConfChangeUpdateNode:
      if (auto m = membership::MemberFromJson(cc.context()); m.ok()) {
        deps_.cluster->UpdatePeerUrls(tx, cc.node_id(), m->peer_urls);
      }
      break;
    default:
      break;
  }
  backend::WriteConsistentIndex(tx, {e.index(), e.term()});
  tx.End();
  MirrorConfChange(cc, ctx ? &*ctx : nullptr);
  if (deps_.on_conf_change) deps_.on_conf_change(cc, ctx ? &*ctx : nullptr);
  deps_.waits->Trigger(cc.id(), ApplyResult{});
  if (cc.type() == raftpb::ConfChangeRemoveNode && cc.node_id() == deps_.cluster->local_id() &&
      deps_.on_removed) {
    deps_.on_removed();
  }
}

}  // namespace etcdpp::server
