// A v2 watch: the events of one key (or subtree) from a given index on, queued for the
// HTTP handler that serves them.
//
// Shared between the Store (which queues events on the thread applying writes) and the
// consumer (an I/O thread), hence shared_ptr and an internal mutex; every method is
// callable from any thread. A one-shot watcher receives at most one event; a stream
// watcher keeps receiving until the consumer removes it or falls kQueueCapacity events
// behind, at which point the store drops it and closes it (etcd ends the response then).
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>

#include "v2store/event.h"

namespace etcdpp::v2store {

class Watcher {
 public:
  static constexpr size_t kQueueCapacity = 100;

  Watcher(bool recursive, bool stream, uint64_t since_index, uint64_t start_index,
          std::shared_ptr<std::atomic<size_t>> removed_counter);

  // The store index when the watch began (the X-Etcd-Index of the response).
  uint64_t start_index() const { return start_index_; }
  bool stream() const { return stream_; }
  bool recursive() const { return recursive_; }
  uint64_t since_index() const { return since_index_; }

  // The next queued event, or null when none is queued.
  EventPtr Next();
  // No event will be queued any more (dropped for falling behind, or removed).
  bool closed() const;
  // `wakeup` runs whenever an event is queued or the watcher closes, on the thread doing
  // so and while the store's lock is held: it must be quick and must not call the store
  // (post to the consumer's executor). Replaces any earlier wakeup.
  void SetWakeup(std::function<void()> wakeup);
  // The consumer is done with this watch; the store forgets it lazily.
  void Remove();
  bool removed() const { return removed_.load(std::memory_order_acquire); }

  // Store side: queues `event`; false when the queue is full.
  bool Offer(EventPtr event);
  // Store side: no more events.
  void Close();

 private:
  void Wake();

  const bool recursive_;
  const bool stream_;
  const uint64_t since_index_;
  const uint64_t start_index_;
  std::shared_ptr<std::atomic<size_t>> removed_counter_;  // the hub's count of lazy removals
  std::atomic<bool> removed_{false};

  mutable std::mutex mu_;  // guards queue_, closed_ and wakeup_
  std::deque<EventPtr> queue_;
  bool closed_ = false;
  std::function<void()> wakeup_;
};

using WatcherPtr = std::shared_ptr<Watcher>;

}  // namespace etcdpp::v2store
