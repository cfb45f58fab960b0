#include "server/lease_loop.h"

#include <algorithm>

namespace etcdpp::server {
namespace {

// etcd: maxPendingRevokes revoke proposals in flight, leaseRevokeRate leases a second,
// maxLeaseCheckpointBatchSize checkpoints a proposal.
constexpr int kMaxPendingRevokes = 16;
constexpr size_t kRevokesPerSecond = 1000;
constexpr size_t kMaxCheckpointBatch = 1000;

}  // namespace

void LeaseLoop::Start() { thread_ = std::thread([this] { Run(); }); }

void LeaseLoop::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void LeaseLoop::Run() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    cv_.wait_for(lock, deps_.interval, [this] { return stop_; });
    if (stop_) return;
    lock.unlock();
    RunOnce();
    lock.lock();
  }
}

void LeaseLoop::RunOnce() {
  LeaseKeeper& keeper = *deps_.keeper;
  if (!deps_.is_leader()) {
    keeper.DemoteUnlessLeader(deps_.is_leader);
    return;
  }
  // Promotion waits for the new term's first entry to apply (see the applier).
  if (!keeper.is_primary()) return;
  const auto per_round = std::max<size_t>(
      1, kRevokesPerSecond * static_cast<size_t>(deps_.interval.count()) / 1000);
  const int room = kMaxPendingRevokes - revokes_in_flight_.load();
  if (room > 0) {
    for (int64_t id : keeper.FindExpired(std::min<size_t>(per_round, static_cast<size_t>(room)))) {
      etcdserverpb::InternalRaftRequest r;
      r.mutable_lease_revoke()->set_id(id);
      revokes_in_flight_.fetch_add(1);
      // A failed revoke is retried: the lessor reports the lease again later.
      deps_.propose(std::move(r), [this](Status) { revokes_in_flight_.fetch_sub(1); });
    }
  }
  if (!deps_.checkpointing) return;
  auto due = keeper.FindDueCheckpoints(kMaxCheckpointBatch);
  if (due.empty()) return;
  etcdserverpb::InternalRaftRequest r;
  for (const auto& c : due) {
    auto* cp = r.mutable_lease_checkpoint()->add_checkpoints();
    cp->set_id(c.id);
    cp->set_remaining_ttl(c.remaining_ttl_seconds);
  }
  deps_.propose(std::move(r), [](Status) {});
}

}  // namespace etcdpp::server
