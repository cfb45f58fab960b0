#include "gateway/remote_pick.h"

#include <gtest/gtest.h>

#include <map>

namespace etcdpp::gateway {
namespace {

TEST(PickRemote, RoundRobinSkipsInactiveEndpointsAndNoneActiveIsMinusOne) {
  std::vector<Remote> remotes = {{"a", 1}, {"b", 2}, {"c", 3}};
  std::mt19937 rng(1);
  size_t round = 0;
  std::vector<int> picks;
  for (int i = 0; i < 4; ++i) picks.push_back(PickRemote(remotes, &round, rng));
  EXPECT_EQ(picks, (std::vector<int>{0, 1, 2, 0}));
  remotes[1].active = false;
  picks.clear();
  for (int i = 0; i < 4; ++i) picks.push_back(PickRemote(remotes, &round, rng));
  EXPECT_EQ(picks, (std::vector<int>{2, 0, 2, 0}));
  for (Remote& r : remotes) r.active = false;
  EXPECT_EQ(PickRemote(remotes, &round, rng), -1);
}

TEST(PickRemote, TheBestPriorityWinsAndWeightsShareItsPicks) {
  // Priority 10 is better than 20; within it weights 1 and 3.
  std::vector<Remote> remotes = {{"low", 1, 20, 5}, {"w1", 2, 10, 1}, {"w3", 3, 10, 3}};
  std::mt19937 rng(7);
  size_t round = 0;
  std::map<int, int> count;
  for (int i = 0; i < 4000; ++i) ++count[PickRemote(remotes, &round, rng)];
  EXPECT_EQ(count[0], 0);
  EXPECT_GT(count[2], 2 * count[1]);  // about 3:1
  EXPECT_GT(count[1], 500);
  remotes[1].active = remotes[2].active = false;  // the best class is gone: the next one serves
  EXPECT_EQ(PickRemote(remotes, &round, rng), 0);
}

TEST(Remote, AddressBracketsIpv6) {
  EXPECT_EQ((Remote{"127.0.0.1", 2379}).Address(), "127.0.0.1:2379");
  EXPECT_EQ((Remote{"::1", 2379}).Address(), "[::1]:2379");
  EXPECT_EQ((Remote{"infra0.example.com.", 2379}).Address(), "infra0.example.com.:2379");
}

}  // namespace
}  // namespace etcdpp::gateway
