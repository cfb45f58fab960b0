// Online defragmentation (the design and crash story: docs/formats/backend.md,
// "Defragmentation").
//
// 1. Start recording every batch the committer commits, and copy the file with LMDB's
//    compacting copy, which reads one snapshot: writes and reads go on meanwhile.
// 2. Open the copy and replay the recorded batches onto it, in commit order, a few rounds
//    while writes go on, until a round brings only a few.
// 3. Take the write lock (writes wait), flush, replay the rest, and swap the file.
// Replaying a batch the copy already holds is harmless: batches are applied in commit
// order and each writes final states, so the copy ends equal to the old file at the swap.
// 4. Let go of the old file gradually (RetireReplacedFile).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

#include "backend/backend.h"
#include "backend/backend_files.h"
#include "backend/mapped_pages.h"
#include "base/failpoint.h"

namespace etcdpp::backend {
namespace {

// Rounds of replay with writes going on; each one's batches came in during the previous.
constexpr int kCatchUpRoundsMax = 8;
// A round that brought at most this many batches ends the catch-up: the rest (the
// batches of about one more round) is replayed with writes paused.
constexpr size_t kFinalBatchesMax = 4;
// The copy is flushed to disk in steps of this size while it is written.
constexpr size_t kCopyFlushBytes = size_t{4} << 20;
// How long the release of the old file waits for views still reading it; past that the
// last view closes it, all at once.
constexpr auto kRetireWaitMax = std::chrono::seconds(1);
// The old file is truncated by this much at a time.
constexpr off_t kReleaseStepBytes = off_t{16} << 20;

using Clock = std::chrono::steady_clock;

std::chrono::microseconds Since(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start);
}

std::string TmpPath(const std::string& db_path) { return db_path + ".defrag.tmp"; }
// A second name for the file being replaced, so that the swap's rename does not free it.
std::string AsidePath(const std::string& db_path) { return db_path + ".defrag.old"; }
// LMDB's reader table for a file opened with MDB_NOSUBDIR.
std::string LockPath(const std::string& file) { return file + "-lock"; }

using Batches = std::vector<std::shared_ptr<const WriteBuffer>>;

Status ReplayAll(LmdbEnv& env, const Batches& batches) {
  for (const auto& batch : batches) {
    Status st = env.Replay(*batch);
    for (int grows = 0; grows < 8 && st.code() == StatusCode::kResourceExhausted; ++grows) {
      st = env.GrowMap();  // nobody else uses this env: no view to wait for
      if (st.ok()) st = env.Replay(*batch);
    }
    ETCDPP_RETURN_IF_ERROR(st);
  }
  return Status::Ok();
}

// Frees the file's blocks a step at a time, each step's journal commit forced at once, so
// that no WAL fsync waits behind the freeing of the whole file; then unlinks it.
void ShrinkAndRemove(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  struct stat st {};
  if (fd >= 0 && ::fstat(fd, &st) == 0) {
    for (off_t size = st.st_size; size > 0;) {
      size = size > kReleaseStepBytes ? size - kReleaseStepBytes : 0;
      if (::ftruncate(fd, size) != 0) break;
      (void)::fdatasync(fd);
    }
  }
  if (fd >= 0) ::close(fd);
  std::remove(path.c_str());
}

}  // namespace

void Backend::RemoveDefragLeftovers(const std::string& db_path) {
  // A copy left by a crash before its rename never became the backend, and the aside name
  // of a replaced file is the only name left of it (or a second name of the current one,
  // if the crash came between link and rename): drop them.
  std::remove(TmpPath(db_path).c_str());
  std::remove(LockPath(TmpPath(db_path)).c_str());
  std::remove(AsidePath(db_path).c_str());
}

void Backend::DefragStep(std::string_view name) {
  base::Failpoint(name);
  if (options_.defrag_step_hook) options_.defrag_step_hook(name);
}

Status Backend::Defrag(DefragReport* report) {
  std::lock_guard serial(defrag_mu_);
  const std::string tmp = TmpPath(options_.path);
  DefragReport unused;
  DefragReport& r = report != nullptr ? *report : unused;
  r = DefragReport{};
  Status st = DefragOnline(tmp, r);
  if (st.code() == StatusCode::kResourceExhausted) {
    r = DefragReport{.online = false};
    st = DefragStopTheWorld(tmp, r);
  }
  RemoveDefragLeftovers(options_.path);  // after a swap only the lock file is left
  return st;
}

std::shared_ptr<LmdbEnv> Backend::StartRecording(uint64_t* generation) {
  std::unique_lock state(mu_);
  // The copy's read transaction pins the map like a view: GrowMap must wait for it.
  cv_.wait(state, [&] { return !readers_paused_; });
  ++open_views_;
  recording_ = true;
  recording_overflowed_ = false;
  recorded_.clear();
  recorded_bytes_ = 0;
  *generation = env_generation_;
  return env_;
}

void Backend::RecordCommittedLocked(const std::shared_ptr<const WriteBuffer>& batch) {
  recorded_bytes_ += batch->bytes();
  if (recorded_bytes_ > options_.defrag_catch_up_bytes_max) {
    // Bounded memory: give up catching up; Defrag falls back to pausing writes.
    recording_ = false;
    recording_overflowed_ = true;
    recorded_.clear();
    return;
  }
  recorded_.push_back(batch);
}

Result<Batches> Backend::TakeRecorded(bool stop) {
  std::lock_guard state(mu_);
  Batches out;
  out.swap(recorded_);
  recorded_bytes_ = 0;
  const bool overflowed = recording_overflowed_;
  if (stop || overflowed) {
    recording_ = false;
    recording_overflowed_ = false;
  }
  if (overflowed) {
    return ResourceExhausted("defrag: writes during the copy exceeded " +
                             std::to_string(options_.defrag_catch_up_bytes_max) + " bytes");
  }
  return out;
}

Status Backend::DefragOnline(const std::string& tmp, DefragReport& report) {
  uint64_t generation = 0;
  Clock::time_point start = Clock::now();
  {
    std::shared_ptr<LmdbEnv> old_env = StartRecording(&generation);
    DefragStep("defragBeforeCopy");
    Status st = internal::CopyToFileFlushing(*old_env, tmp, kCopyFlushBytes);
    report.copy = Since(start);
    EndView();  // the copy's snapshot is released
    if (!st.ok()) {
      (void)TakeRecorded(/*stop=*/true);
      return st;
    }
  }
  // Every way out stops the recording (a no-op once the last batches are taken).
  struct StopRecording {
    Backend* backend;
    ~StopRecording() { (void)backend->TakeRecorded(/*stop=*/true); }
  } stop_recording{this};
  DefragStep("defragAfterCopy");

  ETCDPP_ASSIGN_OR_RETURN(std::unique_ptr<LmdbEnv> copy,
                          LmdbEnv::Open(tmp, options_.map_size_bytes, /*durable=*/false));
  start = Clock::now();
  for (int round = 0; round < kCatchUpRoundsMax; ++round) {
    ++report.catch_up_rounds;
    auto batches = TakeRecorded(/*stop=*/false);
    if (!batches.ok()) return batches.status();
    ETCDPP_RETURN_IF_ERROR(ReplayAll(*copy, *batches));
    if (round == 0) DefragStep("defragMidCatchUp");
    if (batches->size() <= kFinalBatchesMax) break;
  }
  // Most of the copy's fsync happens here, before writes pause.
  ETCDPP_RETURN_IF_ERROR(copy->Sync());
  report.catch_up = Since(start);

  std::shared_ptr<LmdbEnv> retired;
  {
    std::lock_guard write(write_mu_);  // writes wait from here to the swap
    start = Clock::now();
    FlushLocked();
    auto rest = TakeRecorded(/*stop=*/true);
    if (!rest.ok()) return rest.status();
    {
      std::lock_guard state(mu_);
      // A snapshot installed meanwhile (ReplaceWith) replaced the file we copied.
      if (env_generation_ != generation) {
        return FailedPrecondition("defrag: the backend file was replaced meanwhile");
      }
    }
    ETCDPP_RETURN_IF_ERROR(ReplayAll(*copy, *rest));
    ETCDPP_RETURN_IF_ERROR(copy->Sync());
    ETCDPP_RETURN_IF_ERROR(copy->SetDurable());
    DefragStep("defragBeforeRename");
    ETCDPP_ASSIGN_OR_RETURN(retired, SwapInOpenEnvLocked(std::move(copy), tmp));
    report.paused = Since(start);
  }
  // Writes have resumed.
  start = Clock::now();
  RetireReplacedFile(std::move(retired), AsidePath(options_.path));
  report.release = Since(start);
  return Status::Ok();
}

// Closing the replaced file at once would let go of all its pages and blocks in one go:
// unmapping hundreds of megabytes holds the process's address-space lock (other threads'
// page faults and allocations wait), and freeing as many blocks makes the file system's
// next journal commit, the one each WAL fsync waits for, that much longer. Both cost a
// writer tens of milliseconds. So its mapping is dropped and its blocks freed in steps
// first, once no view reads it (views are short; one that is not closes it itself).
void Backend::RetireReplacedFile(std::shared_ptr<LmdbEnv> old, const std::string& aside) {
  bool sole = false;
  {
    std::unique_lock state(mu_);
    retiring_ = true;
    sole = cv_.wait_for(state, kRetireWaitMax, [&] { return old.use_count() == 1; });
    retiring_ = false;
  }
  if (!sole) {
    std::remove(aside.c_str());  // the file goes when the last view closes it
    return;
  }
  int fd = -1;
  struct stat st {};
  if (mdb_env_get_fd(old->env(), &fd) == 0 && ::fstat(fd, &st) == 0) {
    ReleaseFileMap(old.get(), static_cast<size_t>(st.st_size));
  }
  old.reset();  // closes it; the aside name keeps its blocks
  ShrinkAndRemove(aside);
}

Result<std::shared_ptr<LmdbEnv>> Backend::SwapInOpenEnvLocked(std::unique_ptr<LmdbEnv> env,
                                                               const std::string& tmp) {
  ETCDPP_ASSIGN_OR_RETURN(uint64_t last, env->LastTxnId());
  // Without the second name (a file system without hard links) the old file is freed at
  // once when closed: slower for writers then, not less correct.
  const std::string aside = AsidePath(options_.path);
  std::remove(aside.c_str());
  (void)::link(options_.path.c_str(), aside.c_str());
  // Nothing may fail between the rename and the switch: the old file must not take
  // another commit once the new one is in place.
  if (::rename(tmp.c_str(), options_.path.c_str()) != 0) return internal::Errno("rename " + tmp);
  DefragStep("defragAfterRename");
  RefreshInUse(*env);
  // The env stays open on the renamed file (LMDB holds it by descriptor); its reader table
  // is the copy's lock file, unlinked by Defrag's cleanup: the next copy gets a fresh one.
  std::lock_guard state(mu_);
  std::shared_ptr<LmdbEnv> old = std::move(env_);
  env_ = std::move(env);
  ++env_generation_;
  // The new file numbers its transactions anew; the (empty) active buffer follows. Views
  // begun before keep the old env and buffers: they see the state at the swap, the same.
  committed_txn_id_ = last;
  active_ = std::make_shared<WriteBuffer>(last + 1);
  dir_sync_pending_ = true;
  cv_.notify_all();
  return old;
}

Status Backend::DefragStopTheWorld(const std::string& tmp, DefragReport& report) {
  std::lock_guard write(write_mu_);
  const Clock::time_point start = Clock::now();
  FlushLocked();
  std::shared_ptr<LmdbEnv> env;
  {
    std::lock_guard state(mu_);
    env = env_;
  }
  DefragStep("defragBeforeCopy");
  ETCDPP_RETURN_IF_ERROR(internal::CopyToFile(*env, tmp));
  env.reset();
  DefragStep("defragBeforeRename");
  Status st = SwapFileLocked(tmp, "defragAfterRename");
  report.copy = report.paused = Since(start);
  return st;
}

}  // namespace etcdpp::backend
