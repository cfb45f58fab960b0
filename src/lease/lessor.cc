#include "lease/lessor.h"

#include <algorithm>
#include <cmath>

namespace etcdpp::lease {
namespace {

// Leases a primary may revoke per second; Promote() spreads expiries to 3/4 of it.
constexpr size_t kLeaseRevokeRate = 1000;

}  // namespace

int64_t MinLeaseTtlSeconds(int64_t election_ticks, int64_t heartbeat_ms) {
  const int64_t min_ms = (3 * election_ticks) / 2 * heartbeat_ms;
  return (min_ms + 999) / 1000;
}

Lessor::Lessor(LeaseStore* store, KeyDeleter* deleter, Clock clock, LessorConfig config)
    : store_(store), deleter_(deleter), clock_(std::move(clock)), config_(config) {}

Status Lessor::Recover() {
  ETCDPP_ASSIGN_OR_RETURN(std::vector<leasepb::Lease> stored, store_->LoadAll());
  leases_.clear();
  key_to_lease_.clear();
  expiry_.Clear();
  checkpoints_.clear();
  for (const auto& pb : stored) {
    Lease l;
    l.id = pb.id();
    l.ttl = std::max(pb.ttl(), config_.min_lease_ttl_seconds);
    l.remaining_ttl = pb.remainingttl();
    leases_[l.id] = std::move(l);
  }
  return Status::Ok();
}

Status Lessor::Persist(const Lease& l) {
  leasepb::Lease pb;
  pb.set_id(l.id);
  pb.set_ttl(l.ttl);
  pb.set_remainingttl(l.remaining_ttl);
  return store_->Put(pb);
}

void Lessor::Refresh(Lease& l, Duration extend, int64_t ttl_seconds) {
  l.expiry = clock_() + extend + std::chrono::seconds(ttl_seconds);
  expiry_.Upsert(l.id, l.expiry);
}

void Lessor::ScheduleCheckpoint(const Lease& l) {
  if (!config_.checkpointing) return;
  const auto interval_s = std::chrono::duration_cast<std::chrono::seconds>(config_.checkpoint_interval).count();
  if (l.EffectiveTtl() <= interval_s) return;
  checkpoints_.push_back({clock_() + config_.checkpoint_interval, l.id});
  std::push_heap(checkpoints_.begin(), checkpoints_.end(), std::greater<>());
}

Duration Lessor::Remaining(const Lease& l, TimePoint now) const {
  if (l.expiry == TimePoint::max()) return Duration::max();
  return l.expiry - now;
}

LeaseInfo Lessor::Info(const Lease& l, TimePoint now, bool with_keys) const {
  LeaseInfo info;
  info.id = l.id;
  info.ttl_seconds = l.ttl;
  info.remaining_ttl_seconds = l.remaining_ttl;
  info.remaining = Remaining(l, now);
  if (with_keys) info.keys.assign(l.keys.begin(), l.keys.end());
  return info;
}

Result<LeaseInfo> Lessor::Grant(int64_t id, int64_t ttl_seconds) {
  if (id == kNoLease) return NotFound(std::string(kErrLeaseNotFound));
  if (ttl_seconds > kMaxLeaseTtlSeconds) return InvalidArgument(std::string(kErrLeaseTtlTooLarge));
  if (leases_.contains(id)) return AlreadyExists(std::string(kErrLeaseExists));
  Lease l;
  l.id = id;
  l.ttl = std::max(ttl_seconds, config_.min_lease_ttl_seconds);
  ETCDPP_RETURN_IF_ERROR(Persist(l));
  Lease& stored = leases_[id] = std::move(l);
  if (primary_) {
    Refresh(stored, Duration::zero(), stored.EffectiveTtl());
    ScheduleCheckpoint(stored);
  }
  return Info(stored, clock_(), false);
}

Status Lessor::Revoke(int64_t id) {
  auto it = leases_.find(id);
  if (it == leases_.end()) return NotFound(std::string(kErrLeaseNotFound));
  // Copied: the deleter may call Detach() for each key while it deletes.
  const std::vector<std::string> keys(it->second.keys.begin(), it->second.keys.end());
  ETCDPP_RETURN_IF_ERROR(deleter_->DeleteKeys(keys));
  for (const auto& k : keys) {
    auto owner = key_to_lease_.find(k);
    if (owner != key_to_lease_.end() && owner->second == id) key_to_lease_.erase(owner);
  }
  leases_.erase(id);
  expiry_.Erase(id);
  return store_->Delete(id);
}

Status Lessor::Checkpoint(int64_t id, int64_t remaining_ttl_seconds) {
  auto it = leases_.find(id);
  if (it == leases_.end()) return Status::Ok();
  it->second.remaining_ttl = remaining_ttl_seconds;
  if (config_.checkpoint_persist) ETCDPP_RETURN_IF_ERROR(Persist(it->second));
  if (primary_) ScheduleCheckpoint(it->second);
  return Status::Ok();
}

Result<int64_t> Lessor::Renew(int64_t id, bool* clear_checkpoint) {
  if (!primary_) return FailedPrecondition(std::string(kErrNotPrimary));
  auto it = leases_.find(id);
  if (it == leases_.end()) return NotFound(std::string(kErrLeaseNotFound));
  Lease& l = it->second;
  // An expired lease is as good as revoked: its revoke is on its way through raft.
  if (Remaining(l, clock_()) <= Duration::zero()) return NotFound(std::string(kErrLeaseNotFound));
  if (clear_checkpoint) *clear_checkpoint = config_.checkpointing && l.remaining_ttl > 0;
  // A keep-alive restarts the full TTL (the checkpointed remainder only matters until
  // the first renewal after a leader change).
  Refresh(l, Duration::zero(), l.ttl);
  return l.ttl;
}

Status Lessor::Attach(int64_t id, std::span<const std::string> keys) {
  auto it = leases_.find(id);
  if (it == leases_.end()) return NotFound(std::string(kErrLeaseNotFound));
  for (const auto& k : keys) {
    it->second.keys.insert(k);
    key_to_lease_[k] = id;
  }
  return Status::Ok();
}

Status Lessor::Detach(int64_t id, std::span<const std::string> keys) {
  auto it = leases_.find(id);
  if (it == leases_.end()) return NotFound(std::string(kErrLeaseNotFound));
  for (const auto& k : keys) {
    it->second.keys.erase(k);
    key_to_lease_.erase(k);
  }
  return Status::Ok();
}

int64_t Lessor::GetLease(std::string_view key) const {
  auto it = key_to_lease_.find(std::string(key));
  return it == key_to_lease_.end() ? kNoLease : it->second;
}

std::optional<LeaseInfo> Lessor::Lookup(int64_t id, bool with_keys) const {
  auto it = leases_.find(id);
  if (it == leases_.end()) return std::nullopt;
  return Info(it->second, clock_(), with_keys);
}

std::vector<LeaseInfo> Lessor::Leases() const {
  const TimePoint now = clock_();
  std::vector<LeaseInfo> out;
  out.reserve(leases_.size());
  for (const auto& [id, l] : leases_) out.push_back(Info(l, now, false));
  std::sort(out.begin(), out.end(), [](const LeaseInfo& a, const LeaseInfo& b) {
    return a.remaining != b.remaining ? a.remaining < b.remaining : a.id < b.id;
  });
  return out;
}

void Lessor::Promote(Duration extend) {
  primary_ = true;
  for (auto& [id, l] : leases_) {
    Refresh(l, extend, l.EffectiveTtl());
    ScheduleCheckpoint(l);
  }
  if (leases_.size() >= kLeaseRevokeRate) SpreadExpiries(clock_(), extend);
}

void Lessor::SpreadExpiries(TimePoint now, Duration extend) {
  // Many leases expiring in the same second would flood raft with revokes after a
  // leader change; push the excess of each one-second window later.
  std::vector<Lease*> by_expiry;
  for (auto& [id, l] : leases_) by_expiry.push_back(&l);
  std::sort(by_expiry.begin(), by_expiry.end(), [](const Lease* a, const Lease* b) {
    return a->expiry != b->expiry ? a->expiry < b->expiry : a->id < b->id;
  });
  const size_t target = 3 * kLeaseRevokeRate / 4;
  const Duration second = std::chrono::seconds(1);
  Duration base = by_expiry[0]->expiry - now;
  Duration next = base + second;
  size_t expires = 0;
  for (Lease* l : by_expiry) {
    const Duration remaining = l->expiry - now;
    if (remaining > next) {
      base = remaining;
      next = base + second;
      expires = 1;
      continue;
    }
    if (++expires <= target) continue;
    const auto delay = std::chrono::duration_cast<Duration>(
        second * (static_cast<double>(expires) / static_cast<double>(target)) - (remaining - base));
    next = base + delay;
    Refresh(*l, delay + extend, l->EffectiveTtl());
    ScheduleCheckpoint(*l);
  }
}

void Lessor::Demote() {
  primary_ = false;
  for (auto& [id, l] : leases_) l.expiry = TimePoint::max();
  expiry_.Clear();
  checkpoints_.clear();
}

std::vector<int64_t> Lessor::FindExpired(size_t limit) {
  std::vector<int64_t> out;
  if (!primary_) return out;
  const TimePoint now = clock_();
  // Bounded: every step either stops or re-arms one lease past now.
  for (size_t steps = expiry_.size(); steps > 0 && out.size() < limit; --steps) {
    auto top = expiry_.Top();
    if (!top || top->first > now) break;
    const int64_t id = top->second;
    auto it = leases_.find(id);
    if (it == leases_.end()) {
      expiry_.Erase(id);
      continue;
    }
    expiry_.Upsert(id, now + config_.expired_retry_interval);
    if (Remaining(it->second, now) <= Duration::zero()) out.push_back(id);
  }
  return out;
}

std::vector<LeaseCheckpoint> Lessor::FindDueCheckpoints(size_t limit) {
  std::vector<LeaseCheckpoint> out;
  if (!primary_ || !config_.checkpointing) return out;
  const TimePoint now = clock_();
  while (!checkpoints_.empty() && out.size() < limit) {
    const CheckpointAt due = checkpoints_.front();
    if (due.when > now) break;
    std::pop_heap(checkpoints_.begin(), checkpoints_.end(), std::greater<>());
    checkpoints_.pop_back();
    auto it = leases_.find(due.id);
    if (it == leases_.end() || now >= it->second.expiry) continue;
    const double left_s = std::chrono::duration<double>(it->second.expiry - now).count();
    const auto remaining = static_cast<int64_t>(std::ceil(left_s));
    if (remaining >= it->second.ttl) continue;
    out.push_back({due.id, remaining});
  }
  return out;
}

}  // namespace etcdpp::lease
