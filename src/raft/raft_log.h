// RaftLog: a node's view of the log, stitched from what the host persisted (Storage)
// and what it has not yet (Unstable), plus the commit and applied cursors.
// Owned by Raft; single-threaded.
//
// Invariants: applied <= committed <= last index; FirstIndex()-1 is the last entry
// covered by a snapshot.
#pragma once

#include <cstdint>
#include <optional>

#include "base/status.h"
#include "raft/storage.h"
#include "raft/unstable.h"

namespace etcdpp::raft {

class RaftLog {
 public:
  RaftLog(Storage* storage, uint64_t max_next_ents_bytes);

  uint64_t FirstIndex() const;
  uint64_t LastIndex() const;
  uint64_t LastTerm() const;
  // Term of entry i: 0 (and OK) outside [FirstIndex-1, LastIndex]; ErrCompacted or
  // ErrUnavailable when storage cannot say.
  Result<uint64_t> Term(uint64_t i) const;
  // Term(i), with 0 for a compacted index.
  uint64_t ZeroTermOnCompacted(uint64_t i) const;
  bool MatchTerm(uint64_t i, uint64_t term) const;
  bool IsUpToDate(uint64_t last_index, uint64_t term) const;

  // Follower append: entries after (index, log_term) if that matches our log. Returns
  // the index of the last new entry, or nullopt on mismatch.
  std::optional<uint64_t> MaybeAppend(uint64_t index, uint64_t log_term, uint64_t committed,
                                      Entries&& ents);
  uint64_t Append(Entries&& ents);
  uint64_t Append(const Entries& ents) { return Append(Entries(ents)); }
  // First index among ents whose term differs from ours, or 0 if all match.
  uint64_t FindConflict(const Entries& ents) const;
  // Largest index <= index whose term is <= term: where a leader should probe next.
  uint64_t FindConflictByTerm(uint64_t index, uint64_t term) const;

  // Entries from i on, at most max_bytes (at least one).
  Result<Entries> EntriesFrom(uint64_t i, uint64_t max_bytes) const;
  Result<Entries> Slice(uint64_t lo, uint64_t hi, uint64_t max_bytes) const;
  Entries AllEntries() const;  // test helper

  const Entries& UnstableEntries() const { return unstable_.entries(); }
  // Committed entries not yet applied (bounded by the per-Ready byte limit).
  Entries NextEnts() const;
  bool HasNextEnts() const;
  bool HasPendingSnapshot() const { return unstable_.snapshot().has_value(); }
  Result<raftpb::Snapshot> Snapshot() const;

  bool MaybeCommit(uint64_t max_index, uint64_t term);
  void CommitTo(uint64_t to);
  void AppliedTo(uint64_t i);
  void StableTo(uint64_t i, uint64_t t) { unstable_.StableTo(i, t); }
  void StableSnapTo(uint64_t i) { unstable_.StableSnapTo(i); }
  void Restore(const raftpb::Snapshot& s);

  uint64_t committed() const { return committed_; }
  uint64_t applied() const { return applied_; }
  void set_committed(uint64_t c) { committed_ = c; }
  const Unstable& unstable() const { return unstable_; }
  Storage* storage() const { return storage_; }

 private:
  Status CheckOutOfBounds(uint64_t lo, uint64_t hi) const;

  Storage* storage_;
  Unstable unstable_;
  uint64_t committed_ = 0;
  uint64_t applied_ = 0;
  uint64_t max_next_ents_bytes_;
};

}  // namespace etcdpp::raft
