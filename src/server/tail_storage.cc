#include "server/tail_storage.h"

#include <algorithm>

#include "base/check.h"
#include "raft/errors.h"
#include "raft/util.h"

namespace etcdpp::server {

TailStorage::TailStorage(TailStorageOptions options)
    : options_(std::move(options)), reader_(options_.fs, options_.wal_dir) {
  runs_.emplace_back(0, 0);
}

Result<raft::InitialState> TailStorage::GetInitialState() {
  return raft::InitialState{hard_state_, snapshot_.metadata().conf_state()};
}

void TailStorage::SetHardState(const raftpb::HardState& hs) {
  hard_state_ = hs;
  Evict();
}

void TailStorage::MarkHandedToApply(uint64_t index) {
  handed_to_apply_ = std::max(handed_to_apply_, index);
  Evict();
}

Result<uint64_t> TailStorage::Term(uint64_t i) {
  if (i < offset_) return raft::ErrCompacted();
  if (i > last_index_) return raft::ErrUnavailable();
  // The last run starting at or before i.
  auto it = std::upper_bound(runs_.begin(), runs_.end(), i,
                             [](uint64_t v, const auto& run) { return v < run.first; });
  return std::prev(it)->second;
}

Result<raft::Entries> TailStorage::GetEntries(uint64_t lo, uint64_t hi, uint64_t max_bytes) {
  if (lo <= offset_) return raft::ErrCompacted();
  ETCDPP_CHECK(lo <= hi, "entries range inverted");
  if (hi > last_index_ + 1) return raft::ErrUnavailable();
  if (last_index_ == offset_) return raft::ErrUnavailable();  // nothing to hand out
  raft::Entries out;
  uint64_t size = 0;
  const uint64_t mem_first = tail_first_index();
  if (lo < mem_first) {
    ETCDPP_ASSIGN_OR_RETURN(out, ReadBack(lo, std::min(hi, mem_first), max_bytes));
    for (const auto& e : out) size += raft::EntrySize(e);
    // Stop at a short read (size bound or end of the read-ahead); raft asks again.
    if (out.empty() || out.back().index() + 1 < std::min(hi, mem_first)) return out;
    lo = out.back().index() + 1;
  }
  for (uint64_t i = lo; i < hi; ++i) {
    const raftpb::Entry& e = mem_[i - mem_first];
    size += raft::EntrySize(e);
    if (!out.empty() && size > max_bytes) break;
    out.push_back(e);
  }
  return out;
}

Result<raft::Entries> TailStorage::ReadBack(uint64_t lo, uint64_t hi, uint64_t max_bytes) {
  const bool ahead_has_lo = !ahead_.empty() && ahead_.front().index() <= lo && lo <= ahead_.back().index();
  if (!ahead_has_lo) {
    ahead_.clear();
    if (options_.fs == nullptr) return raft::ErrCompacted();
    // Read ahead as far as the budget goes (never past the memory tail: hi bounds it).
    const uint64_t budget = std::max<uint64_t>(std::min(max_bytes, options_.tail_bytes), options_.read_ahead_bytes);
    auto read = reader_.Read(lo, hi, budget);
    if (!read.ok()) {
      // Released by a WAL purge (or unreadable): the follower needs a snapshot.
      if (options_.logger && read.status().code() != StatusCode::kNotFound) {
        options_.logger->Warn("etcdserver", "failed to read raft entries back from the WAL",
                              {LogField::Uint("index", lo), LogField::Str("error", read.status().ToString())});
      }
      return raft::ErrCompacted();
    }
    // The WAL must agree with the terms we hold; anything else is treated as gone.
    for (size_t k = 0; k < read->size(); ++k) {
      const raftpb::Entry& e = (*read)[k];
      Result<uint64_t> term = Term(e.index());
      if (e.index() != lo + k || !term.ok() || *term != e.term()) {
        if (options_.logger) {
          options_.logger->Warn("etcdserver", "raft entry read back from the WAL does not match the log",
                                {LogField::Uint("index", lo + k)});
        }
        return raft::ErrCompacted();
      }
    }
    read_back_entries_ += read->size();
    if (options_.logger) {
      options_.logger->Info("etcdserver", "read raft entries back from the WAL",
                            {LogField::Uint("first-index", lo), LogField::Uint("last-index", lo + read->size() - 1),
                             LogField::Uint("count", read->size())});
    }
    for (auto& e : *read) ahead_.push_back(std::move(e));
  }
  raft::Entries out;
  uint64_t size = 0;
  for (uint64_t i = lo; i < hi && i <= ahead_.back().index(); ++i) {
    const raftpb::Entry& e = ahead_[i - ahead_.front().index()];
    size += raft::EntrySize(e);
    if (!out.empty() && size > max_bytes) break;
    out.push_back(e);
  }
  return out;
}

Status TailStorage::ApplySnapshot(const raftpb::Snapshot& snap) {
  if (snapshot_.metadata().index() >= snap.metadata().index()) return raft::ErrSnapOutOfDate();
  snapshot_ = snap;
  offset_ = last_index_ = snap.metadata().index();
  runs_.assign(1, {offset_, snap.metadata().term()});
  mem_.clear();
  mem_bytes_ = 0;
  ahead_.clear();
  handed_to_apply_ = std::max(handed_to_apply_, offset_);
  return Status::Ok();
}

Result<raftpb::Snapshot> TailStorage::CreateSnapshot(uint64_t i, const raftpb::ConfState* cs,
                                                     std::string data) {
  if (i <= snapshot_.metadata().index()) return raft::ErrSnapOutOfDate();
  ETCDPP_CHECK(i <= last_index_, "snapshot index is out of bound");
  Result<uint64_t> term = Term(i);
  ETCDPP_CHECK(term.ok(), "snapshot index is below the compacted log");
  auto* md = snapshot_.mutable_metadata();
  md->set_index(i);
  md->set_term(*term);
  if (cs != nullptr) *md->mutable_conf_state() = *cs;
  snapshot_.set_data(std::move(data));
  return snapshot_;
}

Status TailStorage::Compact(uint64_t compact_index) {
  if (compact_index <= offset_) return raft::ErrCompacted();
  ETCDPP_CHECK(compact_index <= last_index_, "compact index is out of bound");
  const uint64_t term = *Term(compact_index);
  auto keep = std::upper_bound(runs_.begin(), runs_.end(), compact_index,
                               [](uint64_t v, const auto& run) { return v < run.first; });
  runs_.erase(runs_.begin(), std::prev(keep));
  runs_.front() = {compact_index, term};
  offset_ = compact_index;
  while (!mem_.empty() && mem_.front().index() <= compact_index) {
    mem_bytes_ -= raft::EntrySize(mem_.front());
    mem_.pop_front();
  }
  while (!ahead_.empty() && ahead_.front().index() <= compact_index) ahead_.pop_front();
  return Status::Ok();
}

void TailStorage::TruncateFrom(uint64_t index) {
  while (!mem_.empty() && mem_.back().index() >= index) {
    mem_bytes_ -= raft::EntrySize(mem_.back());
    mem_.pop_back();
  }
  while (!ahead_.empty() && ahead_.back().index() >= index) ahead_.pop_back();
  while (runs_.size() > 1 && runs_.back().first >= index) runs_.pop_back();
  last_index_ = index - 1;
}

Status TailStorage::AppendOne(raftpb::Entry&& e) {
  if (e.index() <= offset_) return Status::Ok();  // already compacted away
  ETCDPP_CHECK(e.index() <= last_index_ + 1, "missing log entries before an append");
  if (e.index() <= last_index_) TruncateFrom(e.index());
  if (runs_.back().second != e.term()) runs_.emplace_back(e.index(), e.term());
  last_index_ = e.index();
  mem_bytes_ += raft::EntrySize(e);
  mem_.push_back(std::move(e));
  return Status::Ok();
}

Status TailStorage::Append(raftpb::Entry&& entry) {
  ETCDPP_RETURN_IF_ERROR(AppendOne(std::move(entry)));
  Evict();
  return Status::Ok();
}

Status TailStorage::Append(std::vector<raftpb::Entry>&& entries) {
  for (auto& e : entries) {
    ETCDPP_RETURN_IF_ERROR(AppendOne(std::move(e)));
    Evict();  // per entry: a restart appending a long log never holds all of it
  }
  return Status::Ok();
}

Status TailStorage::Append(const std::vector<raftpb::Entry>& entries) {
  for (const auto& e : entries) {
    ETCDPP_RETURN_IF_ERROR(AppendOne(raftpb::Entry(e)));
    Evict();
  }
  return Status::Ok();
}

void TailStorage::Evict() {
  const uint64_t evictable = std::min(hard_state_.commit(), handed_to_apply_);
  while (mem_bytes_ > options_.tail_bytes && !mem_.empty() && mem_.front().index() <= evictable) {
    mem_bytes_ -= raft::EntrySize(mem_.front());
    mem_.pop_front();
  }
}

}  // namespace etcdpp::server
