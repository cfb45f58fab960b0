// Unstable: the entries (and possibly a snapshot) a node has accepted but the host has
// not yet persisted. Part of RaftLog; single-threaded like the node that owns it.
//
// Invariant: entries_[i] has index offset_ + i. A snapshot, if present, ends at
// offset_ - 1.
#pragma once

#include <cstdint>
#include <optional>

#include "raft/util.h"
#include "raftpb/raft.pb.h"

namespace etcdpp::raft {

class Unstable {
 public:
  explicit Unstable(uint64_t offset = 0) : offset_(offset) {}

  std::optional<uint64_t> MaybeFirstIndex() const;
  std::optional<uint64_t> MaybeLastIndex() const;
  std::optional<uint64_t> MaybeTerm(uint64_t i) const;

  // The host persisted entries up to (i, t): drop them, unless they were replaced since.
  void StableTo(uint64_t i, uint64_t t);
  void StableSnapTo(uint64_t i);
  void Restore(const raftpb::Snapshot& s);
  void TruncateAndAppend(Entries&& ents);
  // Copies of entries in [lo, hi); the range must lie within the unstable entries.
  Entries Slice(uint64_t lo, uint64_t hi) const;

  const Entries& entries() const { return entries_; }
  const std::optional<raftpb::Snapshot>& snapshot() const { return snapshot_; }
  uint64_t offset() const { return offset_; }

 private:
  std::optional<raftpb::Snapshot> snapshot_;
  Entries entries_;
  uint64_t offset_;
};

}  // namespace etcdpp::raft
