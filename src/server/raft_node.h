// RaftNode: the raft thread of a member (DESIGN.md §4). It owns the raft state machine,
// its in-memory log view and the WAL; each turn it drains its inbox (proposals, peer
// messages, read requests), ticks, and works off every Ready: a leader sends before its
// own fsync, a follower after; entries and hard state go to the WAL with one fdatasync
// (group commit of everything proposed since the last turn); committed entries go to
// the apply thread through an ApplySink, which may block to push back.
//
// Threads: Start() spawns the raft thread; every other public method may be called from
// any thread and only enqueues work (a short mutex around the inbox). Observers read
// atomics. A WAL write failure is a durability failure: the node logs it and stops
// serving (the process exits through the on_fatal callback).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "base/file_system.h"
#include "base/log.h"
#include "base/status.h"
#include "raft/raw_node.h"
#include "raft/storage.h"
#include "server/tail_storage.h"
#include "server/transport.h"
#include "snap/snapshotter.h"
#include "wal/wal.h"

namespace etcdpp::server {

struct ApplyTask {
  std::vector<raftpb::Entry> entries;  // committed, in order
  raftpb::Snapshot snapshot;           // to restore first; metadata().index() == 0 if none
  uint64_t term = 0;                   // raft term when handed over (response headers)
  // Among `entries` there is a conf change: the raft thread waits, serving
  // ApplyConfChange(), until the applier calls ConfChangeTaskApplied() (as etcd, so that
  // raft's configuration changes exactly where the membership does, after validation).
  bool has_conf_change = false;
};

class ApplySink {
 public:
  virtual ~ApplySink() = default;
  // On the raft thread, in commit order. May block until the apply thread has room.
  virtual void Apply(ApplyTask task) = 0;
};

struct RaftNodeOptions {
  uint64_t id = 0;
  std::chrono::milliseconds tick{100};
  // Proposals and reads not answered within this are failed with a timeout.
  std::chrono::milliseconds request_timeout{7000};
  // Snapshot files: received snapshots and the ones CreateSnapshot makes are saved here;
  // without one (tests) snapshots stay in memory.
  snap::Snapshotter* snapshotter = nullptr;
  base::FileSystem* fs = nullptr;
  std::string wal_dir;
  size_t max_snapshots = 5;  // --max-snapshots (0: keep all)
  size_t max_wals = 5;       // --max-wals (0: keep all)
  // Entries kept in memory behind a snapshot, so a slightly lagging follower catches up
  // from the log rather than by a whole snapshot (etcd's SnapshotCatchUpEntries).
  uint64_t catch_up_entries = 5000;
  // Raft thread: a MsgSnap for a follower. The server sends it with a backend copy off
  // this thread and reports the outcome with ReportSnapshot. Unset: reported failed.
  std::function<void(raftpb::Message)> send_snapshot;
};

class RaftNode {
 public:
  using FailureCallback = std::function<void(Status)>;
  using ReadCallback = std::function<void(Result<uint64_t> read_index)>;

  RaftNode(RaftNodeOptions options, std::unique_ptr<raft::RawNode> node,
           TailStorage* storage, wal::Wal* wal, Transport* transport, ApplySink* apply,
           Logger* logger, std::function<void(Status)> on_fatal);
  ~RaftNode();  // Stop()s

  void Start();
  void Stop();

  // Proposes an entry; on_failed runs (on the raft thread) if raft drops it (no leader,
  // transfer in progress, too many uncommitted bytes). Success is seen by the applier.
  void Propose(std::string data, FailureCallback on_failed);
  void ProposeConfChange(raftpb::ConfChange cc, FailureCallback on_failed);
  // Batched linearizable-read barrier: `done` gets the index that must be applied before
  // the read may be served, or an error (no leader, timeout, stopped).
  void ReadIndex(ReadCallback done);
  void Step(raftpb::Message message);
  void TransferLeadership(uint64_t transferee);
  // Runs `fn` on the raft thread with the raft state machine (read-only use: status and
  // progress), between Ready batches.
  void Inspect(std::function<void(const raft::RawNode&)> fn);
  void ReportUnreachable(uint64_t id);
  void ReportSnapshot(uint64_t id, bool succeeded);
  // Apply thread, after the backend made everything up to `index` durable: records a
  // snapshot at `index` with the configuration then in force, saves its file and WAL
  // record, compacts the in-memory log and releases older WAL segments and snap files.
  void CreateSnapshot(uint64_t index, raftpb::ConfState conf_state, std::string data);
  // Apply thread only, while applying a task with has_conf_change: applies a validated
  // conf change to raft (or a no-op one, NodeID 0, for a refused change) and returns the
  // new configuration. Blocks until the raft thread has done it.
  raftpb::ConfState ApplyConfChange(const raftpb::ConfChange& cc);
  // Apply thread only: the task with has_conf_change is fully applied.
  void ConfChangeTaskApplied();

  uint64_t id() const { return options_.id; }
  uint64_t leader() const { return leader_.load(std::memory_order_acquire); }
  uint64_t term() const { return term_.load(std::memory_order_acquire); }
  uint64_t committed_index() const { return committed_.load(std::memory_order_acquire); }
  bool is_leader() const { return leader() == options_.id; }

 private:
  struct ProposeItem { std::string data; FailureCallback on_failed; };
  struct ConfChangeItem { raftpb::ConfChange cc; FailureCallback on_failed; };
  struct TransferItem { uint64_t transferee; };
  struct UnreachableItem { uint64_t id; };
  struct SnapshotReportItem { uint64_t id; bool ok; };
  struct CreateSnapshotItem { uint64_t index; raftpb::ConfState conf_state; std::string data; };
  struct InspectItem { std::function<void(const raft::RawNode&)> fn; };
  using Item = std::variant<ProposeItem, ConfChangeItem, raftpb::Message, TransferItem,
                            UnreachableItem, SnapshotReportItem, CreateSnapshotItem, InspectItem>;
  struct ConfChangeRequest {
    raftpb::ConfChange cc;
    raftpb::ConfState result;
    bool done = false;
  };
  struct PendingRead {
    ReadCallback done;
    std::chrono::steady_clock::time_point deadline;
  };

  void Run();
  void HandleBatch(std::vector<Item>& items);
  // Every item but proposals, which HandleBatch gathers.
  void Handle(Item& item);
  void IssueReadIndex();
  void HandleReadStates(const std::vector<raft::ReadState>& states);
  void ExpireReads(std::chrono::steady_clock::time_point now);
  // Asks again for rounds unanswered for a while: the request or its answer may have been
  // dropped on the way (a full peer stream drops rather than blocks).
  void RetryReads(std::chrono::steady_clock::time_point now);
  bool ProcessReady();
  // Raft thread: the file and WAL record of a snapshot (received or made here).
  Status SaveSnapshotFiles(const raftpb::Snapshot& snapshot);
  void MakeSnapshot(CreateSnapshotItem& item);
  void PurgeFiles();
  // Hands MsgSnap messages to options_.send_snapshot and the rest to the transport.
  void SendMessages(std::vector<raftpb::Message>& messages);
  // Raft thread: serves ApplyConfChange() calls until ConfChangeTaskApplied().
  void WaitConfChangeTask();
  void Fatal(Status s);

  const RaftNodeOptions options_;
  std::unique_ptr<raft::RawNode> node_;
  TailStorage* storage_;
  wal::Wal* wal_;
  Transport* transport_;
  ApplySink* apply_;
  Logger* logger_;
  std::function<void(Status)> on_fatal_;

  std::mutex mu_;  // guards inbox_, reads_waiting_, stop_ and the conf change hand-off
  std::condition_variable cv_;
  std::vector<Item> inbox_;
  std::vector<PendingRead> reads_waiting_;
  bool stop_ = false;
  std::deque<ConfChangeRequest*> conf_requests_;
  bool conf_task_applied_ = false;

  // Raft thread only.
  uint64_t next_read_ctx_ = 1;
  // One read-index round per context: its reads and when the request last went out.
  struct ReadRound {
    std::vector<PendingRead> reads;
    std::chrono::steady_clock::time_point sent;
  };
  std::map<std::string, ReadRound> reads_in_flight_;
  bool fatal_ = false;

  std::atomic<uint64_t> leader_{0};
  std::atomic<uint64_t> term_{0};
  std::atomic<uint64_t> committed_{0};
  std::thread thread_;
};

}  // namespace etcdpp::server
