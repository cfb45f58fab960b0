// KvStore: etcd's multi-version key-value store over the backend's `key` bucket and an
// in-memory TreeIndex. Each write operation (Put, DeleteRange, a Txn with writes) is one
// revision; its changes are numbered with sub-revisions. Compaction drops history below a
// revision: the index at once, the backend rows in the background in chunks.
//
// Threads: write operations and Compact run on one thread (the apply thread). Range,
// read-only Txn, HashKV and the revision getters may run on any thread concurrently with
// it; they never see a half-applied operation. An optional WriteObserver is told of each
// revision's events on the apply thread after the revision becomes visible.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <vector>

#include "backend/backend.h"
#include "backend/meta.h"
#include "mvcc/errors.h"
#include "mvcc/lease_hooks.h"
#include "mvcc/requests.h"
#include "mvcc/tree_index.h"
#include "mvccpb/kv.pb.h"

namespace etcdpp::mvcc {

class WriteObserver {
 public:
  virtual ~WriteObserver() = default;
  // Events of revision `rev` in sub-revision order (DELETE events carry key and
  // mod_revision only).
  virtual void OnWrite(int64_t rev, const std::vector<mvccpb::Event>& events) = 0;
};

class WriteTxn;

class KvStore {
 public:
  // Rebuilds the index from the backend and resumes an interrupted compaction. `leases`
  // may be null (no lease checks); both must outlive the store.
  static Result<std::unique_ptr<KvStore>> Open(backend::Backend* backend, LeaseHooks* leases);
  ~KvStore();
  KvStore(const KvStore&) = delete;
  KvStore& operator=(const KvStore&) = delete;

  // Current revision (1 for an empty store) and the last compaction's revision (-1 when
  // never compacted, which etcd reports as HashKV's compact_revision).
  int64_t Rev() const { return current_rev_.load(std::memory_order_acquire); }
  int64_t CompactRev() const { return compact_rev_.load(std::memory_order_acquire); }

  Result<RangeResponse> Range(const RangeRequest& req) const;
  Result<PutResponse> Put(const PutRequest& req);
  Result<DeleteRangeResponse> DeleteRange(const DeleteRangeRequest& req);
  Result<TxnResponse> Txn(const TxnRequest& req);

  // Compacts history below `rev` (ErrCompacted if rev <= CompactRev, ErrFutureRev if
  // rev > Rev). The index is compacted before returning; backend rows are removed by the
  // compactor thread: WaitCompacted(rev) waits for that (etcd's `physical`).
  Status Compact(int64_t rev);
  void WaitCompacted(int64_t rev);
  // Runs `fn` once the rows below `rev` are removed: at once on the calling thread if they
  // already are, else on the compactor thread. Dropped unrun if the store closes first.
  void OnCompacted(int64_t rev, std::function<void()> fn);
  // etcd's HashKV: CRC-32C of the `key` bucket as of `rev` (0: current).
  Result<HashKvResult> HashKV(int64_t rev) const;

  // Written with every later write operation, in the same backend batch.
  void SetConsistentIndex(backend::ConsistentIndex ci) { consistent_index_ = ci; }
  void SetObserver(WriteObserver* observer) { observer_ = observer; }
  // Key-bucket rows with revisions in [from_rev, to_rev] (main revisions), ascending,
  // decoded; for watch catch-up. Rows already compacted are simply absent.
  Status ScanEvents(int64_t from_rev, int64_t to_rev, size_t limit,
                    std::vector<mvccpb::Event>* out) const;
  backend::Backend* backend() const { return backend_; }
  // Rebuilds the in-memory index from the backend after its file was replaced (a
  // snapshot from the leader). Call WaitCompacted(CompactRev()) before replacing the
  // file so no compaction of the old file is still running. Apply thread only.
  Status Reload();

 private:
  friend class WriteTxn;
  KvStore(backend::Backend* backend, LeaseHooks* leases) : backend_(backend), leases_(leases) {}

  Status Restore();
  void CompactorLoop();
  Status CompactBackend(int64_t rev, const std::set<Revision>& keep);
  Result<TxnResponse> ExecuteTxn(const TxnRequest& req, WriteTxn* wtxn);

  backend::Backend* const backend_;
  LeaseHooks* const leases_;
  WriteObserver* observer_ = nullptr;
  backend::ConsistentIndex consistent_index_;
  TreeIndex index_;

  // Readers hold it shared for a whole read; Compact holds it exclusively while it moves
  // the compact revision and compacts the index, so no read straddles a compaction.
  mutable std::shared_mutex mu_;
  std::atomic<int64_t> current_rev_{1};
  std::atomic<int64_t> compact_rev_{-1};

  std::mutex compact_mu_;  // guards the compactor queue, finished rev and stop flag
  std::condition_variable compact_cv_;
  std::deque<std::pair<int64_t, std::set<Revision>>> compact_queue_;
  int64_t finished_compact_rev_ = -1;
  std::multimap<int64_t, std::function<void()>> compact_waiters_;
  bool stop_ = false;
  // Revisions of ranges being sent (EncodedRows): the compactor waits for them.
  const std::shared_ptr<RowPins> pins_ = std::make_shared<RowPins>();
  std::thread compactor_;
};

}  // namespace etcdpp::mvcc
