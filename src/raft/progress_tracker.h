// ProgressTracker: the current configuration (voters and learners), the leader's
// Progress for each member, and the votes of an election in progress. It answers the
// quorum questions: what index a majority has, who won, is a majority active.
// Owned by Raft; single-threaded.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "raft/progress.h"
#include "raftpb/raft.pb.h"

namespace etcdpp::raft {

enum class VoteResult { kPending, kLost, kWon };

class ProgressTracker {
 public:
  explicit ProgressTracker(int max_inflight, uint64_t max_inflight_bytes = 0)
      : max_inflight_(max_inflight), max_inflight_bytes_(max_inflight_bytes) {}

  // Adds a member (or changes its role); a new member starts probing at next.
  void AddVoter(uint64_t id, uint64_t next);
  void AddLearner(uint64_t id, uint64_t next);
  void Remove(uint64_t id);

  Progress* Get(uint64_t id);
  const Progress* Get(uint64_t id) const;
  std::map<uint64_t, Progress>& progress() { return progress_; }
  const std::map<uint64_t, Progress>& progress() const { return progress_; }
  const std::vector<uint64_t>& voters() const { return voters_; }    // sorted
  const std::vector<uint64_t>& learners() const { return learners_; }  // sorted
  bool IsVoter(uint64_t id) const;
  bool IsSingleton() const { return voters_.size() == 1; }
  raftpb::ConfState ConfState() const;

  // The largest index a majority of voters has; kNoLimit with no voters.
  uint64_t Committed() const;
  // Whether a majority of voters was heard from recently.
  bool QuorumActive() const;
  // The outcome of a quorum vote where `yes` holds the voters that agreed.
  VoteResult QuorumResult(const std::vector<uint64_t>& yes) const;

  void ResetVotes() { votes_.clear(); }
  void RecordVote(uint64_t id, bool granted);
  VoteResult TallyVotes(int* granted, int* rejected) const;

  int max_inflight() const { return max_inflight_; }
  uint64_t max_inflight_bytes() const { return max_inflight_bytes_; }

 private:
  int max_inflight_;
  uint64_t max_inflight_bytes_;
  std::vector<uint64_t> voters_;
  std::vector<uint64_t> learners_;
  std::map<uint64_t, Progress> progress_;
  std::map<uint64_t, bool> votes_;
};

}  // namespace etcdpp::raft
