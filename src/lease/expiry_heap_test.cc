#include "lease/expiry_heap.h"

#include <gtest/gtest.h>

#include <map>
#include <random>

namespace etcdpp::lease {
namespace {

TEST(ExpiryHeap, MatchesAReferenceUnderRandomUpsertsAndErases) {
  ExpiryHeap heap;
  std::map<int64_t, int64_t> ref;  // id -> deadline (seconds)
  std::mt19937 rng(7);
  const TimePoint base{};
  for (int step = 0; step < 5000; ++step) {
    const int64_t id = static_cast<int64_t>(rng() % 200);
    if (rng() % 4 == 0) {
      heap.Erase(id);
      ref.erase(id);
    } else {
      const int64_t when = static_cast<int64_t>(rng() % 1000);
      heap.Upsert(id, base + std::chrono::seconds(when));
      ref[id] = when;
    }
    ASSERT_EQ(heap.size(), ref.size());
    if (ref.empty()) {
      ASSERT_FALSE(heap.Top().has_value());
      continue;
    }
    int64_t min_when = INT64_MAX;
    for (const auto& [i, w] : ref) min_when = std::min(min_when, w);
    auto top = heap.Top();
    ASSERT_TRUE(top.has_value());
    ASSERT_EQ(top->first, base + std::chrono::seconds(min_when));
    ASSERT_EQ(ref.at(top->second), min_when);
  }
}

}  // namespace
}  // namespace etcdpp::lease
