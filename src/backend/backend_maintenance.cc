// Backend maintenance: snapshot, file swap (defrag, snapshot install), sizes and the hash.
#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <thread>

#include "backend/backend.h"
#include "backend/backend_files.h"
#include "base/crc32c.h"

namespace etcdpp::backend {
namespace internal {

Status Errno(const std::string& what) { return IoError(what + ": " + std::strerror(errno)); }

Status SyncDirOf(const std::string& file) {
  std::string dir = std::filesystem::path(file).parent_path().string();
  int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return Errno("open " + dir);
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return Errno("fsync " + dir);
  return Status::Ok();
}

Status CopyToFile(LmdbEnv& env, const std::string& path) {
  int fd = ::open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0) return Errno("create " + path);
  Status st = env.CopyCompact(fd);
  if (st.ok() && ::fsync(fd) != 0) st = Errno("fsync " + path);
  ::close(fd);
  return st;
}

Status CopyToFileFlushing(LmdbEnv& env, const std::string& path, size_t flush_bytes) {
  int fd = ::open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0) return Errno("create " + path);
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    ::close(fd);
    return Errno("pipe");
  }
  // LMDB writes the copy into the pipe from its own thread; this one drains it to the file.
  Status copied;
  std::thread copier([&] {
    copied = env.CopyCompact(pipe_fds[1]);
    ::close(pipe_fds[1]);  // end of data for the reader
  });
  Status st;
  std::string chunk(size_t{1} << 20, '\0');
  size_t unflushed = 0;
  off_t written = 0;
  // Drains to the end even after a failure here: closing the pipe early would kill the
  // process with SIGPIPE in the copier.
  while (true) {
    ssize_t n = ::read(pipe_fds[0], chunk.data(), chunk.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && st.ok()) st = Errno("read copy pipe");
    if (n <= 0) break;
    for (ssize_t off = 0; st.ok() && off < n;) {
      ssize_t w = ::write(fd, chunk.data() + off, static_cast<size_t>(n - off));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) st = Errno("write " + path);
      off += w > 0 ? w : 0;
    }
    unflushed += static_cast<size_t>(n);
    written += static_cast<off_t>(n);
    if (st.ok() && unflushed >= flush_bytes) {
      // Writes the data out without an fsync's journal commit, which every other fsync
      // on the file system (the WAL's) would wait for; the fsync at the end is the
      // durable one.
      const unsigned flags = SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER;
      const auto len = static_cast<off_t>(unflushed);
      if (::sync_file_range(fd, written - len, len, flags) != 0) {
        st = Errno("sync_file_range " + path);
      }
      unflushed = 0;
    }
  }
  ::close(pipe_fds[0]);
  copier.join();
  if (st.ok()) st = copied;
  if (st.ok() && ::fsync(fd) != 0) st = Errno("fsync " + path);
  ::close(fd);
  return st;
}

}  // namespace internal

namespace {

using internal::Errno;

Result<std::string> Sha256File(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Errno("open " + path);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  std::string chunk(1 << 16, '\0');
  ssize_t n;
  while ((n = ::read(fd, chunk.data(), chunk.size())) > 0) EVP_DigestUpdate(ctx, chunk.data(), n);
  ::close(fd);
  std::string digest(32, '\0');
  unsigned len = 0;
  EVP_DigestFinal_ex(ctx, reinterpret_cast<unsigned char*>(digest.data()), &len);
  EVP_MD_CTX_free(ctx);
  if (n < 0) return Errno("read " + path);
  return digest;
}

}  // namespace

Status Backend::Snapshot(int fd) {
  ETCDPP_RETURN_IF_ERROR(ForceCommit());
  std::shared_ptr<LmdbEnv> env;
  {
    std::lock_guard state(mu_);
    env = env_;
  }
  return env->CopyCompact(fd);
}

Result<SnapshotInfo> Backend::SnapshotToFile(const std::string& path) {
  ETCDPP_RETURN_IF_ERROR(ForceCommit());
  std::shared_ptr<LmdbEnv> env;
  {
    std::lock_guard state(mu_);
    env = env_;
  }
  ETCDPP_RETURN_IF_ERROR(internal::CopyToFile(*env, path));
  SnapshotInfo info;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return Errno("stat " + path);
  info.size_bytes = static_cast<uint64_t>(st.st_size);
  ETCDPP_ASSIGN_OR_RETURN(info.sha256, Sha256File(path));
  return info;
}

Status Backend::ReplaceWith(const std::string& path) {
  std::lock_guard write(write_mu_);
  FlushLocked();
  return SwapFileLocked(path);
}

Status Backend::SwapFileLocked(const std::string& path, std::string_view after_rename_step) {
  std::unique_lock state(mu_);
  readers_paused_ = true;
  cv_.wait(state, [&] { return open_views_ == 0; });
  env_.reset();  // no view holds it any more: closes the old file
  Status st;
  if (::rename(path.c_str(), options_.path.c_str()) != 0) st = Errno("rename " + path);
  if (st.ok()) st = internal::SyncDirOf(options_.path);
  if (st.ok() && !after_rename_step.empty()) DefragStep(after_rename_step);
  // Reopen whichever file is now in place; failing to is fatal (no backend to serve from).
  auto reopened = LmdbEnv::Open(options_.path, options_.map_size_bytes);
  ETCDPP_CHECK(reopened.ok(), "backend reopen after swap: " + reopened.status().ToString());
  env_ = std::move(reopened).value();
  ++env_generation_;
  RefreshInUse(*env_);
  auto last = env_->LastTxnId();
  ETCDPP_CHECK(last.ok(), "backend reopen after swap: " + last.status().ToString());
  // The new file numbers its transactions anew; the (empty) active buffer follows.
  committed_txn_id_ = *last;
  active_ = std::make_shared<WriteBuffer>(*last + 1);
  readers_paused_ = false;
  cv_.notify_all();
  return st;
}

Result<uint64_t> Backend::SizeBytes() const {
  struct stat st {};
  if (::stat(options_.path.c_str(), &st) != 0) return Errno("stat " + options_.path);
  return static_cast<uint64_t>(st.st_size);
}

void Backend::SyncDirOrDie() {
  Status st = internal::SyncDirOf(options_.path);
  ETCDPP_CHECK(st.ok(), "backend: directory fsync after defrag: " + st.ToString());
}

void Backend::RefreshInUse(LmdbEnv& env) {
  // An unreadable size keeps the last one: it must not stop writes.
  if (auto used = env.InUseBytes(); used.ok()) in_use_bytes_.store(*used, std::memory_order_release);
}

Result<uint32_t> Backend::Hash() {
  ETCDPP_ASSIGN_OR_RETURN(ReadTx tx, BeginRead());
  uint32_t crc = 0;
  for (Bucket bucket : BucketsByName()) {
    crc = base::Crc32cExtend(crc, BucketName(bucket));
    ETCDPP_RETURN_IF_ERROR(tx.Range(bucket, "", "", 0, [&](std::string_view k, std::string_view v) {
      if (bucket == Bucket::kMeta && k == kConsistentIndexKey) return true;
      crc = base::Crc32cExtend(crc, k);
      crc = base::Crc32cExtend(crc, v);
      return true;
    }));
  }
  return crc;
}

}  // namespace etcdpp::backend
