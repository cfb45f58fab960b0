// Values exchanged between the watchable store and the api layer's watch streams.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "mvcc/watch_event.h"

namespace etcdpp::mvcc {

inline constexpr std::string_view kWatcherNotExistMessage = "mvcc: watcher does not exist";
inline constexpr std::string_view kEmptyWatcherRangeMessage = "mvcc: watcher range is empty";
inline constexpr std::string_view kDuplicateWatchIdMessage =
    "mvcc: duplicate watch ID provided on the WatchStream";

struct WatchRequest {
  int64_t watch_id = 0;  // 0: the stream picks the next free id (the first is 0, as etcd)
  std::string key;
  std::string range_end;    // empty: only `key`; "\0": every key >= key
  int64_t start_revision = 0;  // 0: from the next revision
  bool prev_kv = false;
  bool no_put = false;     // filters
  bool no_delete = false;
};

// One response for one watcher. Events are in revision order, never repeated; a revision's
// events are never split across responses.
struct WatchResponse {
  int64_t watch_id = 0;
  int64_t revision = 0;          // header revision: the store revision the response reflects
  // Shared with every other watcher that gets the same events; empty: a progress notification.
  std::vector<WatchEventPtr> events;
  // Non-zero: the watcher's start revision was compacted; the watcher is canceled and
  // this is its last response (etcd sends compact_revision with canceled=true).
  int64_t compact_revision = 0;
  size_t size_bytes = 0;  // encoded size of the events (their field() bytes), for queue bounds

  void AddEvent(WatchEventPtr ev) {
    size_bytes += ev->field().size();
    events.push_back(std::move(ev));
  }
};

}  // namespace etcdpp::mvcc
