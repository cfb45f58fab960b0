#include "server/id_generator.h"

namespace etcdpp::server {
namespace {
constexpr uint64_t LowBits(uint64_t x, int n) { return x & (~uint64_t{0} >> (64 - n)); }
}  // namespace

IdGenerator::IdGenerator(uint64_t member_id, uint64_t unix_ms)
    : prefix_(LowBits(member_id, 16) << kSuffixBits),
      suffix_(LowBits(unix_ms, kTimeBits) << kCounterBits) {}

uint64_t IdGenerator::Next() {
  uint64_t suffix = suffix_.fetch_add(1, std::memory_order_relaxed) + 1;
  return prefix_ | LowBits(suffix, kSuffixBits);
}

}  // namespace etcdpp::server
