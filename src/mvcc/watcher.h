// WatchableStore::Watcher (internal to mvcc): one watcher's range, filters and position.
// Owned by WatchableStore; every field is guarded by WatchableStore::mu_.
#pragma once

#include <cstdint>
#include <string>

#include "mvcc/tree_index.h"
#include "mvcc/watchable_store.h"

namespace etcdpp::mvcc {

struct WatchableStore::Watcher {
  WatchStream* stream = nullptr;
  int64_t id = 0;
  uint64_t serial = 0;  // tells a watcher from a later one at the same address
  std::string key;
  std::string end;
  bool no_put = false;
  bool no_delete = false;
  bool synced = false;
  int64_t min_rev = 0;  // the next revision this watcher must receive
  static constexpr size_t kNoSlot = SIZE_MAX;
  size_t out_slot = kNoSlot;  // its response's index while OnWrite collects responses

  bool Matches(const std::string& k) const {
    if (end.empty()) return k == key;
    return k >= key && (end == kRangeToEnd || k < end);
  }
  bool Wants(const mvccpb::Event& ev) const {
    if (!Matches(ev.kv().key())) return false;
    return ev.type() == mvccpb::Event::PUT ? !no_put : !no_delete;
  }
};

}  // namespace etcdpp::mvcc
