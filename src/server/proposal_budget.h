// ProposalBudget: bounds the bytes of proposals a member has in flight (proposed and not
// yet answered: waiting in the raft inbox, uncommitted, or committed and not applied),
// so that a burst of large requests gets etcd's "too many requests" instead of growing
// the queues without bound (DESIGN.md §7). Any thread; lock-free.
#pragma once

#include <atomic>
#include <cstdint>

namespace etcdpp::server {

class ProposalBudget {
 public:
  explicit ProposalBudget(uint64_t max_bytes) : max_bytes_(max_bytes) {}

  // Takes bytes from the budget; false (and nothing taken) if that would pass the bound.
  // One request alone always fits, so any request within --max-request-bytes can pass
  // once the member is idle.
  bool TryAcquire(uint64_t bytes) {
    uint64_t used = used_.load(std::memory_order_relaxed);
    while (true) {
      if (used > 0 && used + bytes > max_bytes_) return false;
      if (used_.compare_exchange_weak(used, used + bytes, std::memory_order_acq_rel)) return true;
    }
  }
  void Release(uint64_t bytes) { used_.fetch_sub(bytes, std::memory_order_acq_rel); }
  uint64_t used_bytes() const { return used_.load(std::memory_order_acquire); }

 private:
  const uint64_t max_bytes_;
  std::atomic<uint64_t> used_{0};
};

}  // namespace etcdpp::server
