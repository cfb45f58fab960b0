#include "v2store/watcher.h"

namespace etcdpp::v2store {

Watcher::Watcher(bool recursive, bool stream, uint64_t since_index, uint64_t start_index,
                 std::shared_ptr<std::atomic<size_t>> removed_counter)
    : recursive_(recursive),
      stream_(stream),
      since_index_(since_index),
      start_index_(start_index),
      removed_counter_(std::move(removed_counter)) {}

EventPtr Watcher::Next() {
  std::lock_guard lock(mu_);
  if (queue_.empty()) return nullptr;
  EventPtr e = std::move(queue_.front());
  queue_.pop_front();
  return e;
}

bool Watcher::closed() const {
  std::lock_guard lock(mu_);
  return closed_;
}

void Watcher::SetWakeup(std::function<void()> wakeup) {
  bool pending;
  {
    std::lock_guard lock(mu_);
    wakeup_ = std::move(wakeup);
    pending = !queue_.empty() || closed_;
  }
  // An event may have arrived before the consumer was ready for it.
  if (pending) Wake();
}

void Watcher::Remove() {
  if (removed_.exchange(true, std::memory_order_acq_rel)) return;
  {
    std::lock_guard lock(mu_);
    closed_ = true;
    wakeup_ = nullptr;
  }
  if (removed_counter_) removed_counter_->fetch_add(1, std::memory_order_relaxed);
}

bool Watcher::Offer(EventPtr event) {
  {
    std::lock_guard lock(mu_);
    if (closed_) return true;  // a removed consumer no longer cares; not an overflow
    if (queue_.size() >= kQueueCapacity) return false;
    queue_.push_back(std::move(event));
  }
  Wake();
  return true;
}

void Watcher::Close() {
  {
    std::lock_guard lock(mu_);
    if (closed_) return;
    closed_ = true;
  }
  Wake();
}

void Watcher::Wake() {
  std::function<void()> wakeup;
  {
    std::lock_guard lock(mu_);
    wakeup = wakeup_;
  }
  if (wakeup) wakeup();
}

}  // namespace etcdpp::v2store
