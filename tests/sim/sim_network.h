// SimNetwork: a simulated message network for raft-sim. Messages get a random delay
// (which also reorders them), may be lost or duplicated, and are blocked by symmetric
// or one-way partitions. Everything random comes from the Rng the simulation passes in.
// Single-threaded.
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <utility>
#include <vector>

#include "raft/config.h"
#include "raftpb/raft.pb.h"

namespace etcdpp::sim {

struct NetworkFaults {
  uint64_t max_delay = 20;   // time units; a tick is 10
  double loss = 0.0;         // probability a message is dropped
  double duplicate = 0.0;    // probability a message is delivered twice
};

class SimNetwork {
 public:
  explicit SimNetwork(raft::SplitMixRng* rng) : rng_(rng) {}

  void set_faults(const NetworkFaults& f) { faults_ = f; }
  const NetworkFaults& faults() const { return faults_; }
  // Queues a message sent at `now`; returns false if it was lost right away.
  bool Send(raftpb::Message m, uint64_t now);
  // Removes and returns the messages due at or before `now`, in delivery order.
  std::vector<raftpb::Message> Due(uint64_t now);

  void Block(uint64_t from, uint64_t to) { blocked_.insert({from, to}); }
  bool Blocked(uint64_t from, uint64_t to) const { return blocked_.count({from, to}) > 0; }
  void Heal() { blocked_.clear(); }
  bool partitioned() const { return !blocked_.empty(); }
  size_t in_flight() const { return queue_.size(); }

 private:
  struct InFlight {
    uint64_t at;
    uint64_t seq;
    std::unique_ptr<raftpb::Message> msg;  // boxed: the heap moves entries around
  };
  // Min-heap order on (at, seq): equal delivery times keep send order.
  static bool Later(const InFlight& a, const InFlight& b) {
    return a.at != b.at ? a.at > b.at : a.seq > b.seq;
  }
  double Chance() { return static_cast<double>(rng_->Uniform(1000000)) / 1000000.0; }

  raft::SplitMixRng* rng_;
  NetworkFaults faults_;
  std::set<std::pair<uint64_t, uint64_t>> blocked_;
  std::vector<InFlight> queue_;
  uint64_t seq_ = 0;
};

}  // namespace etcdpp::sim
