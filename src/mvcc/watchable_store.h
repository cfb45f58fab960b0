// WatchableStore: delivers the KvStore's changes to watchers. Watchers are synced (get each
// revision's events as it is applied), unsynced (catching up from the backend, e.g. a start
// revision in the past) or victims (their stream's queue was full; they catch up from the
// backend once it drains). Each WatchStream has a queue bounded in bytes, so a slow reader
// never blocks the apply thread or grows memory without bound.
//
// Ownership: created over a KvStore (it registers itself as the store's WriteObserver) and
// must outlive its streams. Threads: OnWrite on the apply thread; a sync thread of its own
// does catch-up; WatchStream methods from the stream's consumer (an I/O thread).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_map>
#include <vector>

#include "mvcc/kv_store.h"
#include "mvcc/watch_stream.h"
#include "mvcc/watch_types.h"

namespace etcdpp::mvcc {

struct WatchableStoreOptions {
  // Small, like etcd's 128-response channel per stream: a slow client's watchers fall
  // behind and catch up from the backend rather than queueing seconds of events. Room for
  // what a busy stream gathers while its consumer holds back (api::WatchCoalescing).
  size_t stream_queue_bytes_max = size_t{256} << 10;
  // etcd's chanBufLen. Watchers that overflow it catch up later with one response for
  // several revisions, so a busy stream sends fewer, larger responses.
  size_t stream_queue_responses_max = 128;
  // A watcher's later events join its response still in the queue while the response's
  // events stay within this many encoded bytes.
  size_t response_merge_bytes_max = size_t{64} << 10;
  int sync_interval_ms = 100;        // catch-up rounds (also run at once when kicked)
  size_t catch_up_rows_max = 1000;   // backend rows read per watcher group per round
};

class WatchableStore : public WriteObserver {
 public:
  WatchableStore(KvStore* kv, WatchableStoreOptions options = {});
  ~WatchableStore() override;
  WatchableStore(const WatchableStore&) = delete;
  WatchableStore& operator=(const WatchableStore&) = delete;

  std::unique_ptr<WatchStream> NewStream();
  KvStore* kv() const { return kv_; }

  void OnWrite(int64_t rev, const std::vector<mvccpb::Event>& events) override;
  // After the KvStore reloaded from another backend (a snapshot from the leader): every
  // synced watcher catches up from the new backend, or learns it was compacted, as in
  // etcd's watchableStore.Restore. Apply thread, like OnWrite.
  void Resync();

  // Counts by state, for tests and metrics.
  size_t synced_count() const;
  size_t unsynced_count() const;  // includes victims

 private:
  friend class WatchStream;
  struct Watcher;

  Result<int64_t> AddWatcher(WatchStream* stream, const WatchRequest& req);
  bool RemoveWatcher(WatchStream* stream, int64_t id);
  void RemoveStream(WatchStream* stream);
  bool Progress(WatchStream* stream, int64_t id);
  void Kick();
  void SyncLoop();
  void SyncRound();
  void MakeSynced(Watcher* w);
  void MakeUnsynced(Watcher* w);

  KvStore* const kv_;
  const WatchableStoreOptions options_;

  mutable std::mutex mu_;  // guards everything below down to stop_
  uint64_t next_serial_ = 0;
  int64_t notified_rev_ = 0;  // newest revision passed to OnWrite (or the store's at start)
  std::unordered_map<WatchStream*, std::unordered_map<int64_t, std::unique_ptr<Watcher>>> watchers_;
  // Synced watchers: single-key ones by key, range ones in a list.
  std::unordered_map<std::string, std::set<Watcher*>> synced_keys_;
  std::set<Watcher*> synced_ranges_;
  std::set<Watcher*> unsynced_;
  std::vector<std::pair<Watcher*, WatchResponse>> on_write_out_;  // OnWrite's scratch space
  bool kicked_ = false;
  bool stop_ = false;
  std::condition_variable cv_;
  std::thread sync_thread_;
};

}  // namespace etcdpp::mvcc
