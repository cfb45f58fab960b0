#include "embed/initial_cluster.h"

#include <gtest/gtest.h>

#include "membership/member.h"

namespace etcdpp::embed {
namespace {

bool NeverStop(std::chrono::milliseconds) { return true; }

TEST(InitialCluster, StaticClusterKeepsItsTokenAndIds) {
  Config c;  // the default single member
  bootstrap::InitialCluster ic;
  ASSERT_EQ(BuildNewMemberCluster(c, NeverStop, nullptr, &ic), std::nullopt);
  EXPECT_EQ(membership::IdToString(ic.local_id), "8e9e05c52164694d");
  EXPECT_EQ(membership::IdToString(ic.cluster_id), "cdf818194e3a8c32");
}

TEST(InitialCluster, DiscoveryIsRefusedWhenJoiningAnExistingCluster) {
  Config c;
  c.initial_cluster.clear();
  c.discovery = "http://127.0.0.1:1/v2/keys/discovery/t";
  c.initial_cluster_state = "existing";
  bootstrap::InitialCluster ic;
  // Refused before any exchange: the service's address does not answer.
  EXPECT_EQ(BuildNewMemberCluster(c, NeverStop, nullptr, &ic), std::optional<int>(1));
}

TEST(InitialCluster, AStopDuringTheDiscoveryBackoffEndsWithoutAReport) {
  Config c;
  c.initial_cluster.clear();
  c.discovery = "http://127.0.0.1:1/v2/keys/discovery/t";  // nothing listens on port 1
  int waits = 0;
  bootstrap::InitialCluster ic;
  auto stop = [&](std::chrono::milliseconds) { return ++waits < 0; };
  EXPECT_EQ(BuildNewMemberCluster(c, stop, nullptr, &ic), std::optional<int>(1));
  EXPECT_EQ(waits, 1);
}

}  // namespace
}  // namespace etcdpp::embed
