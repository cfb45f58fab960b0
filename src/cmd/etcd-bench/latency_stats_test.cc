#include "cmd/etcd-bench/latency_stats.h"

#include <gtest/gtest.h>

namespace etcdpp::bench {
namespace {

TEST(LatencyStatsTest, NearestRankPercentilesOfOneToThousandMs) {
  std::vector<double> s;
  for (int i = 1000; i >= 1; --i) s.push_back(i / 1000.0);  // 1..1000 ms, unsorted
  LatencyStats st = Summarize(s, 3, 2.0);
  EXPECT_EQ(st.count, 1000u);
  EXPECT_EQ(st.errors, 3u);
  EXPECT_DOUBLE_EQ(st.ops_per_s, 500.0);
  EXPECT_DOUBLE_EQ(st.min, 1.0);
  EXPECT_DOUBLE_EQ(st.p50, 500.0);
  EXPECT_DOUBLE_EQ(st.p90, 900.0);
  EXPECT_DOUBLE_EQ(st.p99, 990.0);
  EXPECT_DOUBLE_EQ(st.p999, 999.0);
  EXPECT_DOUBLE_EQ(st.max, 1000.0);
  EXPECT_NEAR(st.avg, 500.5, 1e-9);
}

TEST(LatencyStatsTest, EmptySamplesGiveZeros) {
  std::vector<double> s;
  LatencyStats st = Summarize(s, 0, 0);
  EXPECT_EQ(st.count, 0u);
  EXPECT_EQ(st.ops_per_s, 0);
  EXPECT_EQ(st.max, 0);
}

TEST(LatencyStatsTest, JsonHasEtcdBenchFields) {
  std::vector<double> s{0.001, 0.002};
  auto j = ToJson(Summarize(s, 0, 1.0));
  EXPECT_EQ(j["count"], 2);
  for (const char* k : {"min", "avg", "p50", "p90", "p99", "p99.9", "max"}) {
    EXPECT_TRUE(j["latency_ms"].contains(k)) << k;
  }
}

}  // namespace
}  // namespace etcdpp::bench
