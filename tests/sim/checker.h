// SafetyChecker: the raft safety properties raft-sim verifies after every step, from
// what nodes persist, apply and report:
//  - election safety: at most one leader per term;
//  - log matching: two durable logs with an entry of the same index and term agree on
//    every entry up to it (checked with a hash chain over each node's durable log);
//  - leader completeness: a new leader's log holds every entry applied anywhere;
//  - state machine safety: every node applying index i reaches the same state;
//  - commit and applied indexes never move backwards;
//  - read index: a read's index covers every entry committed before it was issued.
// The first violation is kept as a message. Single-threaded.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "raft/util.h"

namespace etcdpp::sim {

// One node's durable log, summarised as prefix hashes.
struct LogChain {
  uint64_t base_index = 0;  // index of the snapshot (or 0)
  uint64_t base_hash = 0;
  std::vector<uint64_t> hashes;  // hashes[k] covers the prefix up to base_index + 1 + k
};

class SafetyChecker {
 public:
  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  void Fail(const std::string& what);

  void ObserveLeader(uint64_t term, uint64_t id);
  // Entries made durable by a node (after a possible truncation).
  void ObservePersist(LogChain* chain, const raft::Entries& ents);
  // A snapshot made durable: the chain restarts at it.
  void ObserveSnapshot(LogChain* chain, uint64_t index, uint64_t term);
  // A node applied entry (index, term) and its state digest is now `digest`.
  void ObserveApply(uint64_t node, uint64_t index, uint64_t term, uint64_t digest);
  // Term of the applied entry at index, or 0 if nothing was applied there.
  uint64_t AppliedTerm(uint64_t index) const;
  // The highest index applied anywhere whose term is below `term` (0 if none): what a
  // leader of `term` must hold.
  uint64_t MaxAppliedBefore(uint64_t term) const;
  uint64_t max_applied() const { return max_applied_; }
  void ObserveCommit(uint64_t node, uint64_t* last, uint64_t now_commit, const char* what);
  void ObserveRead(uint64_t node, uint64_t read_index, uint64_t required);

 private:
  std::string error_;
  std::map<uint64_t, uint64_t> leaders_;                          // term -> id
  std::map<std::pair<uint64_t, uint64_t>, uint64_t> prefix_;      // (index, term) -> hash
  std::map<uint64_t, std::pair<uint64_t, uint64_t>> applied_;     // index -> (term, digest)
  std::map<uint64_t, uint64_t> max_index_by_term_;
  uint64_t max_applied_ = 0;
};

uint64_t Mix(uint64_t h, uint64_t v);
uint64_t HashBytes(const std::string& s);

}  // namespace etcdpp::sim
