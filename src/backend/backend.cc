#include "backend/backend.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <utility>

namespace etcdpp::backend {
Result<std::unique_ptr<Backend>> Backend::Open(BackendOptions options) {
  std::unique_ptr<Backend> self(new Backend(std::move(options)));
  RemoveDefragLeftovers(self->options_.path);
  ETCDPP_ASSIGN_OR_RETURN(std::unique_ptr<LmdbEnv> env,
                          LmdbEnv::Open(self->options_.path, self->options_.map_size_bytes));
  ETCDPP_ASSIGN_OR_RETURN(uint64_t last, env->LastTxnId());
  self->env_ = std::move(env);
  self->RefreshInUse(*self->env_);
  self->committed_txn_id_ = last;
  self->active_ = std::make_shared<WriteBuffer>(last + 1);
  self->committer_ = std::thread([b = self.get()] { b->CommitterLoop(); });
  return self;
}

Backend::~Backend() {
  {
    std::lock_guard write(write_mu_);
    FlushLocked();
  }
  {
    std::lock_guard state(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  committer_.join();
  if (dir_sync_pending_) SyncDirOrDie();  // a defrag's rename no commit has covered yet
}

BatchTx Backend::BeginWrite() {
  std::unique_lock write(write_mu_);
  std::shared_ptr<WriteBuffer> active;
  {
    std::lock_guard state(mu_);
    batch_open_ = true;
    active = active_;
  }
  return BatchTx(this, std::move(write), std::move(active));
}

void Backend::OnBatchEnd() {
  std::unique_lock state(mu_);
  batch_open_ = false;
  const bool full = active_->ops() >= options_.batch_ops_max ||
                    active_->bytes() >= options_.batch_bytes_max;
  if (full || (seal_requested_ && sealed_ == nullptr)) SealLocked(state);
}

uint64_t Backend::SealLocked(std::unique_lock<std::mutex>& state) {
  // Back-pressure: at most one batch waits for its commit while the next one fills.
  // The committer may seal the active buffer while we wait, so test emptiness after.
  if (!active_->empty()) cv_.wait(state, [&] { return sealed_ == nullptr; });
  if (active_->empty()) {
    return sealed_ != nullptr ? sealed_->txn_id() : committed_txn_id_;
  }
  seal_requested_ = false;
  sealed_ = std::move(active_);
  active_ = std::make_shared<WriteBuffer>(sealed_->txn_id() + 1);
  cv_.notify_all();
  return sealed_->txn_id();
}

void Backend::WaitCommitted(uint64_t txn_id) {
  std::unique_lock state(mu_);
  cv_.wait(state, [&] { return committed_txn_id_ >= txn_id; });
}

void Backend::FlushLocked() {
  uint64_t id;
  {
    std::unique_lock state(mu_);
    id = SealLocked(state);
  }
  WaitCommitted(id);
}

Status Backend::ForceCommit() {
  uint64_t id;
  {
    std::lock_guard write(write_mu_);
    std::unique_lock state(mu_);
    id = SealLocked(state);
  }
  WaitCommitted(id);
  return Status::Ok();
}

void Backend::CommitterLoop() {
  using Clock = std::chrono::steady_clock;
  const auto interval = std::chrono::milliseconds(options_.batch_interval_ms);
  auto next = Clock::now() + interval;
  std::unique_lock state(mu_);
  while (true) {
    if (sealed_ != nullptr) {
      std::shared_ptr<const WriteBuffer> batch = sealed_;
      std::shared_ptr<LmdbEnv> env = env_;
      const bool sync_dir = std::exchange(dir_sync_pending_, false);
      state.unlock();
      if (sync_dir) SyncDirOrDie();
      Status st = env->Commit(*batch);
      for (int grows = 0; grows < 8 && st.code() == StatusCode::kResourceExhausted; ++grows) {
        st = GrowMap(*env);  // the map is full: grow it and retry the same batch
        if (st.ok()) st = env->Commit(*batch);
      }
      // A failed commit loses applied writes: a durability failure, fatal by design.
      ETCDPP_CHECK(st.ok(), "backend commit failed: " + st.ToString());
      RefreshInUse(*env);  // before the commit is announced: ForceCommit then sees it
      state.lock();
      committed_txn_id_ = batch->txn_id();
      if (recording_) RecordCommittedLocked(batch);
      sealed_.reset();
      commit_count_.fetch_add(1, std::memory_order_relaxed);
      cv_.notify_all();
      continue;
    }
    if (stop_) return;
    if (options_.batch_interval_ms > 0 && Clock::now() >= next) {
      next = Clock::now() + interval;
      if (!active_->empty()) {
        // Never split a BatchTx: seal now if none is open, else when it ends.
        if (batch_open_) {
          seal_requested_ = true;
        } else {
          SealLocked(state);
        }
      }
      continue;
    }
    if (options_.batch_interval_ms > 0) {
      cv_.wait_until(state, next);
    } else {
      cv_.wait(state);
    }
  }
}

Status Backend::GrowMap(LmdbEnv& env) {
  std::unique_lock state(mu_);
  readers_paused_ = true;
  cv_.wait(state, [&] { return open_views_ == 0; });
  Status st = env.GrowMap();
  readers_paused_ = false;
  cv_.notify_all();
  return st;
}

Result<ReadTx> Backend::BeginRead() {
  constexpr int kAttemptsMax = 1000;
  for (int attempt = 0; attempt < kAttemptsMax; ++attempt) {
    ReadTx tx;
    {
      std::unique_lock state(mu_);
      cv_.wait(state, [&] { return !readers_paused_; });
      tx.env_ = env_;
      tx.sealed_ = sealed_;
      tx.active_ = active_;
      tx.seq_ = active_->visible_seq();
      ++open_views_;
    }
    tx.on_end_ = [this] { EndView(); };
    ETCDPP_ASSIGN_OR_RETURN(tx.txn_, tx.env_->BeginRead());
    // The LMDB snapshot must not already hold the active buffer (it would show writes
    // newer than seq_); that happens only if two commits raced this call.
    if (mdb_txn_id(tx.txn_) < tx.active_->txn_id()) return tx;
  }
  return Internal("backend: no consistent read view after retries");
}

void Backend::EndView() {
  std::lock_guard state(mu_);
  if ((--open_views_ == 0 && readers_paused_) || retiring_) cv_.notify_all();
}

Status BatchTx::EnsureView() {
  if (view_.valid()) return Status::Ok();
  Backend* b = backend_;
  {
    std::unique_lock state(b->mu_);
    b->cv_.wait(state, [&] { return !b->readers_paused_; });
    view_.env_ = b->env_;
    view_.sealed_ = b->sealed_;
    ++b->open_views_;
  }
  view_.active_ = active_;
  view_.seq_ = UINT64_MAX;  // own writes, including later ones
  view_.on_end_ = [b] { b->EndView(); };
  ETCDPP_ASSIGN_OR_RETURN(view_.txn_, view_.env_->BeginRead());
  return Status::Ok();
}

void BatchTx::Put(Bucket bucket, std::string_view key, std::string_view value) {
  ETCDPP_CHECK(lock_.owns_lock(), "Put on an ended BatchTx");
  active_->Put(bucket, key, value);
}

void BatchTx::Delete(Bucket bucket, std::string_view key) {
  ETCDPP_CHECK(lock_.owns_lock(), "Delete on an ended BatchTx");
  active_->Delete(bucket, key);
}

Result<std::optional<std::string>> BatchTx::Get(Bucket bucket, std::string_view key) {
  ETCDPP_RETURN_IF_ERROR(EnsureView());
  return view_.Get(bucket, key);
}

Status BatchTx::Range(Bucket bucket, std::string_view begin, std::string_view end, size_t limit,
                      const ReadTx::Visitor& fn) {
  ETCDPP_RETURN_IF_ERROR(EnsureView());
  return view_.Range(bucket, begin, end, limit, fn);
}

void BatchTx::End() {
  if (!lock_.owns_lock()) return;
  view_.End();
  active_->Publish();  // readers see the whole operation or none of it
  backend_->OnBatchEnd();
  active_.reset();
  lock_.unlock();
}

}  // namespace etcdpp::backend
