#include "raft/unstable.h"

#include "base/check.h"

namespace etcdpp::raft {

std::optional<uint64_t> Unstable::MaybeFirstIndex() const {
  if (snapshot_) return snapshot_->metadata().index() + 1;
  return std::nullopt;
}

std::optional<uint64_t> Unstable::MaybeLastIndex() const {
  if (!entries_.empty()) return offset_ + entries_.size() - 1;
  if (snapshot_) return snapshot_->metadata().index();
  return std::nullopt;
}

std::optional<uint64_t> Unstable::MaybeTerm(uint64_t i) const {
  if (i < offset_) {
    if (snapshot_ && snapshot_->metadata().index() == i) return snapshot_->metadata().term();
    return std::nullopt;
  }
  auto last = MaybeLastIndex();
  if (!last || i > *last) return std::nullopt;
  return entries_[i - offset_].term();
}

void Unstable::StableTo(uint64_t i, uint64_t t) {
  auto term = MaybeTerm(i);
  if (!term) return;
  // Only drop entries that are still the ones persisted: a newer leader may have
  // replaced them while the write was in flight.
  if (*term == t && i >= offset_) {
    entries_.erase(entries_.begin(), entries_.begin() + (i + 1 - offset_));
    offset_ = i + 1;
    if (entries_.empty() && entries_.capacity() > 1024) Entries().swap(entries_);
  }
}

void Unstable::StableSnapTo(uint64_t i) {
  if (snapshot_ && snapshot_->metadata().index() == i) snapshot_.reset();
}

void Unstable::Restore(const raftpb::Snapshot& s) {
  offset_ = s.metadata().index() + 1;
  entries_.clear();
  snapshot_ = s;
}

void Unstable::TruncateAndAppend(Entries&& ents) {
  if (ents.empty()) return;
  uint64_t after = ents[0].index();
  if (after <= offset_) {
    // Replaces everything unstable; the log is rewritten from `after`.
    offset_ = after;
    entries_ = std::move(ents);
    return;
  }
  if (after != offset_ + entries_.size()) entries_.resize(after - offset_);
  entries_.reserve(entries_.size() + ents.size());
  for (auto& e : ents) entries_.push_back(std::move(e));
}

Entries Unstable::Slice(uint64_t lo, uint64_t hi) const {
  ETCDPP_CHECK(lo <= hi, "unstable slice inverted");
  ETCDPP_CHECK(lo >= offset_ && hi <= offset_ + entries_.size(), "unstable slice out of bounds");
  return Entries(entries_.begin() + (lo - offset_), entries_.begin() + (hi - offset_));
}

}  // namespace etcdpp::raft
