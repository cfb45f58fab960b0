// KvStore: restore at open, compaction (logical now, physical on the compactor thread) and
// HashKV.
#include <map>

#include "backend/mapped_pages.h"
#include "base/crc32c.h"
#include "mvcc/kv_row_meta.h"
#include "mvcc/kv_store.h"

namespace etcdpp::mvcc {
namespace {

using backend::Bucket;

// Rows deleted per BatchTx, so the apply thread interleaves with a long compaction.
constexpr size_t kCompactChunkRows = 1000;
// How long a compaction waits for ranges still being sent below its revision (clients
// that stopped reading; etcdctl's own timeout is 5 s).
constexpr auto kRangePinWaitMax = std::chrono::minutes(5);

Result<int64_t> ReadCompactMark(const backend::ReadTx& tx, std::string_view name) {
  ETCDPP_ASSIGN_OR_RETURN(auto bytes, tx.Get(Bucket::kMeta, name));
  if (!bytes) return int64_t{-1};
  ETCDPP_ASSIGN_OR_RETURN(Revision rev, DecodeRevision(*bytes));
  return rev.main;
}

}  // namespace

Status KvStore::Restore() {
  ETCDPP_ASSIGN_OR_RETURN(backend::ReadTx tx, backend_->BeginRead());
  ETCDPP_ASSIGN_OR_RETURN(int64_t finished, ReadCompactMark(tx, backend::kFinishedCompactKey));
  ETCDPP_ASSIGN_OR_RETURN(int64_t scheduled, ReadCompactMark(tx, backend::kScheduledCompactKey));
  int64_t current = 1;
  std::map<std::string, int64_t> leased;  // live keys with a lease, to re-attach
  Status bad;
  ETCDPP_RETURN_IF_ERROR(tx.Range(Bucket::kKey, "", "", 0, [&](std::string_view k, std::string_view v) {
    auto rev = DecodeRevision(k);
    auto kv = rev.ok() ? ParseRowMeta(v) : Result<RowMeta>(rev.status());
    if (!kv.ok()) {
      bad = Corruption("mvcc: unreadable row in the key bucket");
      return false;
    }
    const std::string key(kv->key);
    backend::ReleaseMappedPages(v);  // only the value was not read
    current = std::max(current, rev->main);
    if (IsTombstone(k)) {
      // NotFound: the put was compacted away with the generation; nothing to end.
      index_.Tombstone(key, *rev).IgnoreError();
      leased.erase(key);
      return true;
    }
    index_.Restore(key, Revision{kv->create_revision, 0}, *rev, kv->version);
    if (kv->lease != 0) {
      leased[key] = kv->lease;
    } else {
      leased.erase(key);
    }
    return true;
  }));
  ETCDPP_RETURN_IF_ERROR(bad);
  const int64_t compact = std::max(finished, scheduled);
  current_rev_ = std::max(current, compact);
  compact_rev_ = compact;
  finished_compact_rev_ = finished;
  if (leases_ != nullptr) {
    for (const auto& [key, lease] : leased) leases_->Attach(lease, key);
  }
  return Status::Ok();
}

Status KvStore::Reload() {
  std::unique_lock lock(mu_);
  index_.Clear();
  ETCDPP_RETURN_IF_ERROR(Restore());
  std::lock_guard compact(compact_mu_);
  compact_queue_.clear();
  if (CompactRev() > finished_compact_rev_) {
    // The new file's compaction was scheduled but not finished where it was made.
    compact_queue_.emplace_back(CompactRev(), index_.Compact(CompactRev()));
    compact_cv_.notify_all();
  }
  return Status::Ok();
}

Status KvStore::Compact(int64_t rev) {
  std::set<Revision> keep;
  {
    std::unique_lock lock(mu_);
    if (rev <= CompactRev()) return ErrCompacted();
    if (rev > Rev()) return ErrFutureRev();
    {
      backend::BatchTx tx = backend_->BeginWrite();
      tx.Put(Bucket::kMeta, backend::kScheduledCompactKey, EncodeRevision({rev, 0}));
      if (consistent_index_.index != 0) backend::WriteConsistentIndex(tx, consistent_index_);
    }
    compact_rev_.store(rev, std::memory_order_release);
    keep = index_.Compact(rev);
  }
  std::lock_guard lock(compact_mu_);
  compact_queue_.emplace_back(rev, std::move(keep));
  compact_cv_.notify_all();
  return Status::Ok();
}

void KvStore::WaitCompacted(int64_t rev) {
  std::unique_lock lock(compact_mu_);
  compact_cv_.wait(lock, [&] { return stop_ || finished_compact_rev_ >= rev; });
}

void KvStore::OnCompacted(int64_t rev, std::function<void()> fn) {
  {
    std::lock_guard lock(compact_mu_);
    if (finished_compact_rev_ < rev) {
      compact_waiters_.emplace(rev, std::move(fn));
      return;
    }
  }
  fn();
}

void KvStore::CompactorLoop() {
  std::unique_lock lock(compact_mu_);
  while (true) {
    compact_cv_.wait(lock, [&] { return stop_ || !compact_queue_.empty(); });
    if (stop_) return;  // an unfinished compaction resumes at the next open
    auto [rev, keep] = std::move(compact_queue_.front());
    compact_queue_.pop_front();
    lock.unlock();
    // A range still being sent at a lower revision needs rows this compaction removes.
    if (!pins_->WaitNoneBelow(rev, kRangePinWaitMax)) return;
    Status st = CompactBackend(rev, keep);
    // Finished means committed: a physical compaction's caller then sees the freed space.
    if (st.ok()) st = backend_->ForceCommit();
    ETCDPP_CHECK(st.ok(), "mvcc: compaction failed: " + st.ToString());
    lock.lock();
    finished_compact_rev_ = std::max(finished_compact_rev_, rev);
    compact_cv_.notify_all();
    std::vector<std::function<void()>> ready;
    auto end = compact_waiters_.upper_bound(finished_compact_rev_);
    for (auto it = compact_waiters_.begin(); it != end; ++it) ready.push_back(std::move(it->second));
    compact_waiters_.erase(compact_waiters_.begin(), end);
    lock.unlock();
    for (auto& fn : ready) fn();
    lock.lock();
  }
}

Status KvStore::CompactBackend(int64_t rev, const std::set<Revision>& keep) {
  const std::string end = EncodeRevision({rev + 1, 0});
  std::string from;
  while (true) {
    {
      std::lock_guard lock(compact_mu_);
      if (stop_) return Status::Ok();
    }
    backend::BatchTx tx = backend_->BeginWrite();
    std::vector<std::string> doomed;
    size_t scanned = 0;
    std::string last;
    ETCDPP_RETURN_IF_ERROR(tx.Range(Bucket::kKey, from, end, kCompactChunkRows,
                                    [&](std::string_view k, std::string_view) {
                                      ++scanned;
                                      last.assign(k);
                                      auto r = DecodeRevision(k);
                                      if (r.ok() && keep.count(*r) == 0) doomed.emplace_back(k);
                                      return true;
                                    }));
    for (const std::string& k : doomed) tx.Delete(Bucket::kKey, k);
    if (scanned < kCompactChunkRows) {
      tx.Put(Bucket::kMeta, backend::kFinishedCompactKey, EncodeRevision({rev, 0}));
      return Status::Ok();
    }
    from = last + '\0';  // the smallest key after `last`
  }
}

Result<HashKvResult> KvStore::HashKV(int64_t rev) const {
  std::shared_lock lock(mu_);
  HashKvResult out;
  out.compact_revision = CompactRev();
  out.revision = Rev();
  if (rev > 0 && rev <= out.compact_revision) return ErrCompacted();
  if (rev > out.revision) return ErrFutureRev();
  if (rev == 0) rev = out.revision;
  const std::set<Revision> keep = index_.Keep(rev);
  ETCDPP_ASSIGN_OR_RETURN(backend::ReadTx tx, backend_->BeginRead());
  uint32_t crc = base::Crc32cExtend(0, backend::BucketName(Bucket::kKey));
  const std::string end = EncodeRevision({rev + 1, 0});
  ETCDPP_RETURN_IF_ERROR(tx.Range(Bucket::kKey, "", end, 0, [&](std::string_view k, std::string_view v) {
    auto r = DecodeRevision(k);
    // Rows at or below the compact revision count only if compaction keeps them.
    if (r.ok() && r->main <= out.compact_revision && !keep.empty() && keep.count(*r) == 0) {
      return true;
    }
    crc = base::Crc32cExtend(crc, k);
    crc = base::Crc32cExtend(crc, v);
    return true;
  }));
  out.hash = crc;
  return out;
}

}  // namespace etcdpp::mvcc
