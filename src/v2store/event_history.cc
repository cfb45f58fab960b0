#include "v2store/event_history.h"

#include "v2store/go_text.h"

namespace etcdpp::v2store {
namespace {

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// Would a watch of `key` see `e`? Refreshes are never seen; a deleted or expired
// directory is seen by watches of anything beneath it.
bool Matches(const Event& e, std::string_view key, bool recursive) {
  if (e.refresh) return false;
  if (e.node.key == key) return true;
  if (recursive) {
    std::string dir = CleanPath(key);
    if (dir.back() != '/') dir += '/';
    if (StartsWith(e.node.key, dir)) return true;
  }
  if ((e.action == kActionDelete || e.action == kActionExpire) && e.prev_node &&
      e.prev_node->dir && StartsWith(key, e.prev_node->key)) {
    return true;
  }
  return false;
}

}  // namespace

EventHistory::EventHistory(size_t capacity) : events_(capacity) {}

void EventHistory::Add(EventPtr event) {
  last_index_ = event->index();
  events_[back_] = std::move(event);
  back_ = (back_ + 1) % events_.size();
  if (size_ == events_.size()) {
    front_ = (front_ + 1) % events_.size();
  } else {
    ++size_;
  }
  start_index_ = events_[front_]->index();
}

StoreResult<EventPtr> EventHistory::Scan(std::string_view key, bool recursive,
                                         uint64_t index) const {
  if (index < start_index_) {
    return MakeError(ErrorCode::kEventIndexCleared,
                     "the requested history has been cleared [" + std::to_string(start_index_) +
                         "/" + std::to_string(index) + "]",
                     0);
  }
  if (index > last_index_) return EventPtr();
  size_t i = (front_ + static_cast<size_t>(index - start_index_)) % events_.size();
  // Bounded by the ring size: every slot is visited at most once.
  for (size_t visited = 0; visited < events_.size(); ++visited) {
    const EventPtr& e = events_[i];
    if (!e) break;
    if (Matches(*e, key, recursive)) return e;
    i = (i + 1) % events_.size();
    if (i == back_) break;
  }
  return EventPtr();
}

bool EventHistory::Restore(std::vector<EventPtr> slots, size_t size, size_t front, size_t back,
                           uint64_t start_index, uint64_t last_index) {
  if (slots.empty() || size > slots.size() || front >= slots.size() || back >= slots.size()) {
    return false;
  }
  for (size_t k = 0; k < size; ++k) {
    if (!slots[(front + k) % slots.size()]) return false;
  }
  events_ = std::move(slots);
  size_ = size;
  front_ = front;
  back_ = back;
  start_index_ = start_index;
  last_index_ = last_index;
  return true;
}

}  // namespace etcdpp::v2store
