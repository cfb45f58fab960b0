// WatchStream: the watchers of one client watch stream and their queue of responses.
// The consumer (the api layer's I/O thread) creates and cancels watchers, and drains
// responses with Poll when the notifier fires. The queue is bounded in bytes: when it is
// full, watchers stop receiving live events and later catch up from the backend.
//
// Threads: Watch/Cancel/Poll/RequestProgress from one consumer thread at a time; the
// notifier is invoked from the apply or sync thread, must not block and must not call
// back into the stream (post to an executor, write an eventfd, ...).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <set>
#include <vector>

#include "base/status.h"
#include "mvcc/watch_types.h"

namespace etcdpp::mvcc {

class WatchableStore;

class WatchStream {
 public:
  ~WatchStream();
  WatchStream(const WatchStream&) = delete;
  WatchStream& operator=(const WatchStream&) = delete;

  // Starts a watcher; returns its id. Errors: duplicate id, empty range (etcd's messages),
  // and none for compacted start revisions (those arrive as a compact_revision response).
  Result<int64_t> Watch(const WatchRequest& req);
  // Stops a watcher; its queued responses are dropped. NotFound if unknown.
  Status Cancel(int64_t watch_id);
  // Queues an empty response at the current revision if the watcher is synced (etcd's
  // progress notify). Returns whether one was queued.
  bool RequestProgress(int64_t watch_id);
  // The store revision (for progress_request replies with watch_id -1).
  int64_t Rev() const;

  // Called when the queue goes from empty to non-empty.
  void SetNotifier(std::function<void()> notifier);
  // Takes every queued response, with prev_kv filled for watchers that asked for it.
  std::vector<WatchResponse> Poll();
  size_t queued_bytes() const;

 private:
  friend class WatchableStore;
  explicit WatchStream(WatchableStore* store) : store_(store) {}

  // Queue side, called by the store under its lock. `force` ignores the byte bound.
  // Returns false (and queues nothing) when the queue is full.
  bool Push(WatchResponse resp, bool force, bool* became_non_empty);
  bool HasRoom() const;
  void Notify();
  void Drop(int64_t watch_id);

  WatchableStore* const store_;
  mutable std::mutex mu_;  // guards queue_, bytes_, notifier_ and prev_kv_ids_
  std::deque<WatchResponse> queue_;
  size_t bytes_ = 0;
  std::function<void()> notifier_;
  std::set<int64_t> prev_kv_ids_;
  int64_t next_id_ = 0;  // consumer thread only
};

}  // namespace etcdpp::mvcc
