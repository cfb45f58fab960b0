#include "server/lease_keeper.h"

#include "server/errors.h"

namespace etcdpp::server {

// Deletes a revoked lease's keys, sorted, as one KV transaction (one revision).
class LeaseKeeper::Deleter final : public lease::KeyDeleter {
 public:
  explicit Deleter(LeaseKeeper* keeper) : keeper_(keeper) {}
  Status DeleteKeys(std::span<const std::string> keys) override {
    if (keys.empty() || keeper_->kv_ == nullptr) return Status();
    mvcc::TxnRequest txn;
    for (const auto& k : keys) txn.success.emplace_back(mvcc::DeleteRangeRequest{k, "", false});
    auto res = keeper_->kv_->Txn(txn);
    return res.ok() ? Status() : res.status();
  }

 private:
  LeaseKeeper* keeper_;
};

// mvcc's view of the lessor. Calls come from the apply thread (or the opening thread
// while the store restores), inside KV writes.
class LeaseKeeper::Hooks final : public mvcc::LeaseHooks {
 public:
  explicit Hooks(LeaseKeeper* keeper) : keeper_(keeper) {}
  bool LeaseExists(int64_t id) override {
    auto lock = Lock();
    return keeper_->lessor_->Lookup(id).has_value();
  }
  void Attach(int64_t id, std::string_view key) override {
    auto lock = Lock();
    const std::string k(key);
    keeper_->lessor_->Attach(id, std::span<const std::string>(&k, 1)).IgnoreError();
  }
  void Detach(int64_t id, std::string_view key) override {
    auto lock = Lock();
    const std::string k(key);
    keeper_->lessor_->Detach(id, std::span<const std::string>(&k, 1)).IgnoreError();
  }

 private:
  // Inside the keeper's own revoke the apply thread already holds the mutex.
  std::unique_lock<std::mutex> Lock() {
    if (keeper_->revoking_) return {};
    return std::unique_lock(keeper_->mu_);
  }
  LeaseKeeper* keeper_;
};

LeaseKeeper::LeaseKeeper(backend::Backend* backend, lease::LessorConfig config, lease::Clock clock)
    : store_(backend), deleter_(std::make_unique<Deleter>(this)), hooks_(std::make_unique<Hooks>(this)),
      lessor_(std::make_unique<lease::Lessor>(&store_, deleter_.get(), std::move(clock), config)) {}

LeaseKeeper::~LeaseKeeper() = default;

Status LeaseKeeper::Recover() {
  std::lock_guard lock(mu_);
  return lessor_->Recover();
}

mvcc::LeaseHooks* LeaseKeeper::hooks() { return hooks_.get(); }

Status LeaseToClientError(const Status& s) {
  if (s.ok()) return s;
  if (s.message() == lease::kErrLeaseNotFound) return errors::kLeaseNotFound.status();
  if (s.message() == lease::kErrLeaseExists) return errors::kLeaseExists.status();
  if (s.message() == lease::kErrLeaseTtlTooLarge) return errors::kLeaseTtlTooLarge.status();
  return s;
}

ApplyResult LeaseKeeper::ApplyGrant(const etcdserverpb::LeaseGrantRequest& r) {
  Result<lease::LeaseInfo> info = [&] {
    std::lock_guard lock(mu_);
    return lessor_->Grant(r.id(), r.ttl());
  }();
  if (!info.ok()) return ApplyResult{LeaseToClientError(info.status()), nullptr};
  auto resp = std::make_unique<etcdserverpb::LeaseGrantResponse>();
  resp->set_id(info->id);
  resp->set_ttl(info->ttl_seconds);
  if (kv_) resp->mutable_header()->set_revision(kv_->Rev());
  return ApplyResult{Status(), std::move(resp)};
}

ApplyResult LeaseKeeper::ApplyRevoke(const etcdserverpb::LeaseRevokeRequest& r) {
  Status s;
  {
    std::lock_guard lock(mu_);
    revoking_ = true;
    s = lessor_->Revoke(r.id());
    revoking_ = false;
  }
  if (!s.ok()) return ApplyResult{LeaseToClientError(s), nullptr};
  auto resp = std::make_unique<etcdserverpb::LeaseRevokeResponse>();
  if (kv_) resp->mutable_header()->set_revision(kv_->Rev());
  return ApplyResult{Status(), std::move(resp)};
}

ApplyResult LeaseKeeper::ApplyCheckpoint(const etcdserverpb::LeaseCheckpointRequest& r) {
  {
    std::lock_guard lock(mu_);
    for (const auto& c : r.checkpoints()) {
      if (Status s = lessor_->Checkpoint(c.id(), c.remaining_ttl()); !s.ok()) {
        return ApplyResult{LeaseToClientError(s), nullptr};
      }
    }
  }
  auto resp = std::make_unique<etcdserverpb::LeaseCheckpointResponse>();
  if (kv_) resp->mutable_header()->set_revision(kv_->Rev());
  return ApplyResult{Status(), std::move(resp)};
}

void LeaseKeeper::Promote(lease::Duration extend) {
  std::lock_guard lock(mu_);
  lessor_->Promote(extend);
}

void LeaseKeeper::DemoteUnlessLeader(const std::function<bool()>& is_leader) {
  std::lock_guard lock(mu_);
  if (lessor_->is_primary() && !is_leader()) lessor_->Demote();
}

bool LeaseKeeper::is_primary() const {
  std::lock_guard lock(mu_);
  return lessor_->is_primary();
}

Result<int64_t> LeaseKeeper::Renew(int64_t id, bool* clear_checkpoint) {
  std::lock_guard lock(mu_);
  return lessor_->Renew(id, clear_checkpoint);
}

std::optional<lease::LeaseInfo> LeaseKeeper::Lookup(int64_t id, bool with_keys) const {
  std::lock_guard lock(mu_);
  return lessor_->Lookup(id, with_keys);
}

std::vector<int64_t> LeaseKeeper::LeaseIds() const {
  std::lock_guard lock(mu_);
  std::vector<int64_t> ids;
  for (const auto& l : lessor_->Leases()) ids.push_back(l.id);
  return ids;
}

std::vector<int64_t> LeaseKeeper::FindExpired(size_t limit) {
  std::lock_guard lock(mu_);
  return lessor_->FindExpired(limit);
}

std::vector<lease::LeaseCheckpoint> LeaseKeeper::FindDueCheckpoints(size_t limit) {
  std::lock_guard lock(mu_);
  return lessor_->FindDueCheckpoints(limit);
}

}  // namespace etcdpp::server
