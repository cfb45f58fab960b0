#include "v2store/watcher_hub.h"

#include "v2store/go_text.h"

namespace etcdpp::v2store {
namespace {

constexpr size_t kSweepThreshold = 64;

// Is the event at `key_path` hidden from a watcher at `watch_path`: does any element
// below the watched path start with '_'?
bool HiddenBelow(std::string_view watch_path, std::string_view key_path) {
  // A deleted directory notifies watchers deeper than its own key.
  if (watch_path.size() > key_path.size()) return false;
  const std::string after = CleanPath("/" + std::string(key_path.substr(watch_path.size())));
  return after.find("/_") != std::string::npos;
}

}  // namespace

WatcherHub::WatcherHub() : removed_counter_(std::make_shared<std::atomic<size_t>>(0)) {}

StoreResult<WatcherPtr> WatcherHub::Watch(const std::string& key, bool recursive, bool stream,
                                          uint64_t since_index, uint64_t store_index) {
  auto found = history_.Scan(key, recursive, since_index);
  if (!found.ok()) {
    found.error().index = store_index;
    return std::move(found.error());
  }
  if (removed_counter_->load(std::memory_order_relaxed) >= kSweepThreshold) SweepRemoved();
  auto w = std::make_shared<Watcher>(recursive, stream, since_index, store_index, removed_counter_);
  if (*found) {
    w->Offer(*found);
    return w;
  }
  watchers_[key].push_back(w);
  return w;
}

void WatcherHub::Notify(const EventPtr& e) {
  history_.Add(e);
  // Watchers of "/", then of each directory down to the key itself.
  const std::string& key = e->node.key;
  NotifyWatchers(e, "/", false);
  size_t pos = 1;
  while (pos <= key.size()) {
    size_t slash = key.find('/', pos);
    if (slash == std::string::npos) slash = key.size();
    if (slash > pos) NotifyWatchers(e, key.substr(0, slash), false);
    pos = slash + 1;
  }
}

void WatcherHub::NotifyWatchers(const EventPtr& e, const std::string& path, bool deleted) {
  auto it = watchers_.find(path);
  if (it == watchers_.end()) return;
  auto& list = it->second;
  const bool original_path = e->node.key == path;
  const bool visible = original_path || !HiddenBelow(path, e->node.key);
  for (auto w = list.begin(); w != list.end();) {
    Watcher& watcher = **w;
    if (watcher.removed()) {
      w = list.erase(w);
      continue;
    }
    const bool interested = (watcher.recursive() || original_path || deleted) &&
                            e->index() >= watcher.since_index();
    if (!visible || !interested) {
      ++w;
      continue;
    }
    if (!watcher.Offer(e)) {
      // Too far behind: etcd drops the watcher and ends its response.
      watcher.Close();
      w = list.erase(w);
      continue;
    }
    if (!watcher.stream()) {
      w = list.erase(w);
      continue;
    }
    ++w;
  }
  if (list.empty()) watchers_.erase(it);
}

size_t WatcherHub::watcher_count() {
  SweepRemoved();
  size_t n = 0;
  for (const auto& [path, list] : watchers_) n += list.size();
  return n;
}

void WatcherHub::SweepRemoved() {
  // The counter only hints that removals piled up since the last sweep; it is reset here
  // rather than kept exact, so watchers erased elsewhere cannot make it drift.
  removed_counter_->store(0, std::memory_order_relaxed);
  for (auto it = watchers_.begin(); it != watchers_.end();) {
    auto& list = it->second;
    for (auto w = list.begin(); w != list.end();) {
      if ((*w)->removed()) {
        w = list.erase(w);
      } else {
        ++w;
      }
    }
    it = list.empty() ? watchers_.erase(it) : std::next(it);
  }
}

}  // namespace etcdpp::v2store
