// Progress: what a leader knows about one follower's log (match, next) and how it is
// currently feeding it: probing for the match point, replicating optimistically with a
// window of in-flight messages, or waiting for a snapshot to land. Owned by the
// leader's ProgressTracker; single-threaded.
#pragma once

#include <cstdint>
#include <string>

#include "raft/inflights.h"

namespace etcdpp::raft {

enum class ProgressState { kProbe, kReplicate, kSnapshot };
const char* ProgressStateName(ProgressState s);

class Progress {
 public:
  Progress(uint64_t next, int max_inflight, bool is_learner, uint64_t max_inflight_bytes = 0)
      : next(next), inflights(max_inflight, max_inflight_bytes), is_learner(is_learner) {}

  void BecomeProbe();
  void BecomeReplicate();
  void BecomeSnapshot(uint64_t snapshot_index);
  // An acknowledgement up to n; false if it told us nothing new (stale or duplicate).
  bool MaybeUpdate(uint64_t n);
  // Replicate state sends ahead without waiting for acknowledgements.
  void OptimisticUpdate(uint64_t n) { next = n + 1; }
  // A rejection of the append at `rejected`; match_hint is where to probe next. False
  // if the rejection is stale.
  bool MaybeDecrTo(uint64_t rejected, uint64_t match_hint);
  // Whether sending more appends must wait (probe in flight, window full, snapshot).
  bool IsPaused() const;
  std::string ToString() const;

  uint64_t match = 0;
  uint64_t next;
  ProgressState state = ProgressState::kProbe;
  // Index of the snapshot being sent while in kSnapshot.
  uint64_t pending_snapshot = 0;
  // Heard from since the last check-quorum round (always true for the leader itself).
  bool recent_active = false;
  // In kProbe: one append is out; wait for its answer or the next heartbeat.
  bool probe_sent = false;
  Inflights inflights;
  bool is_learner;

 private:
  void ResetState(ProgressState s);
};

}  // namespace etcdpp::raft
