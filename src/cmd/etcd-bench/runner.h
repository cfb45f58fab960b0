// Runner: drives one operation from --clients threads until --total operations are done
// or --duration has passed, paced by --rate, with a progress bar on a terminal. Each
// thread records its own latencies; Run merges them once all threads have joined.
#pragma once

#include <functional>
#include <string>

#include "cmd/etcd-bench/latency_stats.h"
#include "cmd/etcd-bench/options.h"

namespace etcdpp::bench {

struct RunPlan {
  int clients = 1;
  uint64_t total = 0;       // operations over all clients; 0 with duration_s > 0
  double duration_s = 0;
  double rate = 0;          // operations per second, 0 = unlimited
  bool progress = false;
};

RunPlan PlanFrom(const Options& o);

// One operation of client `client` (0..clients-1), sequence number `seq` over all
// clients. Returns an empty string on success, else the error message.
using Operation = std::function<std::string(int client, uint64_t seq)>;

struct RunOutcome {
  LatencyStats stats;
  std::string first_error;
};

RunOutcome Run(const RunPlan& plan, const Operation& op);

}  // namespace etcdpp::bench
