#include "server/wait.h"

#include <vector>

namespace etcdpp::server {

void WaitRegistry::Register(uint64_t id, ApplyCallback callback) {
  std::lock_guard lock(mu_);
  waiters_[id] = std::move(callback);
}

bool WaitRegistry::Trigger(uint64_t id, ApplyResult result) {
  ApplyCallback cb;
  {
    std::lock_guard lock(mu_);
    auto it = waiters_.find(id);
    if (it == waiters_.end()) return false;
    cb = std::move(it->second);
    waiters_.erase(it);
  }
  cb(std::move(result));  // outside the lock: callbacks may register new waiters
  return true;
}

bool WaitRegistry::IsRegistered(uint64_t id) const {
  std::lock_guard lock(mu_);
  return waiters_.count(id) != 0;
}

void WaitRegistry::FailAll(const Status& status) {
  std::unordered_map<uint64_t, ApplyCallback> all;
  {
    std::lock_guard lock(mu_);
    all.swap(waiters_);
  }
  for (auto& [id, cb] : all) cb(ApplyResult{status, nullptr});
}

size_t WaitRegistry::size() const {
  std::lock_guard lock(mu_);
  return waiters_.size();
}

}  // namespace etcdpp::server
