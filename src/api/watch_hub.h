// WatchHub: the thread that moves watch responses from the store's per-stream queues to
// the clients, and times progress notifications. The store's notifier and the
// transports' writable callbacks only mark a session ready (Wake); the hub thread then
// flushes it, so neither the apply thread nor the I/O threads do the sending work
// (prev_kv reads, encoding, fragmenting).
//
// A session whose transport is over its send bound is retried every `retry_interval`
// (and at once on Wake), so a slow client holds at most the store's queue bound plus the
// transport's bound of memory. A session holding back its store queue (WatchCoalescing)
// is flushed when the hold ends (and on Wake).
//
// Threads: Add, Remove, Wake from any thread; Stop from the owner. Lock order: a
// session's lock and the store's lock may be held while calling Wake, never the reverse.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "api/watch_session.h"

namespace etcdpp::api {

struct WatchHubOptions {
  std::chrono::milliseconds progress_interval{std::chrono::minutes(10)};
  std::chrono::milliseconds retry_interval{50};
  uint64_t seed = 0;  // progress jitter; 0: from std::random_device
  // Run on the hub thread every `period` (none when empty), outside the hub's lock.
  std::chrono::milliseconds period{1000};
  std::function<void()> on_period;
};

class WatchHub {
 public:
  explicit WatchHub(WatchHubOptions options);
  ~WatchHub();
  WatchHub(const WatchHub&) = delete;
  WatchHub& operator=(const WatchHub&) = delete;

  // Registers a session; returns its id for Wake and Remove. After Stop, the session is
  // closed at once and 0 is returned.
  uint64_t Add(std::shared_ptr<WatchSession> session);
  // Closes and forgets a session (unknown ids are ignored).
  void Remove(uint64_t id);
  // Marks a session as having something to send. Only locks the hub's mutex briefly.
  void Wake(uint64_t id);
  // Closes every session and joins the thread.
  void Stop();

  size_t session_count() const;

 private:
  struct Entry {
    std::shared_ptr<WatchSession> session;
    std::chrono::steady_clock::time_point next_tick;
  };
  void Run();
  std::chrono::steady_clock::time_point NextTickLocked();
  void EraseLocked(uint64_t id);

  const WatchHubOptions options_;
  mutable std::mutex mu_;  // guards everything below
  std::condition_variable cv_;
  std::mt19937_64 rng_;
  uint64_t next_id_ = 1;
  std::map<uint64_t, Entry> sessions_;
  std::set<std::pair<std::chrono::steady_clock::time_point, uint64_t>> ticks_;  // by next_tick
  std::set<uint64_t> ready_;    // woken since their last flush
  std::set<uint64_t> blocked_;  // over their send bound at their last flush
  std::map<uint64_t, std::chrono::steady_clock::time_point> held_;  // flushed again at the time
  bool stop_ = false;
  std::chrono::steady_clock::time_point next_period_;
  std::thread thread_;
};

}  // namespace etcdpp::api
