// WatchSession: one client watch stream of etcd's v3 Watch API (a gRPC bidi stream or a
// gateway POST /v3/watch), bound to one mvcc::WatchStream. It turns WatchRequests into
// watchers and the store's responses into WatchResponses as etcd 3.4's v3rpc does:
// created/canceled control responses, headers, prev_kv, fragments, progress notifications.
//
// Owned by the WatchHub (shared with the transport's callbacks). Threads: Handle on the
// transport's I/O thread; Flush and Tick on the hub thread; Close from either. One mutex
// serializes them, so a watcher's "created" response always precedes its events.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <span>
#include <vector>

#include "etcdserverpb/rpc.pb.h"
#include "mvcc/watch_stream.h"

namespace etcdpp::api {

// Where a session's responses go. Called with the session's lock held, from any thread.
class WatchSink {
 public:
  virtual ~WatchSink() = default;
  // Queues one response; false once the client has gone.
  virtual bool Send(const etcdserverpb::WatchResponse& response) = 0;
  // Queues one response made of `head` (its events empty) and `events`, in order. The
  // sink may hold it back in a batch until Commit (or its next Send).
  virtual bool SendEvents(const etcdserverpb::WatchResponse& head,
                          std::span<const mvcc::WatchEventPtr> events) = 0;
  // Hands over what SendEvents batched; false once the client has gone. The session calls
  // it whenever it stops sending.
  virtual bool Commit() { return true; }
  // True while the transport holds more unsent bytes than its bound: the session stops
  // taking responses from the store (whose queue then fills and makes its watchers catch
  // up later) until the hub tries again.
  virtual bool Blocked() = 0;
};

// etcd's sendFragments: a response of at least `limit_bytes` with two or more events is
// cut into pieces (each under the limit, but always at least one event), every piece but
// the last with fragment=true.
std::vector<etcdserverpb::WatchResponse> SplitWatchResponse(etcdserverpb::WatchResponse response,
                                                            size_t limit_bytes);

// When a session takes many responses from the store at once and some of them already
// hold several revisions, revisions are coming faster than the stream is polled and a
// response per watcher per poll costs the client more than it gains: the session then
// leaves the store's queue alone for `interval` (or until the queue is half full), so that
// each watcher's next revisions gather into one response there, as etcd's slow watchers'
// do. A quiet stream, or one that keeps pace, is never held.
struct WatchCoalescing {
  std::chrono::milliseconds interval{25};
  size_t min_responses = 32;  // a poll must take at least this many to hold the next one
};

class WatchSession {
 public:
  // kHeld: responses may be waiting in the store; flush again at held_until().
  enum class FlushResult { kIdle, kBlocked, kHeld, kGone };

  // Fills a response header's cluster_id, member_id and raft_term, and its revision when
  // that is 0 (EtcdServer::FillHeader). Any thread.
  using HeaderFn = std::function<void(etcdserverpb::ResponseHeader*)>;

  // `fragment_bytes`: etcd's limit for fragmenting (max request bytes + gRPC overhead).
  WatchSession(HeaderFn fill_header, std::unique_ptr<mvcc::WatchStream> stream,
               std::unique_ptr<WatchSink> sink, size_t fragment_bytes, WatchCoalescing coalescing = {});
  ~WatchSession();

  // Routes the store's "responses queued" signal (called from store threads; it must
  // only signal). Set once, before the first Handle.
  void SetNotifier(std::function<void()> notifier);
  // One request from the client: create, cancel or progress. Unknown kinds are ignored.
  void Handle(const etcdserverpb::WatchRequest& request);
  // Sends the store's queued responses while the sink has room.
  FlushResult Flush();
  // When Flush last returned kHeld: the time from which the store's queue is taken again.
  std::chrono::steady_clock::time_point held_until();
  // A progress tick: watchers created with progress_notify that got no events since the
  // last tick receive an empty response at the current revision.
  void Tick();
  // Drops every watcher (the store forgets the stream); later calls do nothing.
  void Close();

 private:
  void Create(const etcdserverpb::WatchCreateRequest& create);
  void Cancel(int64_t watch_id);
  bool SendStoreResponse(mvcc::WatchResponse response);
  etcdserverpb::WatchResponse NewResponse(int64_t revision) const;

  const HeaderFn fill_header_;
  const size_t fragment_bytes_;
  const WatchCoalescing coalescing_;
  std::mutex mu_;  // guards everything below
  std::unique_ptr<mvcc::WatchStream> stream_;  // null once closed
  std::unique_ptr<WatchSink> sink_;
  std::deque<mvcc::WatchResponse> pending_;  // polled from the store, not yet sent
  etcdserverpb::WatchResponse head_;          // reused for each store response's head
  std::map<int64_t, bool> progress_;          // progress_notify watchers: due at next tick
  std::set<int64_t> fragment_;                // watchers that accept fragments
  std::chrono::steady_clock::time_point held_until_{};  // no Poll before then
};

}  // namespace etcdpp::api
