#include "raft/storage.h"

#include "raft/errors.h"

namespace etcdpp::raft {

MemoryStorage::MemoryStorage() { ents_.push_back(MakeEntry(0, 0)); }

Result<InitialState> MemoryStorage::GetInitialState() {
  return InitialState{hard_state_, snapshot_.metadata().conf_state()};
}

Result<Entries> MemoryStorage::GetEntries(uint64_t lo, uint64_t hi, uint64_t max_bytes) {
  uint64_t offset = ents_[0].index();
  if (lo <= offset) return ErrCompacted();
  ETCDPP_CHECK(lo <= hi, "entries range inverted");
  if (hi > last_index() + 1) return ErrUnavailable();
  // Only the dummy entry left: nothing to hand out.
  if (ents_.size() == 1) return ErrUnavailable();
  Entries out;
  uint64_t size = 0;
  for (uint64_t i = lo; i < hi; ++i) {
    const raftpb::Entry& e = ents_[i - offset];
    size += EntrySize(e);
    if (!out.empty() && size > max_bytes) break;
    out.push_back(e);
  }
  return out;
}

Result<uint64_t> MemoryStorage::Term(uint64_t i) {
  uint64_t offset = ents_[0].index();
  if (i < offset) return ErrCompacted();
  if (i - offset >= ents_.size()) return ErrUnavailable();
  return ents_[i - offset].term();
}

Status MemoryStorage::ApplySnapshot(const raftpb::Snapshot& snap) {
  if (snapshot_.metadata().index() >= snap.metadata().index()) return ErrSnapOutOfDate();
  snapshot_ = snap;
  ents_.clear();
  ents_.push_back(MakeEntry(snap.metadata().index(), snap.metadata().term()));
  return Status::Ok();
}

Result<raftpb::Snapshot> MemoryStorage::CreateSnapshot(uint64_t i, const raftpb::ConfState* cs,
                                                       std::string data) {
  if (i <= snapshot_.metadata().index()) return ErrSnapOutOfDate();
  uint64_t offset = ents_[0].index();
  ETCDPP_CHECK(i <= last_index(), "snapshot index is out of bound");
  auto* md = snapshot_.mutable_metadata();
  md->set_index(i);
  md->set_term(ents_[i - offset].term());
  if (cs != nullptr) *md->mutable_conf_state() = *cs;
  snapshot_.set_data(std::move(data));
  return snapshot_;
}

Status MemoryStorage::Compact(uint64_t compact_index) {
  uint64_t offset = ents_[0].index();
  if (compact_index <= offset) return ErrCompacted();
  ETCDPP_CHECK(compact_index <= last_index(), "compact index is out of bound");
  uint64_t i = compact_index - offset;
  Entries kept;
  kept.reserve(ents_.size() - i);
  kept.push_back(MakeEntry(ents_[i].index(), ents_[i].term()));
  for (size_t k = i + 1; k < ents_.size(); ++k) kept.push_back(std::move(ents_[k]));
  ents_ = std::move(kept);
  return Status::Ok();
}

Status MemoryStorage::Append(const Entries& entries) {
  Entries copy = entries;
  return Append(std::move(copy));
}

Status MemoryStorage::Append(Entries&& entries) {
  if (entries.empty()) return Status::Ok();
  uint64_t first = first_index();
  uint64_t last = entries.back().index();
  if (last < first) return Status::Ok();  // all already compacted
  size_t skip = 0;
  if (first > entries[0].index()) skip = first - entries[0].index();
  uint64_t offset = entries[skip].index() - ents_[0].index();
  ETCDPP_CHECK(offset <= ents_.size(), "missing log entries before an append");
  ents_.resize(offset);
  for (size_t k = skip; k < entries.size(); ++k) ents_.push_back(std::move(entries[k]));
  return Status::Ok();
}

}  // namespace etcdpp::raft
