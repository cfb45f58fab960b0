#include "lease/expiry_heap.h"

namespace etcdpp::lease {

void ExpiryHeap::Upsert(int64_t id, TimePoint when) {
  auto it = pos_.find(id);
  if (it == pos_.end()) {
    items_.push_back({when, id});
    pos_[id] = items_.size() - 1;
    Up(items_.size() - 1);
    return;
  }
  const size_t i = it->second;
  const bool earlier = when < items_[i].when;
  items_[i].when = when;
  if (earlier) Up(i); else Down(i);
}

void ExpiryHeap::Erase(int64_t id) {
  auto it = pos_.find(id);
  if (it == pos_.end()) return;
  const size_t i = it->second;
  const size_t last = items_.size() - 1;
  if (i != last) Swap(i, last);
  items_.pop_back();
  pos_.erase(id);
  if (i < items_.size()) {
    Up(i);
    Down(i);
  }
}

std::optional<std::pair<TimePoint, int64_t>> ExpiryHeap::Top() const {
  if (items_.empty()) return std::nullopt;
  return std::make_pair(items_[0].when, items_[0].id);
}

void ExpiryHeap::Clear() {
  items_.clear();
  pos_.clear();
}

void ExpiryHeap::Swap(size_t a, size_t b) {
  std::swap(items_[a], items_[b]);
  pos_[items_[a].id] = a;
  pos_[items_[b].id] = b;
}

void ExpiryHeap::Up(size_t i) {
  while (i > 0) {
    const size_t parent = (i - 1) / 2;
    if (!(items_[i].when < items_[parent].when)) break;
    Swap(i, parent);
    i = parent;
  }
}

void ExpiryHeap::Down(size_t i) {
  const size_t n = items_.size();
  while (true) {
    size_t smallest = i;
    for (size_t c : {2 * i + 1, 2 * i + 2}) {
      if (c < n && items_[c].when < items_[smallest].when) smallest = c;
    }
    if (smallest == i) return;
    Swap(i, smallest);
    i = smallest;
  }
}

}  // namespace etcdpp::lease
