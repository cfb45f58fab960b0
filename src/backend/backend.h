// Backend: etcd's bucketed key-value store on LMDB, in the single file member/snap/db
// (layout and crash story in docs/formats/backend.md).
//
// Writes go through BatchTx into an in-memory write buffer and are committed by a
// committer thread as one durable LMDB transaction every `batch_interval_ms` or
// `batch_ops_max` operations (whichever first), so the writer never waits for fsync
// unless a whole batch is already waiting to commit. ReadTx views see applied writes at
// once and never block the writer. Because consistent_index is written in the same batch
// as the data it covers, a crash loses a suffix of applied entries that replay restores.
//
// Thread safety: all methods may be called from any thread. One BatchTx exists at a time
// (BeginWrite waits). Do not hold a ReadTx while writing, defragmenting or forcing a
// commit: growing the map and Defrag wait for open views to end. Destruction commits
// everything and stops the committer.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "backend/batch_tx.h"
#include "backend/lmdb_env.h"
#include "backend/read_tx.h"
#include "backend/schema.h"
#include "backend/write_buffer.h"
#include "base/status.h"

namespace etcdpp::backend {

struct BackendOptions {
  std::string path;                           // the db file; its directory must exist
  int batch_interval_ms = 100;                // 0: commit only when full or forced
  size_t batch_ops_max = 10000;
  size_t batch_bytes_max = size_t{64} << 20;  // bounds the memory of buffered writes
  // Virtual; at least twice an existing file; doubled when full (readers pause briefly).
  size_t map_size_bytes = size_t{16} << 30;
  // Defrag keeps the batches committed while it copies, to replay them onto the copy;
  // past this many bytes it drops them and defragments with writes paused instead.
  size_t defrag_catch_up_bytes_max = size_t{256} << 20;
  // Test seam: called at each defrag step, named like its failpoint (base/failpoint.h),
  // on the defragmenting thread. Tests block there to act while a defrag is under way.
  std::function<void(std::string_view step)> defrag_step_hook;
};

struct SnapshotInfo {
  uint64_t size_bytes = 0;
  std::string sha256;  // 32 raw bytes of SHA-256 over the file
};

// How long each part of a Defrag took, for the log.
struct DefragReport {
  bool online = true;  // false: the copy ran with writes paused (the catch-up overflowed)
  int catch_up_rounds = 0;
  std::chrono::microseconds copy{0};      // the compacting copy
  std::chrono::microseconds catch_up{0};  // replaying what was committed meanwhile, and fsync
  std::chrono::microseconds paused{0};    // writes waited: the last batches and the swap
  std::chrono::microseconds release{0};   // letting go of the old file
};

class Backend {
 public:
  static Result<std::unique_ptr<Backend>> Open(BackendOptions options);
  ~Backend();
  Backend(const Backend&) = delete;
  Backend& operator=(const Backend&) = delete;

  BatchTx BeginWrite();
  Result<ReadTx> BeginRead();
  // Returns once every write ended before the call is durable.
  Status ForceCommit();

  // Writes a compacted copy of the durable state (after ForceCommit) to `fd`.
  Status Snapshot(int fd);
  // Same into a new file at `path` (fsync'd), with its size and SHA-256.
  Result<SnapshotInfo> SnapshotToFile(const std::string& path);
  // Rewrites the file without free pages while reads and writes go on: copies, replays
  // the batches committed meanwhile onto the copy, then pauses writes for the last few
  // batches and the switch to the copy. Views open at the switch keep reading the old
  // file until they end. A crash at any step leaves either the old or the new file,
  // complete. One defrag runs at a time. If writes during the copy outgrow
  // defrag_catch_up_bytes_max it copies again with writes paused, and then waits for open
  // views like ReplaceWith (so do not hold a ReadTx while calling it).
  // See docs/formats/backend.md "Defragmentation". `report`, if given, receives how long
  // each part took.
  Status Defrag(DefragReport* report = nullptr);
  // Replaces the whole store with the backend file at `path` (moved into place), e.g. a
  // snapshot received from the leader. Waits like Defrag.
  Status ReplaceWith(const std::string& path);

  // Size of the file on disk, and the bytes its live pages occupy (for the quota). The
  // latter is measured once per commit (walking LMDB's free list), not per call, so the
  // quota check on every write costs an atomic load.
  Result<uint64_t> SizeBytes() const;
  Result<uint64_t> SizeInUseBytes() const { return in_use_bytes_.load(std::memory_order_acquire); }
  // CRC-32C (Castagnoli) over every bucket name and key/value in name order, except
  // meta/consistent_index: etcd's Maintenance.Hash.
  Result<uint32_t> Hash();
  // LMDB transactions committed since open (for tests and metrics).
  uint64_t commit_count() const { return commit_count_.load(std::memory_order_relaxed); }
  const std::string& path() const { return options_.path; }

 private:
  friend class BatchTx;
  explicit Backend(BackendOptions options) : options_(std::move(options)) {}

  void CommitterLoop();
  // Moves the active buffer to the sealed slot, waiting for the slot if needed.
  // Requires: write_mu_ held by the caller. Returns the sealed buffer's txn id (0 if none).
  uint64_t SealLocked(std::unique_lock<std::mutex>& state);
  void OnBatchEnd();  // called by BatchTx::End with write_mu_ still held
  void WaitCommitted(uint64_t txn_id);
  void FlushLocked();  // requires write_mu_: seals and waits for durability
  void EndView();
  // Requires write_mu_ and a flushed buffer: moves `path` over the file and reopens it
  // once the open views have ended.
  // `after_rename_step`, if not empty, is a defrag step run between rename and reopen.
  Status SwapFileLocked(const std::string& path, std::string_view after_rename_step = {});
  // Defrag's parts (backend_defrag.cc).
  static void RemoveDefragLeftovers(const std::string& db_path);
  void DefragStep(std::string_view name);
  Status DefragOnline(const std::string& tmp, DefragReport& report);
  Status DefragStopTheWorld(const std::string& tmp, DefragReport& report);
  // Closes the env of the file a defrag replaced, still linked at `aside`, and removes the
  // file, a step at a time when no view reads it any more (backend_defrag.cc says why).
  void RetireReplacedFile(std::shared_ptr<LmdbEnv> old, const std::string& aside);
  // Starts recording committed batches and pins the current env as a view (for the copy;
  // EndView releases it); `generation` receives env_generation_.
  std::shared_ptr<LmdbEnv> StartRecording(uint64_t* generation);
  // Takes the batches recorded so far; `stop` ends recording. Aborted if they overflowed.
  Result<std::vector<std::shared_ptr<const WriteBuffer>>> TakeRecorded(bool stop);
  void RecordCommittedLocked(const std::shared_ptr<const WriteBuffer>& batch);
  // Requires write_mu_ and a flushed buffer, `env` open on `tmp` holding exactly the
  // committed state: renames `tmp` over the file and makes `env` the backend's at once
  // (no reopen, no wait for views). Returns the old env: views may still use it.
  Result<std::shared_ptr<LmdbEnv>> SwapInOpenEnvLocked(std::unique_ptr<LmdbEnv> env,
                                                       const std::string& tmp);
  void RefreshInUse(LmdbEnv& env);
  // fsyncs the file's directory; failing to is a durability failure, fatal.
  void SyncDirOrDie();
  // Pauses new views, waits for open ones to end, and grows the LMDB map.
  Status GrowMap(LmdbEnv& env);

  const BackendOptions options_;
  std::mutex write_mu_;  // the batch lock: held by the one BatchTx (and by Defrag's swap)
  std::mutex defrag_mu_;  // serialises Defrag calls

  std::mutex mu_;  // guards the fields below down to open_views_
  std::condition_variable cv_;
  std::shared_ptr<LmdbEnv> env_;
  uint64_t env_generation_ = 0;  // counts file swaps: tells Defrag its copy's file is gone
  std::shared_ptr<WriteBuffer> active_;
  std::shared_ptr<WriteBuffer> sealed_;
  uint64_t committed_txn_id_ = 0;
  bool stop_ = false;
  bool seal_requested_ = false;  // the interval elapsed while a BatchTx was open
  bool batch_open_ = false;      // a BatchTx is between BeginWrite and End
  bool readers_paused_ = false;  // the file is being swapped or the map grown
  // A defrag renamed its copy into place: the directory is fsync'd before the next commit,
  // so no commit to the new file is durable while the rename might not be.
  bool dir_sync_pending_ = false;
  size_t open_views_ = 0;
  bool retiring_ = false;  // a defrag waits for the views of the file it replaced to end
  // Batches committed while a defrag copies, oldest first (replayed onto the copy).
  bool recording_ = false;
  bool recording_overflowed_ = false;
  size_t recorded_bytes_ = 0;
  std::vector<std::shared_ptr<const WriteBuffer>> recorded_;

  std::atomic<uint64_t> commit_count_{0};
  std::atomic<uint64_t> in_use_bytes_{0};
  std::thread committer_;
};

}  // namespace etcdpp::backend
