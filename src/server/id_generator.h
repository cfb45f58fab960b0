// IdGenerator: request and lease IDs unique across the cluster without coordination,
// laid out as etcd does: the low 16 bits of the member ID in the top 16 bits, then the
// low 40 bits of the start time in milliseconds, then an 8-bit counter that carries into
// the time field. Thread-safe (one atomic increment per ID).
#pragma once

#include <atomic>
#include <cstdint>

namespace etcdpp::server {

class IdGenerator {
 public:
  IdGenerator(uint64_t member_id, uint64_t unix_ms);

  uint64_t Next();

 private:
  static constexpr int kCounterBits = 8;
  static constexpr int kTimeBits = 40;
  static constexpr int kSuffixBits = kTimeBits + kCounterBits;
  uint64_t prefix_;
  std::atomic<uint64_t> suffix_;
};

}  // namespace etcdpp::server
