#include "raft/raft_log.h"

#include <algorithm>

#include "raft/config.h"
#include "raft/errors.h"

namespace etcdpp::raft {
namespace {
template <typename T>
T MustOk(Result<T> r, const char* what) {
  ETCDPP_CHECK(r.ok(), std::string(what) + ": " + r.status().ToString());
  return std::move(r).value();
}
}  // namespace

RaftLog::RaftLog(Storage* storage, uint64_t max_next_ents_bytes)
    : storage_(storage), max_next_ents_bytes_(max_next_ents_bytes) {
  ETCDPP_CHECK(storage != nullptr, "storage must not be nil");
  uint64_t first = MustOk(storage->FirstIndex(), "storage FirstIndex");
  uint64_t last = MustOk(storage->LastIndex(), "storage LastIndex");
  unstable_ = Unstable(last + 1);
  // Everything persisted up to the snapshot is, by definition, committed and applied.
  committed_ = first - 1;
  applied_ = first - 1;
}

uint64_t RaftLog::FirstIndex() const {
  if (auto i = unstable_.MaybeFirstIndex()) return *i;
  return MustOk(storage_->FirstIndex(), "storage FirstIndex");
}

uint64_t RaftLog::LastIndex() const {
  if (auto i = unstable_.MaybeLastIndex()) return *i;
  return MustOk(storage_->LastIndex(), "storage LastIndex");
}

uint64_t RaftLog::LastTerm() const {
  auto t = Term(LastIndex());
  ETCDPP_CHECK(t.ok(), "unexpected error getting the last term: " + t.status().ToString());
  return *t;
}

Result<uint64_t> RaftLog::Term(uint64_t i) const {
  uint64_t dummy = FirstIndex() - 1;
  if (i < dummy || i > LastIndex()) return uint64_t{0};
  if (auto t = unstable_.MaybeTerm(i)) return *t;
  auto t = storage_->Term(i);
  if (t.ok() || IsCompacted(t.status()) || IsUnavailable(t.status())) return t;
  ETCDPP_CHECK(false, "storage Term: " + t.status().ToString());
  return t;
}

uint64_t RaftLog::ZeroTermOnCompacted(uint64_t i) const {
  auto t = Term(i);
  if (t.ok()) return *t;
  ETCDPP_CHECK(IsCompacted(t.status()), "unexpected term error: " + t.status().ToString());
  return 0;
}

bool RaftLog::MatchTerm(uint64_t i, uint64_t term) const {
  auto t = Term(i);
  return t.ok() && *t == term;
}

bool RaftLog::IsUpToDate(uint64_t last_index, uint64_t term) const {
  uint64_t lt = LastTerm();
  return term > lt || (term == lt && last_index >= LastIndex());
}

std::optional<uint64_t> RaftLog::MaybeAppend(uint64_t index, uint64_t log_term,
                                             uint64_t committed, Entries&& ents) {
  if (!MatchTerm(index, log_term)) return std::nullopt;
  uint64_t last_new = index + ents.size();
  uint64_t ci = FindConflict(ents);
  if (ci != 0) {
    ETCDPP_CHECK(ci > committed_, "entry conflicts with a committed entry");
    uint64_t offset = index + 1;
    ents.erase(ents.begin(), ents.begin() + (ci - offset));
    Append(std::move(ents));
  }
  CommitTo(std::min(committed, last_new));
  return last_new;
}

uint64_t RaftLog::Append(Entries&& ents) {
  if (ents.empty()) return LastIndex();
  ETCDPP_CHECK(ents[0].index() - 1 >= committed_, "appending below the commit index");
  unstable_.TruncateAndAppend(std::move(ents));
  return LastIndex();
}

uint64_t RaftLog::FindConflict(const Entries& ents) const {
  for (const auto& e : ents) {
    if (!MatchTerm(e.index(), e.term())) return e.index();
  }
  return 0;
}

uint64_t RaftLog::FindConflictByTerm(uint64_t index, uint64_t term) const {
  uint64_t li = LastIndex();
  if (index > li) return index;
  // Bounded: each step moves down one index, and stops at the first compacted one.
  for (;;) {
    auto t = Term(index);
    if (!t.ok() || *t <= term) return index;
    --index;
  }
}

Result<Entries> RaftLog::EntriesFrom(uint64_t i, uint64_t max_bytes) const {
  if (i > LastIndex()) return Entries{};
  return Slice(i, LastIndex() + 1, max_bytes);
}

Entries RaftLog::AllEntries() const {
  auto r = EntriesFrom(FirstIndex(), kNoLimit);
  ETCDPP_CHECK(r.ok(), r.status().ToString());
  return std::move(r).value();
}

Status RaftLog::CheckOutOfBounds(uint64_t lo, uint64_t hi) const {
  ETCDPP_CHECK(lo <= hi, "invalid slice");
  uint64_t fi = FirstIndex();
  if (lo < fi) return ErrCompacted();
  ETCDPP_CHECK(hi <= LastIndex() + 1, "slice out of bound");
  return Status::Ok();
}

Result<Entries> RaftLog::Slice(uint64_t lo, uint64_t hi, uint64_t max_bytes) const {
  ETCDPP_RETURN_IF_ERROR(CheckOutOfBounds(lo, hi));
  if (lo == hi) return Entries{};
  Entries ents;
  uint64_t off = unstable_.offset();
  if (lo < off) {
    auto stored = storage_->GetEntries(lo, std::min(hi, off), max_bytes);
    if (!stored.ok()) {
      if (IsCompacted(stored.status())) return stored.status();
      ETCDPP_CHECK(false, "storage entries: " + stored.status().ToString());
    }
    ents = std::move(stored).value();
    // Storage stopped early on the byte limit: that is all we may return.
    if (ents.size() < std::min(hi, off) - lo) return ents;
  }
  if (hi > off) {
    uint64_t from = std::max(lo, off);
    const Entries& u = unstable_.entries();
    ents.insert(ents.end(), u.begin() + (from - off), u.begin() + (hi - off));
  }
  LimitSize(&ents, max_bytes);
  return ents;
}

Entries RaftLog::NextEnts() const {
  uint64_t off = std::max(applied_ + 1, FirstIndex());
  if (committed_ + 1 <= off) return {};
  auto r = Slice(off, committed_ + 1, max_next_ents_bytes_);
  ETCDPP_CHECK(r.ok(), "unexpected error getting unapplied entries: " + r.status().ToString());
  return std::move(r).value();
}

bool RaftLog::HasNextEnts() const {
  uint64_t off = std::max(applied_ + 1, FirstIndex());
  return committed_ + 1 > off;
}

Result<raftpb::Snapshot> RaftLog::Snapshot() const {
  if (unstable_.snapshot()) return *unstable_.snapshot();
  return storage_->GetSnapshot();
}

bool RaftLog::MaybeCommit(uint64_t max_index, uint64_t term) {
  if (max_index > committed_ && ZeroTermOnCompacted(max_index) == term) {
    CommitTo(max_index);
    return true;
  }
  return false;
}

void RaftLog::CommitTo(uint64_t to) {
  if (committed_ < to) {
    ETCDPP_CHECK(to <= LastIndex(), "commit index out of range; was the log corrupted, truncated or lost?");
    committed_ = to;
  }
}

void RaftLog::AppliedTo(uint64_t i) {
  if (i == 0) return;
  ETCDPP_CHECK(committed_ >= i && i >= applied_, "applied index out of range");
  applied_ = i;
}

void RaftLog::Restore(const raftpb::Snapshot& s) {
  committed_ = s.metadata().index();
  unstable_.Restore(s);
}

}  // namespace etcdpp::raft
