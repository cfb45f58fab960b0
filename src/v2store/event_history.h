// The last kCapacity events of the v2 store, in index order: what lets a watch start
// from an index in the past (waitIndex). A ring buffer laid out like etcd's, because its
// fields (Events, Size, Front, Back, Capacity, StartIndex, LastIndex) are saved in
// snapshots (docs/formats/v2store.md). Used only under the Store's lock.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "v2store/error.h"
#include "v2store/event.h"

namespace etcdpp::v2store {

class EventHistory {
 public:
  static constexpr size_t kCapacity = 1000;

  explicit EventHistory(size_t capacity = kCapacity);

  void Add(EventPtr event);
  // The first event at or after `index` that a watch of `key` would see, null when none
  // has happened yet; kEventIndexCleared when `index` fell out of the window (the
  // caller sets the error's index).
  StoreResult<EventPtr> Scan(std::string_view key, bool recursive, uint64_t index) const;

  uint64_t start_index() const { return start_index_; }
  uint64_t last_index() const { return last_index_; }
  size_t capacity() const { return events_.size(); }
  size_t size() const { return size_; }
  size_t front() const { return front_; }
  size_t back() const { return back_; }
  const std::vector<EventPtr>& slots() const { return events_; }

  // Restores the exact ring state read from a snapshot; false when it is inconsistent.
  bool Restore(std::vector<EventPtr> slots, size_t size, size_t front, size_t back,
               uint64_t start_index, uint64_t last_index);

 private:
  std::vector<EventPtr> events_;
  size_t size_ = 0;
  size_t front_ = 0;
  size_t back_ = 0;
  uint64_t start_index_ = 0;
  uint64_t last_index_ = 0;
};

}  // namespace etcdpp::v2store
