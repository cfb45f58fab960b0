#include "cmd/etcd-bench/latency_stats.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace etcdpp::bench {

double Quantile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  // Nearest rank: the smallest sample with at least q of the samples at or below it.
  size_t rank = static_cast<size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  if (rank == 0) rank = 1;
  return sorted[std::min(rank, sorted.size()) - 1];
}

LatencyStats Summarize(std::vector<double>& samples_s, uint64_t errors, double duration_s) {
  LatencyStats s;
  std::sort(samples_s.begin(), samples_s.end());
  s.count = samples_s.size();
  s.errors = errors;
  s.duration_s = duration_s;
  s.ops_per_s = duration_s > 0 ? static_cast<double>(s.count) / duration_s : 0;
  if (samples_s.empty()) return s;
  constexpr double kMs = 1000.0;
  s.min = samples_s.front() * kMs;
  s.max = samples_s.back() * kMs;
  s.avg = std::accumulate(samples_s.begin(), samples_s.end(), 0.0) / samples_s.size() * kMs;
  s.p50 = Quantile(samples_s, 0.50) * kMs;
  s.p90 = Quantile(samples_s, 0.90) * kMs;
  s.p99 = Quantile(samples_s, 0.99) * kMs;
  s.p999 = Quantile(samples_s, 0.999) * kMs;
  return s;
}

nlohmann::json ToJson(const LatencyStats& s) {
  return {
      {"count", s.count},
      {"errors", s.errors},
      {"duration_s", s.duration_s},
      {"ops_per_s", s.ops_per_s},
      {"latency_ms",
       {{"min", s.min}, {"avg", s.avg}, {"p50", s.p50}, {"p90", s.p90}, {"p99", s.p99},
        {"p99.9", s.p999}, {"max", s.max}}},
  };
}

}  // namespace etcdpp::bench
