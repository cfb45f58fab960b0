// WatchStream: the watchers of one client watch stream and their queue of responses.
// The consumer (the api layer's I/O thread) creates and cancels watchers, and drains
// responses with Poll when the notifier fires. The queue is bounded in bytes: when it is
// full, watchers stop receiving live events and later catch up from the backend.
//
// A watcher's events that arrive while its previous events response is still queued join
// that response (up to a size bound), so a consumer that polls less often than revisions
// are written gets fewer, larger responses, as etcd's catch-up does, and not one response
// per revision per watcher.
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
#include <unordered_map>
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

  // Called when the queue goes from empty to non-empty, and again when it fills to half
  // its byte bound (see Filling).
  void SetNotifier(std::function<void()> notifier);
  // True when the queue holds half its byte bound or more: a consumer that holds back to
  // let responses gather should poll now, before watchers overflow and fall behind.
  bool Filling() const;
  // Takes every queued response, with prev_kv filled for watchers that asked for it.
  std::vector<WatchResponse> Poll();
  size_t queued_bytes() const;

 private:
  friend class WatchableStore;
  explicit WatchStream(WatchableStore* store) : store_(store) {}

  // Queue side, called by the store under its lock. `force` ignores the byte bound.
  // Returns false (and queues nothing) when the queue is full. Events of a watcher whose
  // last queued response is an events response join it (`force` pushes never do, and
  // close it: what follows a progress or compaction notice comes after it). `*notify`:
  // the caller must call Notify (the queue was empty, or just became Filling).
  bool Push(WatchResponse resp, bool force, bool* notify);
  // Index in queue_ of each watcher's last queued response when events may still join it.
  void RebuildOpenLocked();
  bool HasRoom() const;
  // Whether the queue just reached half its byte bound (true once per Poll).
  bool NoteFillingLocked();
  void Notify();
  void Drop(int64_t watch_id);

  WatchableStore* const store_;
  mutable std::mutex mu_;  // guards queue_, bytes_, notifier_ and prev_kv_ids_
  std::deque<WatchResponse> queue_;
  std::unordered_map<int64_t, size_t> open_;  // watch id -> index in queue_ (see Push)
  size_t bytes_ = 0;
  bool filling_notified_ = false;  // since the last Poll
  std::function<void()> notifier_;
  std::set<int64_t> prev_kv_ids_;
  int64_t next_id_ = 0;  // consumer thread only
};

}  // namespace etcdpp::mvcc
