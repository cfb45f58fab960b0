// Registry of the v2 store's waiting watchers by watched path, plus the event history
// they can start from. Delivers each new event to the watchers of the event's key and of
// every directory above it. Owned by the Store; used only under the Store's lock.
#pragma once

#include <atomic>
#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "v2store/event_history.h"
#include "v2store/watcher.h"

namespace etcdpp::v2store {

class WatcherHub {
 public:
  WatcherHub();

  // A watcher for `key` from `since_index`: already holding the matching event when the
  // history has one, else registered to wait. `store_index` becomes its start index.
  StoreResult<WatcherPtr> Watch(const std::string& key, bool recursive, bool stream,
                                uint64_t since_index, uint64_t store_index);
  // Records `e` in the history and delivers it along its key's path.
  void Notify(const EventPtr& e);
  // Records `e` without delivering it (TTL refreshes).
  void AddToHistory(EventPtr e) { history_.Add(std::move(e)); }
  // Delivers `e` to the watchers registered exactly at `path`; `deleted` means the node
  // at `path` went away with `e` (so even non-recursive watchers there hear of it).
  void NotifyWatchers(const EventPtr& e, const std::string& path, bool deleted);

  size_t watcher_count();
  EventHistory& history() { return history_; }
  const EventHistory& history() const { return history_; }

 private:
  // Drops watchers their consumers removed; bounded work, done when enough piled up.
  void SweepRemoved();

  std::map<std::string, std::list<WatcherPtr>, std::less<>> watchers_;
  EventHistory history_;
  std::shared_ptr<std::atomic<size_t>> removed_counter_;
};

}  // namespace etcdpp::v2store
