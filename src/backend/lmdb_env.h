// LmdbEnv: one open LMDB environment (the file member/snap/db) with a database handle per
// bucket. It is one "generation" of the backend file: readers pin it through shared_ptr, so
// a defragmented file can replace it while old snapshots finish on the old one.
//
// Thread safety: read transactions may be begun, used and ended on any thread (MDB_NOTLS);
// write transactions are begun and committed by the backend's committer thread only.
#pragma once

#include <lmdb.h>

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "backend/schema.h"
#include "backend/write_buffer.h"
#include "base/status.h"

namespace etcdpp::backend {

// "lmdb <what>: <mdb_strerror>" as an IoError (or ResourceExhausted for a full map).
Status LmdbStatus(int rc, std::string_view what);

class LmdbEnv {
 public:
  // Opens (creating if needed) the single-file environment at `path` and every bucket.
  // `durable` false skips the fsync of each commit (MDB_NOSYNC): only for a file that is
  // not yet the backend's (a defrag copy being caught up), made durable with Sync().
  static Result<std::unique_ptr<LmdbEnv>> Open(const std::string& path, size_t map_size_bytes,
                                               bool durable = true);
  ~LmdbEnv();
  LmdbEnv(const LmdbEnv&) = delete;
  LmdbEnv& operator=(const LmdbEnv&) = delete;

  MDB_env* env() const { return env_; }
  MDB_dbi dbi(Bucket bucket) const { return dbis_[static_cast<size_t>(bucket)]; }
  const std::string& path() const { return path_; }

  // A read-only snapshot of the last commit; give it back with EndRead.
  Result<MDB_txn*> BeginRead();
  void EndRead(MDB_txn* txn);

  // Writes the final state of every key in `buffer` in one durable LMDB transaction whose
  // id must be buffer.txn_id(). Requires: called by one thread at a time.
  Status Commit(const WriteBuffer& buffer);
  // Writes the final state of every key in `buffer` in one transaction numbered by this
  // environment (ids of another file's buffers do not apply): replays a batch committed
  // to the old file onto a defrag copy. Requires: called by one thread at a time.
  Status Replay(const WriteBuffer& buffer);
  // Flushes every commit to disk (for an environment opened with durable false).
  Status Sync();
  // From now on every commit is durable again (undoes durable false at open).
  Status SetDurable();
  // Doubles the map. Requires: no transaction of this environment is open.
  Status GrowMap();
  // Id of the newest committed transaction.
  Result<uint64_t> LastTxnId();

  // Writes a compacted copy of the committed state to `fd`.
  Status CopyCompact(int fd);
  // Bytes of pages holding data: pages up to the last used one, minus free pages.
  Result<uint64_t> InUseBytes();

 private:
  LmdbEnv() = default;
  // One write transaction with `buffer`'s final states; `expected_txn_id` 0 skips the check.
  Status Write(const WriteBuffer& buffer, uint64_t expected_txn_id);

  MDB_env* env_ = nullptr;
  std::array<MDB_dbi, kBucketCount> dbis_{};
  MDB_dbi internal_dbi_ = 0;  // "etcdpp": not an etcd bucket; see Commit
  std::string path_;
  std::mutex pool_mu_;                 // guards idle_readers_
  std::vector<MDB_txn*> idle_readers_;  // reset read txns, renewed instead of re-created
};

}  // namespace etcdpp::backend
