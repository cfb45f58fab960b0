#include "backend/lmdb_env.h"

#include "backend/mapped_pages.h"

#include <sys/stat.h>

namespace etcdpp::backend {
namespace {

constexpr size_t kIdleReadersMax = 64;
constexpr unsigned kMaxReaders = 4096;
constexpr MDB_dbi kFreeDbi = 0;  // LMDB's own free-page database
constexpr const char* kInternalDbName = "etcdpp";
constexpr std::string_view kCommitSeqKey = "commit_seq";

MDB_val Val(std::string_view s) { return MDB_val{s.size(), const_cast<char*>(s.data())}; }

// Lets ReleaseMappedPages act on this env's map (and on nothing else).
void RegisterMapOf(const LmdbEnv* owner, MDB_env* env) {
  int fd = -1;
  struct stat st {};
  if (mdb_env_get_fd(env, &fd) == 0 && ::fstat(fd, &st) == 0) RegisterFileMap(owner, st.st_dev, st.st_ino);
}

}  // namespace

Status LmdbStatus(int rc, std::string_view what) {
  std::string message = "lmdb " + std::string(what) + ": " + mdb_strerror(rc);
  if (rc == MDB_MAP_FULL) return ResourceExhausted(std::move(message));
  return IoError(std::move(message));
}

Result<std::unique_ptr<LmdbEnv>> LmdbEnv::Open(const std::string& path, size_t map_size_bytes,
                                               bool durable) {
  std::unique_ptr<LmdbEnv> self(new LmdbEnv());
  self->path_ = path;
  int rc = mdb_env_create(&self->env_);
  if (rc != 0) return LmdbStatus(rc, "env_create");
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && static_cast<size_t>(st.st_size) * 2 > map_size_bytes) {
    map_size_bytes = static_cast<size_t>(st.st_size) * 2;
  }
  if ((rc = mdb_env_set_mapsize(self->env_, map_size_bytes)) != 0) return LmdbStatus(rc, "set_mapsize");
  if ((rc = mdb_env_set_maxdbs(self->env_, 32)) != 0) return LmdbStatus(rc, "set_maxdbs");
  if ((rc = mdb_env_set_maxreaders(self->env_, kMaxReaders)) != 0) return LmdbStatus(rc, "set_maxreaders");
  // Durable commits (no MDB_NOSYNC / MDB_NOMETASYNC); read txns may move across threads.
  // No readahead on the map (bbolt advises the same): a scan reads what it touches.
  const unsigned flags = MDB_NOSUBDIR | MDB_NOTLS | MDB_NORDAHEAD | (durable ? 0 : MDB_NOSYNC);
  rc = mdb_env_open(self->env_, path.c_str(), flags, 0600);
  if (rc != 0) return LmdbStatus(rc, "open " + path);
  RegisterMapOf(self.get(), self->env_);

  MDB_txn* txn = nullptr;
  if ((rc = mdb_txn_begin(self->env_, nullptr, 0, &txn)) != 0) return LmdbStatus(rc, "txn_begin");
  for (size_t i = 0; i < kBucketCount; ++i) {
    std::string name(BucketName(static_cast<Bucket>(i)));
    rc = mdb_dbi_open(txn, name.c_str(), MDB_CREATE, &self->dbis_[i]);
    if (rc != 0) {
      mdb_txn_abort(txn);
      return LmdbStatus(rc, "dbi_open " + name);
    }
  }
  rc = mdb_dbi_open(txn, kInternalDbName, MDB_CREATE, &self->internal_dbi_);
  if (rc != 0) {
    mdb_txn_abort(txn);
    return LmdbStatus(rc, "dbi_open etcdpp");
  }
  if ((rc = mdb_txn_commit(txn)) != 0) return LmdbStatus(rc, "commit bucket creation");
  return self;
}

LmdbEnv::~LmdbEnv() {
  UnregisterFileMap(this);
  for (MDB_txn* txn : idle_readers_) mdb_txn_abort(txn);
  if (env_ != nullptr) mdb_env_close(env_);
}

Result<MDB_txn*> LmdbEnv::BeginRead() {
  MDB_txn* txn = nullptr;
  {
    std::lock_guard lock(pool_mu_);
    if (!idle_readers_.empty()) {
      txn = idle_readers_.back();
      idle_readers_.pop_back();
    }
  }
  if (txn != nullptr) {
    int rc = mdb_txn_renew(txn);
    if (rc == 0) return txn;
    mdb_txn_abort(txn);
  }
  int rc = mdb_txn_begin(env_, nullptr, MDB_RDONLY, &txn);
  if (rc != 0) return LmdbStatus(rc, "begin read txn");
  return txn;
}

void LmdbEnv::EndRead(MDB_txn* txn) {
  mdb_txn_reset(txn);
  std::lock_guard lock(pool_mu_);
  if (idle_readers_.size() < kIdleReadersMax) {
    idle_readers_.push_back(txn);
  } else {
    mdb_txn_abort(txn);
  }
}

Status LmdbEnv::Commit(const WriteBuffer& buffer) { return Write(buffer, buffer.txn_id()); }

Status LmdbEnv::Replay(const WriteBuffer& buffer) { return Write(buffer, 0); }

Status LmdbEnv::Sync() {
  int rc = mdb_env_sync(env_, 1);
  if (rc != 0) return LmdbStatus(rc, "sync");
  return Status::Ok();
}

Status LmdbEnv::SetDurable() {
  int rc = mdb_env_set_flags(env_, MDB_NOSYNC, 0);
  if (rc != 0) return LmdbStatus(rc, "set durable");
  return Status::Ok();
}

Status LmdbEnv::Write(const WriteBuffer& buffer, uint64_t expected_txn_id) {
  MDB_txn* txn = nullptr;
  int rc = mdb_txn_begin(env_, nullptr, 0, &txn);
  if (rc != 0) return LmdbStatus(rc, "begin write txn");
  // Buffers are numbered with the id their commit gets; only a non-empty buffer is sealed.
  ETCDPP_CHECK(expected_txn_id == 0 || mdb_txn_id(txn) == expected_txn_id,
               "backend write txn ids out of step: lmdb " + std::to_string(mdb_txn_id(txn)) +
                   ", buffer " + std::to_string(expected_txn_id));
  buffer.ForEachFinal([&](Bucket bucket, std::string_view key, const std::string* value) {
    if (rc != 0) return;
    MDB_val k = Val(key);
    if (value != nullptr) {
      MDB_val v = Val(*value);
      // Revisions only grow, and a batch visits its keys in order: appended, the key
      // bucket's pages fill up (a plain put splits a full page in half, leaving the file
      // about twice the size of its data). Anything not past the last key (a restore, a
      // rewritten revision) is refused unchanged and put normally.
      rc = bucket == Bucket::kKey ? mdb_put(txn, dbi(bucket), &k, &v, MDB_APPEND) : MDB_KEYEXIST;
      if (rc == MDB_KEYEXIST) rc = mdb_put(txn, dbi(bucket), &k, &v, 0);
    } else {
      rc = mdb_del(txn, dbi(bucket), &k, nullptr);
      if (rc == MDB_NOTFOUND) rc = 0;
    }
  });
  // Every commit must change a page: LMDB does not number a transaction that changed
  // nothing (a batch may net to nothing, e.g. a key put and deleted again).
  if (rc == 0) {
    char seq[8];
    uint64_t id = mdb_txn_id(txn);
    for (int i = 7; i >= 0; --i, id >>= 8) seq[i] = static_cast<char>(id & 0xff);
    MDB_val k = Val(kCommitSeqKey), v{sizeof seq, seq};
    rc = mdb_put(txn, internal_dbi_, &k, &v, 0);
  }
  if (rc != 0) {
    mdb_txn_abort(txn);
    return LmdbStatus(rc, "write");
  }
  rc = mdb_txn_commit(txn);
  if (rc != 0) return LmdbStatus(rc, "commit");
  return Status::Ok();
}

Status LmdbEnv::GrowMap() {
  {
    // Idle (reset) read handles go too: the map may move.
    std::lock_guard lock(pool_mu_);
    for (MDB_txn* txn : idle_readers_) mdb_txn_abort(txn);
    idle_readers_.clear();
  }
  MDB_envinfo info{};
  int rc = mdb_env_info(env_, &info);
  if (rc == 0) rc = mdb_env_set_mapsize(env_, info.me_mapsize * 2);
  if (rc != 0) return LmdbStatus(rc, "grow map");
  RegisterMapOf(this, env_);
  return Status::Ok();
}

Result<uint64_t> LmdbEnv::LastTxnId() {
  MDB_envinfo info{};
  int rc = mdb_env_info(env_, &info);
  if (rc != 0) return LmdbStatus(rc, "env_info");
  return static_cast<uint64_t>(info.me_last_txnid);
}

Status LmdbEnv::CopyCompact(int fd) {
  int rc = mdb_env_copyfd2(env_, fd, MDB_CP_COMPACT);
  if (rc != 0) return LmdbStatus(rc, "copy");
  return Status::Ok();
}

Result<uint64_t> LmdbEnv::InUseBytes() {
  ETCDPP_ASSIGN_OR_RETURN(MDB_txn * txn, BeginRead());
  MDB_envinfo info{};
  MDB_stat st{};
  int rc = mdb_env_info(env_, &info);
  if (rc == 0) rc = mdb_env_stat(env_, &st);
  uint64_t free_pages = 0;
  MDB_cursor* cursor = nullptr;
  if (rc == 0) rc = mdb_cursor_open(txn, kFreeDbi, &cursor);
  if (rc == 0) {
    MDB_val k, v;
    int op = MDB_FIRST;
    // Each free-list record is an array of page numbers whose first word is its length.
    while ((rc = mdb_cursor_get(cursor, &k, &v, static_cast<MDB_cursor_op>(op))) == 0) {
      free_pages += *static_cast<const size_t*>(v.mv_data);
      op = MDB_NEXT;
    }
    if (rc == MDB_NOTFOUND) rc = 0;
    mdb_cursor_close(cursor);
  }
  EndRead(txn);
  if (rc != 0) return LmdbStatus(rc, "size in use");
  uint64_t pages = info.me_last_pgno + 1;
  if (free_pages > pages) free_pages = pages;
  return (pages - free_pages) * st.ms_psize;
}

}  // namespace etcdpp::backend
