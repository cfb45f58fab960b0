// AutoCompactor: etcd 3.4's --auto-compaction-mode/--auto-compaction-retention. Runs a
// thread that, while this member leads, proposes Compact through raft:
//   periodic: samples the revision every period/10 (at most 6 minutes) and, once a period
//             has passed since the last success, compacts at the revision sampled a period
//             ago (then every min(period, 1h));
//   revision: every `revision_interval` (5 minutes in etcd), compacts at current revision
//             minus the retention when that moved.
// Threads: Start/Stop from the owner; `compact` is called on the compactor thread and may
// block until the compaction is applied (Stop must first make it return).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "base/log.h"
#include "base/status.h"

namespace etcdpp::server {

struct AutoCompactionOptions {
  bool revision_mode = false;
  std::chrono::milliseconds period{0};  // periodic mode; 0: disabled
  int64_t retention_revs = 0;           // revision mode; 0: disabled
  std::chrono::milliseconds revision_interval{5 * 60 * 1000};

  bool enabled() const { return revision_mode ? retention_revs > 0 : period.count() > 0; }
};

// etcd's parsing: a non-negative integer is hours (periodic) or revisions (revision);
// anything else a Go duration (`30m`, `1h30m`). Errors read
// `error parsing CompactionRetention: time: invalid duration "x"`.
Result<AutoCompactionOptions> ParseAutoCompaction(const std::string& mode, const std::string& retention);

class AutoCompactor {
 public:
  using RevFn = std::function<int64_t()>;
  using IsLeaderFn = std::function<bool()>;
  // Proposes a compaction at `rev` and returns its outcome (etcd's error text on failure).
  using CompactFn = std::function<Status(int64_t rev)>;

  AutoCompactor(AutoCompactionOptions options, RevFn rev, IsLeaderFn is_leader, CompactFn compact,
                Logger* logger);
  ~AutoCompactor();  // Stop()s

  void Start();
  void Stop();

 private:
  void RunPeriodic();
  void RunRevision();
  // Sleeps for `d` unless stopped; false once stopped.
  bool Sleep(std::chrono::milliseconds d);
  void LogStart(int64_t rev);
  void LogOutcome(int64_t rev, const Status& s, std::chrono::milliseconds retry);

  const AutoCompactionOptions options_;
  RevFn rev_;
  IsLeaderFn is_leader_;
  CompactFn compact_;
  Logger* log_;

  std::mutex mu_;  // guards stop_
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace etcdpp::server
