#include "raft/progress_tracker.h"

#include <algorithm>

#include "raft/config.h"

namespace etcdpp::raft {
namespace {
void InsertSorted(std::vector<uint64_t>* v, uint64_t id) {
  auto it = std::lower_bound(v->begin(), v->end(), id);
  if (it == v->end() || *it != id) v->insert(it, id);
}
void EraseSorted(std::vector<uint64_t>* v, uint64_t id) {
  auto it = std::lower_bound(v->begin(), v->end(), id);
  if (it != v->end() && *it == id) v->erase(it);
}
}  // namespace

void ProgressTracker::AddVoter(uint64_t id, uint64_t next) {
  EraseSorted(&learners_, id);
  InsertSorted(&voters_, id);
  auto it = progress_.find(id);
  if (it != progress_.end()) {
    it->second.is_learner = false;
    return;
  }
  auto& pr = progress_.emplace(id, Progress(next, max_inflight_, false, max_inflight_bytes_)).first->second;
  // A new member gets a full election timeout before check-quorum counts it as silent.
  pr.recent_active = true;
}

void ProgressTracker::AddLearner(uint64_t id, uint64_t next) {
  EraseSorted(&voters_, id);
  InsertSorted(&learners_, id);
  auto it = progress_.find(id);
  if (it != progress_.end()) {
    it->second.is_learner = true;
    return;
  }
  auto& pr = progress_.emplace(id, Progress(next, max_inflight_, true, max_inflight_bytes_)).first->second;
  pr.recent_active = true;
}

void ProgressTracker::Remove(uint64_t id) {
  EraseSorted(&voters_, id);
  EraseSorted(&learners_, id);
  progress_.erase(id);
  votes_.erase(id);
}

Progress* ProgressTracker::Get(uint64_t id) {
  auto it = progress_.find(id);
  return it == progress_.end() ? nullptr : &it->second;
}

const Progress* ProgressTracker::Get(uint64_t id) const {
  auto it = progress_.find(id);
  return it == progress_.end() ? nullptr : &it->second;
}

bool ProgressTracker::IsVoter(uint64_t id) const {
  return std::binary_search(voters_.begin(), voters_.end(), id);
}

raftpb::ConfState ProgressTracker::ConfState() const {
  raftpb::ConfState cs;
  for (uint64_t id : voters_) cs.add_voters(id);
  for (uint64_t id : learners_) cs.add_learners(id);
  cs.set_auto_leave(false);
  return cs;
}

uint64_t ProgressTracker::Committed() const {
  size_t n = voters_.size();
  if (n == 0) return kNoLimit;
  // Small clusters: sort the matches on the stack.
  uint64_t stack_buf[16];
  std::vector<uint64_t> heap_buf;
  uint64_t* m = stack_buf;
  if (n > 16) {
    heap_buf.resize(n);
    m = heap_buf.data();
  }
  for (size_t i = 0; i < n; ++i) {
    const Progress* pr = Get(voters_[i]);
    m[i] = pr ? pr->match : 0;
  }
  std::sort(m, m + n);
  // With ascending matches, index n - (n/2 + 1) is held by a majority.
  return m[n - (n / 2 + 1)];
}

bool ProgressTracker::QuorumActive() const {
  std::vector<uint64_t> yes;
  for (uint64_t id : voters_) {
    const Progress* pr = Get(id);
    if (pr && pr->recent_active) yes.push_back(id);
  }
  return QuorumResult(yes) == VoteResult::kWon;
}

VoteResult ProgressTracker::QuorumResult(const std::vector<uint64_t>& yes) const {
  if (voters_.empty()) return VoteResult::kWon;
  size_t granted = 0;
  for (uint64_t id : yes) granted += IsVoter(id) ? 1 : 0;
  size_t q = voters_.size() / 2 + 1;
  return granted >= q ? VoteResult::kWon : VoteResult::kPending;
}

void ProgressTracker::RecordVote(uint64_t id, bool granted) { votes_.emplace(id, granted); }

VoteResult ProgressTracker::TallyVotes(int* granted, int* rejected) const {
  *granted = 0;
  *rejected = 0;
  for (uint64_t id : voters_) {
    auto it = votes_.find(id);
    if (it == votes_.end()) continue;
    (it->second ? *granted : *rejected) += 1;
  }
  if (voters_.empty()) return VoteResult::kWon;
  int q = static_cast<int>(voters_.size() / 2 + 1);
  if (*granted >= q) return VoteResult::kWon;
  int missing = static_cast<int>(voters_.size()) - *granted - *rejected;
  if (*granted + missing >= q) return VoteResult::kPending;
  return VoteResult::kLost;
}

}  // namespace etcdpp::raft
