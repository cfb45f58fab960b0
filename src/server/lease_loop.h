// LeaseLoop: the leader's lease housekeeping thread, etcd's lessor run loop and
// revokeExpiredLeases. Every 500 ms: a member that is no longer leader demotes its
// lessor (leases stop expiring there); the primary proposes a LeaseRevoke for each
// expired lease (at most 16 proposals in flight and ~1000 leases a second, as etcd) and,
// with checkpointing on, one LeaseCheckpoint batch for the leases due.
//
// Owned by EtcdServer::Impl; Start/Stop from the owning thread. The callbacks run on the
// loop's thread; `propose` must not block and calls its done once, on any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "etcdserverpb/raft_internal.pb.h"
#include "server/lease_keeper.h"

namespace etcdpp::server {

struct LeaseLoopDeps {
  LeaseKeeper* keeper = nullptr;
  std::function<bool()> is_leader;
  std::function<void(etcdserverpb::InternalRaftRequest, std::function<void(Status)>)> propose;
  bool checkpointing = false;
  std::chrono::milliseconds interval{500};
};

class LeaseLoop {
 public:
  explicit LeaseLoop(LeaseLoopDeps deps) : deps_(std::move(deps)) {}
  ~LeaseLoop() { Stop(); }

  void Start();
  void Stop();
  // One round of the loop (also for tests, without Start).
  void RunOnce();

 private:
  void Run();

  LeaseLoopDeps deps_;
  std::atomic<int> revokes_in_flight_{0};
  std::mutex mu_;  // guards stop_
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace etcdpp::server
