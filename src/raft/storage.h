// Storage: the raft core's read view of the durable log (entries, hard state, latest
// snapshot). raft never writes through it; the host persists each Ready and then updates
// its Storage. The host owns it; it is called only on the thread that drives the node.
//
// A byte-bounded implementation may keep only a tail of entries in memory and read older
// ones back from the WAL; if it cannot serve an index any more it returns ErrCompacted,
// and the leader then sends a snapshot instead.
#pragma once

#include <cstdint>
#include <vector>

#include "base/status.h"
#include "raft/util.h"
#include "raftpb/raft.pb.h"

namespace etcdpp::raft {

struct InitialState {
  raftpb::HardState hard_state;
  raftpb::ConfState conf_state;
};

class Storage {
 public:
  virtual ~Storage() = default;
  virtual Result<InitialState> GetInitialState() = 0;
  // Entries in [lo, hi), at most max_bytes (but at least one if any exist).
  // ErrCompacted when lo is below FirstIndex; ErrUnavailable when hi > LastIndex + 1.
  virtual Result<Entries> GetEntries(uint64_t lo, uint64_t hi, uint64_t max_bytes) = 0;
  // Term of entry i, for i in [FirstIndex - 1, LastIndex] (FirstIndex - 1 is the
  // snapshot's index). ErrCompacted below, ErrUnavailable above.
  virtual Result<uint64_t> Term(uint64_t i) = 0;
  virtual Result<uint64_t> LastIndex() = 0;
  // Index of the first entry that may be read (one past the snapshot).
  virtual Result<uint64_t> FirstIndex() = 0;
  // The latest snapshot; ErrSnapshotTemporarilyUnavailable makes raft retry later.
  virtual Result<raftpb::Snapshot> GetSnapshot() = 0;
};

// MemoryStorage: the whole log since the last compaction in memory. Used by tests, the
// simulator and the benchmark, and by a host whose durable copy lives elsewhere.
// Single-threaded: call it only from the thread that drives the raft node.
class MemoryStorage final : public Storage {
 public:
  MemoryStorage();

  Result<InitialState> GetInitialState() override;
  Result<Entries> GetEntries(uint64_t lo, uint64_t hi, uint64_t max_bytes) override;
  Result<uint64_t> Term(uint64_t i) override;
  Result<uint64_t> LastIndex() override { return last_index(); }
  Result<uint64_t> FirstIndex() override { return first_index(); }
  Result<raftpb::Snapshot> GetSnapshot() override { return snapshot_; }

  void SetHardState(const raftpb::HardState& hs) { hard_state_ = hs; }
  const raftpb::HardState& hard_state() const { return hard_state_; }
  // Replaces everything with the snapshot; ErrSnapOutOfDate if it is older than ours.
  Status ApplySnapshot(const raftpb::Snapshot& snap);
  // Records a snapshot of the state machine at applied index i (i <= LastIndex), with
  // the configuration then in force; the log is not compacted (see Compact).
  Result<raftpb::Snapshot> CreateSnapshot(uint64_t i, const raftpb::ConfState* cs,
                                          std::string data);
  // Drops entries before compact_index (compact_index <= LastIndex).
  Status Compact(uint64_t compact_index);
  // Appends entries, replacing any existing ones from the first new index on. Entries
  // already compacted away are skipped.
  Status Append(const Entries& entries);
  Status Append(Entries&& entries);

 private:
  uint64_t first_index() const { return ents_[0].index() + 1; }
  uint64_t last_index() const { return ents_[0].index() + ents_.size() - 1; }

  raftpb::HardState hard_state_;
  raftpb::Snapshot snapshot_;
  // ents_[0] is a dummy holding the index and term of the last compacted entry.
  Entries ents_;
};

}  // namespace etcdpp::raft
