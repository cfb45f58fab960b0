// LeaseForwarder: how a follower reaches the leader's lessor. Keep-alives and
// time-to-live lookups do not go through raft; etcd posts them to the leader's peer URL
// (/leases and /leases/internal). The server defines what it needs; the peer module
// implements it over HTTP.
//
// Threads: called from any thread, never blocks; `done` runs once, on the forwarder's
// thread, and must only post its result.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/status.h"
#include "etcdserverpb/rpc.pb.h"

namespace etcdpp::server {

// The current leader's peer URLs; empty while there is no leader. Any thread.
using LeaderUrls = std::function<std::vector<std::string>()>;
using Deadline = std::chrono::steady_clock::time_point;

class LeaseForwarder {
 public:
  virtual ~LeaseForwarder() = default;
  // Asks the leader, trying each of its URLs and asking again (the leader may change)
  // until an answer or the deadline, as etcd's LeaseRenew does. Gets the renewed TTL;
  // NotFound "lease not found" when the leader does not know the lease; at the
  // deadline etcd's "request timed out" (or "no leader" when none was seen).
  virtual void Renew(LeaderUrls leader, int64_t id, Deadline deadline,
                     std::function<void(Result<int64_t>)> done) = 0;
  virtual void TimeToLive(LeaderUrls leader, etcdserverpb::LeaseTimeToLiveRequest r, Deadline deadline,
                          std::function<void(Result<etcdserverpb::LeaseTimeToLiveResponse>)> done) = 0;
};

}  // namespace etcdpp::server
