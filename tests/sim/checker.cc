#include "tests/sim/checker.h"

#include <iterator>

namespace etcdpp::sim {

uint64_t Mix(uint64_t h, uint64_t v) {
  h ^= v + 0x9E3779B97F4A7C15ULL + (h << 6) + (h >> 2);
  h *= 0xBF58476D1CE4E5B9ULL;
  return h ^ (h >> 31);
}

uint64_t HashBytes(const std::string& s) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ULL;
  return h;
}

void SafetyChecker::Fail(const std::string& what) {
  if (error_.empty()) error_ = what;
}

void SafetyChecker::ObserveLeader(uint64_t term, uint64_t id) {
  auto [it, inserted] = leaders_.emplace(term, id);
  if (!inserted && it->second != id) {
    Fail("election safety: two leaders in term " + std::to_string(term) + ": " +
         std::to_string(it->second) + " and " + std::to_string(id));
  }
}

void SafetyChecker::ObserveSnapshot(LogChain* chain, uint64_t index, uint64_t term) {
  auto it = prefix_.find({index, term});
  if (it == prefix_.end()) {
    Fail("log matching: snapshot at " + std::to_string(index) + "/" + std::to_string(term) +
         " covers an entry no node ever persisted");
    return;
  }
  chain->base_index = index;
  chain->base_hash = it->second;
  chain->hashes.clear();
}

void SafetyChecker::ObservePersist(LogChain* chain, const raft::Entries& ents) {
  if (ents.empty()) return;
  uint64_t first = ents[0].index();
  if (first <= chain->base_index) {
    Fail("log matching: append at " + std::to_string(first) + " below the snapshot at " +
         std::to_string(chain->base_index));
    return;
  }
  uint64_t keep = first - chain->base_index - 1;
  if (keep > chain->hashes.size()) {
    Fail("log matching: gap before index " + std::to_string(first));
    return;
  }
  chain->hashes.resize(keep);
  uint64_t h = keep == 0 ? chain->base_hash : chain->hashes.back();
  for (const auto& e : ents) {
    h = Mix(Mix(Mix(h, e.term()), e.type()), HashBytes(e.data()));
    chain->hashes.push_back(h);
    auto [it, inserted] = prefix_.emplace(std::make_pair(e.index(), e.term()), h);
    if (!inserted && it->second != h) {
      Fail("log matching: logs agree on entry " + std::to_string(e.index()) + "/" +
           std::to_string(e.term()) + " but differ before it");
      return;
    }
  }
}

void SafetyChecker::ObserveApply(uint64_t node, uint64_t index, uint64_t term, uint64_t digest) {
  auto [it, inserted] = applied_.emplace(index, std::make_pair(term, digest));
  if (!inserted && (it->second.first != term || it->second.second != digest)) {
    Fail("state machine safety: node " + std::to_string(node) + " applied a different entry at " +
         std::to_string(index) + " (term " + std::to_string(term) + " vs " +
         std::to_string(it->second.first) + ")");
  }
  if (index > max_applied_) max_applied_ = index;
  uint64_t& m = max_index_by_term_[term];
  if (index > m) m = index;
}

uint64_t SafetyChecker::MaxAppliedBefore(uint64_t term) const {
  auto it = max_index_by_term_.lower_bound(term);
  if (it == max_index_by_term_.begin()) return 0;
  return std::prev(it)->second;
}

uint64_t SafetyChecker::AppliedTerm(uint64_t index) const {
  auto it = applied_.find(index);
  return it == applied_.end() ? 0 : it->second.first;
}

void SafetyChecker::ObserveCommit(uint64_t node, uint64_t* last, uint64_t now_commit,
                                  const char* what) {
  if (now_commit < *last) {
    Fail(std::string(what) + " regressed on node " + std::to_string(node) + ": " +
         std::to_string(*last) + " -> " + std::to_string(now_commit));
  }
  *last = now_commit;
}

void SafetyChecker::ObserveRead(uint64_t node, uint64_t read_index, uint64_t required) {
  if (read_index < required) {
    Fail("read index: node " + std::to_string(node) + " got read index " +
         std::to_string(read_index) + " but " + std::to_string(required) +
         " was committed before the read was issued");
  }
}

}  // namespace etcdpp::sim
