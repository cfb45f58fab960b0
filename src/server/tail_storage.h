// TailStorage: the raft log of a member with only a tail bounded in bytes in memory
// (DESIGN.md §7). etcd keeps every entry since its last compaction in memory, so large
// values cost gigabytes; here older entries that a lagging follower still needs are read
// back from the WAL, and below what the WAL still holds raft gets ErrCompacted and the
// leader sends a snapshot instead.
//
// What stays in memory: the newest entries up to tail_bytes, and always every entry that
// is not both committed and handed to the apply thread (raft and the applier need those
// at once; they are bounded by raft's uncommitted-size limit and one Ready). Terms of
// every index from the compaction point on are kept as runs (first index, term), so
// Term() never reads the disk.
//
// Owned by the server; called only on the raft thread (and before it starts), like any
// raft Storage. The WAL it reads back from is written by the same thread, so every entry
// it holds is already in the WAL when it is appended here (persist before Append).
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <utility>
#include <vector>

#include "base/file_system.h"
#include "base/log.h"
#include "raft/storage.h"
#include "wal/entry_reader.h"

namespace etcdpp::server {

struct TailStorageOptions {
  uint64_t tail_bytes = 16 << 20;  // --experimental-raft-log-tail-bytes
  // Entries read back from the WAL in one go (ahead of what raft asked for) and kept
  // until used, so a catching-up follower does not make us rescan a segment per message.
  uint64_t read_ahead_bytes = 4 << 20;
  base::FileSystem* fs = nullptr;  // null: no read-back (everything evicted is compacted)
  std::string wal_dir;
  Logger* logger = nullptr;
};

class TailStorage final : public raft::Storage {
 public:
  explicit TailStorage(TailStorageOptions options);

  Result<raft::InitialState> GetInitialState() override;
  Result<raft::Entries> GetEntries(uint64_t lo, uint64_t hi, uint64_t max_bytes) override;
  Result<uint64_t> Term(uint64_t i) override;
  Result<uint64_t> LastIndex() override { return last_index_; }
  Result<uint64_t> FirstIndex() override { return offset_ + 1; }
  Result<raftpb::Snapshot> GetSnapshot() override { return snapshot_; }

  void SetHardState(const raftpb::HardState& hs);
  const raftpb::HardState& hard_state() const { return hard_state_; }
  // Replaces everything with the snapshot; ErrSnapOutOfDate if it is older than ours.
  Status ApplySnapshot(const raftpb::Snapshot& snap);
  // Records a snapshot at index i (i <= LastIndex) with the configuration then in force.
  Result<raftpb::Snapshot> CreateSnapshot(uint64_t i, const raftpb::ConfState* cs, std::string data);
  // Forgets entries before compact_index (compact_index <= LastIndex).
  Status Compact(uint64_t compact_index);
  // Appends entries already persisted in the WAL, replacing ours from the first new index.
  Status Append(raftpb::Entry&& entry);
  Status Append(std::vector<raftpb::Entry>&& entries);
  Status Append(const std::vector<raftpb::Entry>& entries);
  // Committed entries up to index went to the apply thread: they may leave memory.
  void MarkHandedToApply(uint64_t index);

  // Observers for tests and metrics.
  uint64_t tail_bytes() const { return mem_bytes_; }
  uint64_t tail_first_index() const { return mem_.empty() ? last_index_ + 1 : mem_.front().index(); }
  uint64_t read_back_entries() const { return read_back_entries_; }
  size_t term_runs() const { return runs_.size(); }

 private:
  Status AppendOne(raftpb::Entry&& e);
  // Drops memory entries (and read-ahead) from index on.
  void TruncateFrom(uint64_t index);
  // Evicts the oldest entries while over the bound and allowed.
  void Evict();
  // Entries [lo, hi) from below the memory tail, from the read-ahead or the WAL.
  Result<raft::Entries> ReadBack(uint64_t lo, uint64_t hi, uint64_t max_bytes);

  const TailStorageOptions options_;
  wal::EntryReader reader_;
  raftpb::HardState hard_state_;
  raftpb::Snapshot snapshot_;
  uint64_t offset_ = 0;      // index of the last compacted entry (the snapshot's at most)
  uint64_t last_index_ = 0;  // LastIndex: offset_ when the log is empty
  // (first index, term) for every run of equal terms over [offset_, last_index_];
  // runs_.front().first == offset_.
  std::vector<std::pair<uint64_t, uint64_t>> runs_;
  std::deque<raftpb::Entry> mem_;  // the in-memory tail, contiguous, ending at last_index_
  uint64_t mem_bytes_ = 0;
  uint64_t handed_to_apply_ = 0;
  std::deque<raftpb::Entry> ahead_;  // read-ahead from the WAL, contiguous, below mem_
  uint64_t read_back_entries_ = 0;
};

}  // namespace etcdpp::server
