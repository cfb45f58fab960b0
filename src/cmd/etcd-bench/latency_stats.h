// LatencyStats: the summary of one set of latency samples (count, mean, percentiles,
// max) and the throughput they imply over a wall-clock duration. Samples are recorded
// per client thread into plain vectors and merged once at the end, so recording costs
// one push_back and no lock.
#pragma once

#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

namespace etcdpp::bench {

struct LatencyStats {
  uint64_t count = 0;
  uint64_t errors = 0;
  double duration_s = 0;
  double ops_per_s = 0;
  // Milliseconds.
  double min = 0, avg = 0, p50 = 0, p90 = 0, p99 = 0, p999 = 0, max = 0;
};

// Sorts `samples_s` (seconds) in place and summarises them; throughput is
// count / duration_s.
LatencyStats Summarize(std::vector<double>& samples_s, uint64_t errors, double duration_s);

// The sample at quantile q (0..1) of sorted samples, nearest rank.
double Quantile(const std::vector<double>& sorted, double q);

nlohmann::json ToJson(const LatencyStats& s);

}  // namespace etcdpp::bench
