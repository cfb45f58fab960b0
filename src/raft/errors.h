// The operating errors the raft core reports, with etcd's messages, and predicates to
// recognise them (callers branch on them: compacted → send a snapshot, dropped → retry).
#pragma once

#include "base/status.h"

namespace etcdpp::raft {

// Storage: the requested index is below the first available one.
inline Status ErrCompacted() { return OutOfRange("requested index is unavailable due to compaction"); }
// Storage: a snapshot older than the one held was offered.
inline Status ErrSnapOutOfDate() {
  return FailedPrecondition("requested index is older than the existing snapshot");
}
// Storage: the requested entry is beyond the last one.
inline Status ErrUnavailable() { return NotFound("requested entry at index is unavailable"); }
// Storage: the snapshot is being produced; raft retries later.
inline Status ErrSnapshotTemporarilyUnavailable() {
  return Unavailable("snapshot is temporarily unavailable");
}
// A proposal was not accepted (no leader, transfer in progress, removed, over the bound).
inline Status ErrProposalDropped() { return Unavailable("raft proposal dropped"); }
inline Status ErrStepLocalMsg() { return InvalidArgument("raft: cannot step raft local message"); }
inline Status ErrStepPeerNotFound() {
  return InvalidArgument("raft: cannot step as peer not found");
}

inline bool IsSame(const Status& s, const Status& want) {
  return s.code() == want.code() && s.message() == want.message();
}
inline bool IsCompacted(const Status& s) { return IsSame(s, ErrCompacted()); }
inline bool IsSnapOutOfDate(const Status& s) { return IsSame(s, ErrSnapOutOfDate()); }
inline bool IsUnavailable(const Status& s) { return IsSame(s, ErrUnavailable()); }
inline bool IsSnapshotTemporarilyUnavailable(const Status& s) {
  return IsSame(s, ErrSnapshotTemporarilyUnavailable());
}
inline bool IsProposalDropped(const Status& s) { return IsSame(s, ErrProposalDropped()); }

}  // namespace etcdpp::raft
