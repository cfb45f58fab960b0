// Applier: the apply thread (DESIGN.md §4). It takes committed entries from the raft
// thread in order and applies each to the state machines — v3 requests to the KV store,
// conf changes to the membership (and to raft), v2 requests to the v2 store (etcd also
// publishes member attributes and the cluster version that way) — writing
// consistent_index with the effects
// so that replay after a crash skips exactly what was applied. Each result completes the
// proposal's waiter.
//
// Threads: Apply() is called by the raft thread (blocks while the queue is full, which
// pushes back on raft); WaitApplied() from any thread; everything else runs on the apply
// thread it owns.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include "backend/backend.h"
#include "base/log.h"
#include "etcdserverpb/etcdserver.pb.h"
#include "etcdserverpb/raft_internal.pb.h"
#include "mvcc/kv_store.h"
#include "server/alarm_store.h"
#include "server/cluster.h"
#include "server/lease_keeper.h"
#include "server/quota.h"
#include "server/raft_node.h"
#include "server/wait.h"
#include "v2store/store.h"

namespace etcdpp::server {

struct ApplierDeps {
  backend::Backend* backend = nullptr;
  mvcc::KvStore* kv = nullptr;
  Cluster* cluster = nullptr;
  WaitRegistry* waits = nullptr;
  Logger* logger = nullptr;
  // Called on the apply thread when a conf change removed this member.
  std::function<void()> on_removed;
  // Called on the apply thread after each membership change (the transport learns peers).
  std::function<void(const raftpb::ConfChange&, const ConfChangeContext*)> on_conf_change;
  // Lease requests go here (null: refused as unknown).
  LeaseKeeper* leases = nullptr;
  // Called on the apply thread for each new leader's empty entry (the lessor's promotion).
  std::function<void()> on_empty_entry;
  // Alarms and the space quota (applier_guard.cc); null: no alarms, no quota.
  AlarmStore* alarms = nullptr;
  const BackendQuota* quota = nullptr;
  // Called on the apply thread when an entry failed for lack of space and no NOSPACE alarm
  // is raised yet: raises it through raft, then answers waiter `id` with `result`.
  std::function<void(uint64_t id, std::shared_ptr<ApplyResult> result)> on_no_space;
  // A snapshot is made every snapshot_count applied entries (0: never); its data.
  uint64_t snapshot_count = 0;
  std::function<std::string()> snapshot_data;
  // Installs the backend received with a raft snapshot and reloads every state machine
  // from it; returns the new backend's consistent index. Failure is fatal (as etcd).
  std::function<Result<backend::ConsistentIndex>(const raftpb::Snapshot&)> install_snapshot;
  // The v2 store (applier_v2.cc): every v2 request and membership change is applied to it,
  // replayed entries too (it is rebuilt from the snapshot at each start). Null: none.
  v2store::Store* v2 = nullptr;
};

class Applier final : public ApplySink {
 public:
  // `start`: the backend's consistent index; `snapshot`: the newest raft snapshot (empty
  // for none), whose configuration is in force until the next conf change.
  Applier(ApplierDeps deps, backend::ConsistentIndex start, const raftpb::Snapshot& snapshot);
  ~Applier() override;  // Stop()s

  void SetRaftNode(RaftNode* node) { raft_ = node; }
  void Start();
  void Stop();

  void Apply(ApplyTask task) override;
  // Runs `fn` on the apply thread once everything up to `index` is applied (at once, on
  // the calling thread, if it already is).
  void WaitApplied(uint64_t index, std::function<void()> fn);

  uint64_t applied_index() const { return applied_index_.load(std::memory_order_acquire); }
  // Index, term and configuration as of the last whole task applied (any thread): what a
  // snapshot of the state as it is now must carry.
  struct AppliedState {
    uint64_t index = 0;
    uint64_t term = 0;
    raftpb::ConfState conf_state;
  };
  AppliedState applied_state() const;
  // The applied state together with snapshot_data() taken at exactly that state (any
  // thread; waits for the task being applied to finish).
  AppliedState applied_state_with_data(std::string* data) const;
  uint64_t applied_term() const { return applied_term_.load(std::memory_order_acquire); }

 private:
  void Run();
  void ApplyTaskNow(ApplyTask& task);
  void InstallSnapshot(const raftpb::Snapshot& snapshot);
  void MaybeSnapshot();
  void ApplyNormal(const raftpb::Entry& e, uint64_t term);
  void ApplyConfChange(const raftpb::Entry& e);
  void ApplyV2(const etcdserverpb::Request& r);
  // applier_v2.cc: a v2 request into the v2 store (and, unless replayed, the membership),
  // answering its waiter with the event or the store's error.
  void ApplyV2Entry(const etcdserverpb::Request& r, const raftpb::Entry& e, bool replayed);
  // Writes a membership change into the v2 store's /0 tree as etcd does.
  void MirrorConfChange(const raftpb::ConfChange& cc, const ConfChangeContext* ctx);
  ApplyResult ApplyV3(const etcdserverpb::InternalRaftRequest& r);
  // ApplyV3 behind etcd's alarm and quota appliers, plus the alarm request itself
  // (applier_guard.cc).
  ApplyResult ApplyV3Guarded(const etcdserverpb::InternalRaftRequest& r, uint64_t index, uint64_t term);
  ApplyResult ApplyAlarm(const etcdserverpb::AlarmRequest& r, uint64_t index, uint64_t term);
  // Answers waiter `id` later instead of now when the result must wait (a physical
  // compaction, a NOSPACE alarm to raise first); true if it took the result.
  bool DeferAnswer(uint64_t id, const etcdserverpb::InternalRaftRequest& r, ApplyResult& result);
  // Writes the consistent index for an entry that changed nothing in mvcc.
  void MarkApplied(uint64_t index, uint64_t term);
  void RunReadyWaiters();

  ApplierDeps deps_;
  RaftNode* raft_ = nullptr;
  backend::ConsistentIndex consistent_;  // apply thread: the backend's, at open
  raftpb::ConfState conf_state_;         // apply thread: as of the applied index
  uint64_t snapshot_index_ = 0;          // apply thread: of the newest snapshot

  std::mutex mu_;  // guards queue_, stop_ and waiters_
  std::condition_variable cv_;
  std::deque<ApplyTask> queue_;
  bool stop_ = false;
  std::multimap<uint64_t, std::function<void()>> waiters_;

  mutable std::mutex task_mu_;   // held while a task is applied: the state stays whole
  mutable std::mutex state_mu_;  // guards published_
  AppliedState published_;
  std::atomic<uint64_t> applied_index_{0};
  std::atomic<uint64_t> applied_term_{0};
  std::thread thread_;
};

}  // namespace etcdpp::server
