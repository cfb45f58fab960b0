#include "server/raft_node.h"

#include <algorithm>

#include "membership/member.h"
#include "server/errors.h"
#include "wal/wal_dir.h"

namespace etcdpp::server {
namespace {

using Clock = std::chrono::steady_clock;

bool IsEmptyHardState(const raftpb::HardState& hs) {
  return hs.term() == 0 && hs.vote() == 0 && hs.commit() == 0;
}

std::string EncodeReadCtx(uint64_t n) {
  std::string ctx(8, '\0');
  for (int i = 0; i < 8; ++i) ctx[i] = static_cast<char>(n >> (56 - 8 * i));
  return ctx;
}

}  // namespace

RaftNode::RaftNode(RaftNodeOptions options, std::unique_ptr<raft::RawNode> node,
                   TailStorage* storage, wal::Wal* wal, Transport* transport,
                   ApplySink* apply, Logger* logger, std::function<void(Status)> on_fatal)
    : options_(options),
      node_(std::move(node)),
      storage_(storage),
      wal_(wal),
      transport_(transport),
      apply_(apply),
      logger_(logger),
      on_fatal_(std::move(on_fatal)) {
  term_ = storage_->hard_state().term();
  committed_ = storage_->hard_state().commit();
}

RaftNode::~RaftNode() { Stop(); }

void RaftNode::Start() { thread_ = std::thread([this] { Run(); }); }

void RaftNode::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  // Reads still waiting will never be answered now.
  std::vector<PendingRead> waiting;
  {
    std::lock_guard lock(mu_);
    waiting.swap(reads_waiting_);
  }
  for (auto& r : waiting) r.done(errors::kStopped.status());
  for (auto& [ctx, round] : reads_in_flight_) {
    for (auto& r : round.reads) r.done(errors::kStopped.status());
  }
  reads_in_flight_.clear();
}

void RaftNode::Propose(std::string data, FailureCallback on_failed) {
  {
    std::lock_guard lock(mu_);
    inbox_.emplace_back(ProposeItem{std::move(data), std::move(on_failed)});
  }
  cv_.notify_all();
}

void RaftNode::ProposeConfChange(raftpb::ConfChange cc, FailureCallback on_failed) {
  {
    std::lock_guard lock(mu_);
    inbox_.emplace_back(ConfChangeItem{std::move(cc), std::move(on_failed)});
  }
  cv_.notify_all();
}

void RaftNode::ReadIndex(ReadCallback done) {
  {
    std::lock_guard lock(mu_);
    reads_waiting_.push_back(PendingRead{std::move(done), Clock::now() + options_.request_timeout});
  }
  cv_.notify_all();
}

void RaftNode::Step(raftpb::Message message) {
  {
    std::lock_guard lock(mu_);
    inbox_.emplace_back(std::move(message));
  }
  cv_.notify_all();
}

void RaftNode::TransferLeadership(uint64_t transferee) {
  {
    std::lock_guard lock(mu_);
    inbox_.emplace_back(TransferItem{transferee});
  }
  cv_.notify_all();
}

void RaftNode::Inspect(std::function<void(const raft::RawNode&)> fn) {
  {
    std::lock_guard lock(mu_);
    inbox_.emplace_back(InspectItem{std::move(fn)});
  }
  cv_.notify_all();
}

void RaftNode::ReportUnreachable(uint64_t id) {
  std::lock_guard lock(mu_);
  inbox_.emplace_back(UnreachableItem{id});
}

void RaftNode::ReportSnapshot(uint64_t id, bool succeeded) {
  {
    std::lock_guard lock(mu_);
    inbox_.emplace_back(SnapshotReportItem{id, succeeded});
  }
  cv_.notify_all();
}

void RaftNode::CreateSnapshot(uint64_t index, raftpb::ConfState conf_state, std::string data) {
  {
    std::lock_guard lock(mu_);
    inbox_.emplace_back(CreateSnapshotItem{index, std::move(conf_state), std::move(data)});
  }
  cv_.notify_all();
}

Status RaftNode::SaveSnapshotFiles(const raftpb::Snapshot& snapshot) {
  // The .snap file first: a WAL snapshot record must always have its file.
  if (options_.snapshotter) ETCDPP_RETURN_IF_ERROR(options_.snapshotter->SaveSnap(snapshot));
  walpb::Snapshot position;
  position.set_index(snapshot.metadata().index());
  position.set_term(snapshot.metadata().term());
  ETCDPP_RETURN_IF_ERROR(wal_->SaveSnapshot(position));
  return wal_->ReleaseLockTo(snapshot.metadata().index());
}

void RaftNode::MakeSnapshot(CreateSnapshotItem& item) {
  Result<raftpb::Snapshot> snap = storage_->CreateSnapshot(item.index, &item.conf_state, std::move(item.data));
  if (!snap.ok()) return;  // out of date: a newer snapshot (maybe received) is in place
  if (Status s = SaveSnapshotFiles(*snap); !s.ok()) return Fatal(s);
  if (logger_) logger_->Info("etcdserver", "saved snapshot at index " + std::to_string(item.index));
  if (item.index > options_.catch_up_entries) {
    const uint64_t compact_to = item.index - options_.catch_up_entries;
    Result<uint64_t> first = storage_->FirstIndex();
    if (first.ok() && compact_to > *first && storage_->Compact(compact_to).ok() && logger_) {
      logger_->Info("etcdserver", "compacted raft log at " + std::to_string(compact_to));
    }
  }
  PurgeFiles();
}

void RaftNode::PurgeFiles() {
  if (!options_.snapshotter || !options_.fs) return;
  std::vector<std::string> removed;
  options_.snapshotter->PurgeSnapFiles(options_.max_snapshots, &removed).IgnoreError();
  wal::PurgeSegments(*options_.fs, options_.wal_dir, options_.max_wals, &removed).IgnoreError();
  if (!logger_) return;
  for (const auto& path : removed) logger_->Info("fileutil", "purged file " + path + " successfully");
}

void RaftNode::SendMessages(std::vector<raftpb::Message>& messages) {
  std::vector<raftpb::Message> rest;
  rest.reserve(messages.size());
  for (auto& m : messages) {
    if (m.type() != raftpb::MsgSnap) {
      rest.push_back(std::move(m));
    } else if (options_.send_snapshot) {
      options_.send_snapshot(std::move(m));
    } else {
      node_->ReportSnapshot(m.to(), raft::SnapshotStatus::kFailure);
    }
  }
  if (!rest.empty()) transport_->Send(std::move(rest));
}

raftpb::ConfState RaftNode::ApplyConfChange(const raftpb::ConfChange& cc) {
  ConfChangeRequest req{cc, {}, false};
  std::unique_lock lock(mu_);
  conf_requests_.push_back(&req);
  cv_.notify_all();
  cv_.wait(lock, [&] { return req.done || stop_; });
  return req.result;
}

void RaftNode::ConfChangeTaskApplied() {
  std::lock_guard lock(mu_);
  conf_task_applied_ = true;
  cv_.notify_all();
}

void RaftNode::WaitConfChangeTask() {
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return stop_ || conf_task_applied_ || !conf_requests_.empty(); });
    while (!conf_requests_.empty()) {
      ConfChangeRequest* req = conf_requests_.front();
      conf_requests_.pop_front();
      req->result = node_->ApplyConfChange(req->cc);
      req->done = true;
    }
    cv_.notify_all();
    if (conf_task_applied_ || stop_) break;
  }
  conf_task_applied_ = false;
}

void RaftNode::Run() {
  auto next_tick = Clock::now() + options_.tick;
  std::vector<Item> batch;
  std::vector<PendingRead> new_reads;
  while (true) {
    {
      std::unique_lock lock(mu_);
      cv_.wait_until(lock, next_tick, [&] { return stop_ || !inbox_.empty() || !reads_waiting_.empty(); });
      if (stop_) return;
      batch.swap(inbox_);
      new_reads.swap(reads_waiting_);
    }
    HandleBatch(batch);
    batch.clear();
    if (!new_reads.empty()) {
      auto& round = reads_in_flight_[EncodeReadCtx(next_read_ctx_)];
      round.sent = Clock::now();
      for (auto& r : new_reads) round.reads.push_back(std::move(r));
      new_reads.clear();
      IssueReadIndex();
    }
    auto now = Clock::now();
    for (int i = 0; now >= next_tick && i < 10; ++i) {  // bounded catch-up after a stall
      node_->Tick();
      next_tick += options_.tick;
    }
    if (now >= next_tick) next_tick = now + options_.tick;
    ExpireReads(now);
    RetryReads(now);
    for (int i = 0; node_->HasReady() && !fatal_ && i < 64; ++i) {
      if (!ProcessReady()) break;
    }
    if (fatal_) return;
  }
}

void RaftNode::HandleBatch(std::vector<Item>& items) {
  // Consecutive proposals go to raft as one batch: one append and one broadcast for all
  // the requests that arrived since the last turn.
  std::vector<std::string> data;
  std::vector<FailureCallback> on_failed;
  auto flush = [&] {
    if (data.empty()) return;
    Status s = node_->ProposeBatch(std::move(data));
    if (!s.ok()) {
      for (auto& cb : on_failed) {
        if (cb) cb(s);
      }
    }
    data.clear();
    on_failed.clear();
  };
  for (auto& item : items) {
    if (auto* p = std::get_if<ProposeItem>(&item)) {
      data.push_back(std::move(p->data));
      on_failed.push_back(std::move(p->on_failed));
      continue;
    }
    flush();
    Handle(item);
  }
  flush();
}

void RaftNode::Handle(Item& item) {
  if (auto* c = std::get_if<ConfChangeItem>(&item)) {
    Status s = node_->ProposeConfChange(c->cc);
    if (!s.ok() && c->on_failed) c->on_failed(s);
  } else if (auto* m = std::get_if<raftpb::Message>(&item)) {
    node_->Step(std::move(*m)).IgnoreError();  // stale or foreign messages are dropped
  } else if (auto* t = std::get_if<TransferItem>(&item)) {
    node_->TransferLeader(t->transferee);
  } else if (auto* u = std::get_if<UnreachableItem>(&item)) {
    node_->ReportUnreachable(u->id);
  } else if (auto* r = std::get_if<SnapshotReportItem>(&item)) {
    node_->ReportSnapshot(r->id, r->ok ? raft::SnapshotStatus::kFinish : raft::SnapshotStatus::kFailure);
  } else if (auto* c = std::get_if<CreateSnapshotItem>(&item)) {
    MakeSnapshot(*c);
  } else if (auto* i = std::get_if<InspectItem>(&item)) {
    i->fn(*node_);
  }
}

void RaftNode::IssueReadIndex() {
  // One read-index round serves every read that arrived since the last one.
  node_->ReadIndex(EncodeReadCtx(next_read_ctx_));
  ++next_read_ctx_;
}

void RaftNode::HandleReadStates(const std::vector<raft::ReadState>& states) {
  for (const auto& rs : states) {
    auto it = reads_in_flight_.find(rs.request_ctx);
    if (it == reads_in_flight_.end()) continue;
    for (auto& r : it->second.reads) r.done(rs.index);
    reads_in_flight_.erase(it);
  }
}

void RaftNode::ExpireReads(Clock::time_point now) {
  for (auto it = reads_in_flight_.begin(); it != reads_in_flight_.end();) {
    auto& reads = it->second.reads;
    auto expired = std::stable_partition(reads.begin(), reads.end(),
                                         [&](const PendingRead& r) { return r.deadline > now; });
    for (auto e = expired; e != reads.end(); ++e) e->done(errors::kTimeout.status());
    reads.erase(expired, reads.end());
    if (reads.empty()) {
      it = reads_in_flight_.erase(it);
    } else {
      ++it;
    }
  }
}

void RaftNode::RetryReads(Clock::time_point now) {
  // etcd 3.5 asks again after 500 ms (readIndexRetryTime); without a leader raft would
  // drop the request, and a new leader gets every round asked again anyway.
  constexpr auto kRetryAfter = std::chrono::milliseconds(500);
  if (leader_.load(std::memory_order_acquire) == 0) return;
  for (auto& [ctx, round] : reads_in_flight_) {
    if (now - round.sent < kRetryAfter) continue;
    node_->ReadIndex(ctx);
    round.sent = now;
  }
}

bool RaftNode::ProcessReady() {
  raft::Ready rd = node_->GetReady();
  if (rd.soft_state) {
    uint64_t old_leader = leader_.exchange(rd.soft_state->lead, std::memory_order_acq_rel);
    if (old_leader != rd.soft_state->lead && logger_) {
      if (rd.soft_state->lead == 0) {
        logger_->Info("raft", "raft.node: " + membership::IdToString(options_.id) + " lost leader " +
                                  membership::IdToString(old_leader) + " at term " +
                                  std::to_string(node_->raft().term()));
      } else {
        logger_->Info("raft", "raft.node: " + membership::IdToString(options_.id) + " elected leader " +
                                  membership::IdToString(rd.soft_state->lead) + " at term " +
                                  std::to_string(node_->raft().term()));
        // Without a leader raft dropped the read-index requests; ask the new one.
        for (auto& [ctx, round] : reads_in_flight_) {
          node_->ReadIndex(ctx);
          round.sent = Clock::now();
        }
      }
    }
  }
  const bool leader = node_->raft().state() == raft::StateType::kLeader;
  if (leader && !rd.messages.empty()) SendMessages(rd.messages);  // parallel to our fsync
  if (rd.snapshot.metadata().index() > 0) {
    if (Status s = SaveSnapshotFiles(rd.snapshot); !s.ok()) return Fatal(s), false;
  }
  if (!IsEmptyHardState(rd.hard_state) || !rd.entries.empty()) {
    if (Status s = wal_->Save(rd.hard_state, rd.entries); !s.ok()) return Fatal(s), false;
  }
  if (!IsEmptyHardState(rd.hard_state)) {
    storage_->SetHardState(rd.hard_state);
    term_.store(rd.hard_state.term(), std::memory_order_release);
    committed_.store(rd.hard_state.commit(), std::memory_order_release);
  }
  if (rd.snapshot.metadata().index() > 0) storage_->ApplySnapshot(rd.snapshot).IgnoreError();
  if (!rd.entries.empty()) {
    if (Status s = storage_->Append(rd.entries); !s.ok()) return Fatal(s), false;
  }
  if (!leader && !rd.messages.empty()) SendMessages(rd.messages);
  if (!rd.read_states.empty()) HandleReadStates(rd.read_states);
  if (!rd.committed_entries.empty() || rd.snapshot.metadata().index() > 0) {
    ApplyTask task;
    task.term = node_->raft().term();
    task.snapshot = rd.snapshot;
    for (const auto& e : rd.committed_entries) {
      if (e.type() == raftpb::EntryConfChange) task.has_conf_change = true;
    }
    task.entries.assign(rd.committed_entries.begin(), rd.committed_entries.end());
    const bool wait = task.has_conf_change;
    const uint64_t handed = task.entries.empty() ? 0 : task.entries.back().index();
    apply_->Apply(std::move(task));
    storage_->MarkHandedToApply(handed);
    if (wait) WaitConfChangeTask();
  }
  node_->Advance(rd);
  return true;
}

void RaftNode::Fatal(Status s) {
  fatal_ = true;
  if (logger_) logger_->Fatal("etcdserver", "failed to write to the WAL: " + s.ToString());
  if (on_fatal_) on_fatal_(s);
}

}  // namespace etcdpp::server
