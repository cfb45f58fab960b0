#include "server/id_generator.h"

#include <gtest/gtest.h>

#include <set>

namespace etcdpp::server {
namespace {

TEST(IdGenerator, PrefixesMemberBitsAndCountsUp) {
  IdGenerator gen(0x1234567890abcdefULL, 0x0102030405ULL);
  uint64_t first = gen.Next();
  EXPECT_EQ(first >> 48, 0xcdefULL);
  EXPECT_EQ((first >> 8) & 0xffffffffffULL, 0x0102030405ULL);
  EXPECT_EQ(first & 0xff, 1u);
  EXPECT_EQ(gen.Next(), first + 1);
}

TEST(IdGenerator, CounterCarriesIntoTimeWithoutTouchingMemberBits) {
  IdGenerator gen(7, 0xffffffffffULL);
  std::set<uint64_t> seen;
  for (int i = 0; i < 600; ++i) {
    uint64_t id = gen.Next();
    EXPECT_EQ(id >> 48, 7u);
    EXPECT_TRUE(seen.insert(id).second);
  }
}

}  // namespace
}  // namespace etcdpp::server
