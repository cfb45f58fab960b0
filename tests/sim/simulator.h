// RunSimulation: one deterministic raft-sim run. From a single seed it builds a 3- or
// 5-node cluster of RawNodes over a SimNetwork, injects faults (delay, loss,
// duplication, reordering, partitions, crashes that keep only persisted state,
// including crashes in the middle of handling a Ready: a leader that sent before its
// write landed, a follower with a torn write),
// random proposals, read-index requests, leadership transfers and membership changes,
// and checks safety after every step; then it heals everything and requires a leader
// and a new commit within a bound (liveness). Single-threaded; no I/O but optional
// tracing to stderr.
#pragma once

#include <cstdint>
#include <string>

namespace etcdpp::sim {

struct SimOptions {
  uint64_t seed = 1;
  int nodes = 0;               // 3 or 5; 0 picks from the seed
  int safety_steps = 6000;     // time units of faults
  int liveness_steps = 6000;   // bound for recovery after healing
  bool verbose = false;
};

struct SimResult {
  bool ok = true;
  std::string error;
  uint64_t step = 0;       // where it failed
  uint64_t commits = 0;    // highest index applied
  uint64_t leaders = 0;    // elections observed
};

SimResult RunSimulation(const SimOptions& options);

}  // namespace etcdpp::sim
