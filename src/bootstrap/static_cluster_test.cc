#include "bootstrap/static_cluster.h"

#include <gtest/gtest.h>

namespace etcdpp::bootstrap {
namespace {

constexpr char kGuideCluster[] =
    "infra0=http://10.0.1.10:2380,infra1=http://10.0.1.11:2380,infra2=http://10.0.1.12:2380";

TEST(StaticCluster, DefaultSingleMemberHasEtcdsIds) {
  auto c = BuildInitialCluster("default=http://localhost:2380", "default", {"http://localhost:2380"}, "etcd-cluster");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(membership::IdToString(c->local_id), "8e9e05c52164694d");
  EXPECT_EQ(membership::IdToString(c->cluster_id), "cdf818194e3a8c32");
  ASSERT_EQ(c->members.size(), 1u);
  EXPECT_EQ(c->members[0].name, "default");
}

TEST(StaticCluster, GuideClusterGivesThreeMembersAndOneClusterId) {
  auto a = BuildInitialCluster(kGuideCluster, "infra0", {"http://10.0.1.10:2380"}, "etcd-cluster-1");
  auto b = BuildInitialCluster(kGuideCluster, "infra2", {"http://10.0.1.12:2380"}, "etcd-cluster-1");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->members.size(), 3u);
  EXPECT_EQ(a->cluster_id, b->cluster_id);
  EXPECT_NE(a->local_id, b->local_id);
  auto other_token = BuildInitialCluster(kGuideCluster, "infra0", {"http://10.0.1.10:2380"}, "etcd-cluster-2");
  EXPECT_NE(other_token->cluster_id, a->cluster_id);
}

TEST(StaticCluster, MemberMissingFromTheListIsRefusedWithTheGuidesMessage) {
  auto c = BuildInitialCluster("infra0=http://10.0.1.10:2380", "infra1", {"http://10.0.1.11:2380"}, "t");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(), "infra1 not listed in the initial cluster config");
}

TEST(StaticCluster, AdvertisedUrlsMustMatchTheMembersEntry) {
  auto c = BuildInitialCluster(kGuideCluster, "infra0", {"http://10.0.1.99:2380"}, "t");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(),
            "error setting up initial cluster: infra0 has different advertised URLs in the cluster and "
            "advertised peer URLs list");
}

TEST(StaticCluster, MalformedEntriesAreRefused) {
  EXPECT_FALSE(BuildInitialCluster("infra0", "infra0", {}, "t").ok());
  EXPECT_FALSE(BuildInitialCluster("infra0=ftp://x:1", "infra0", {"ftp://x:1"}, "t").ok());
  EXPECT_FALSE(BuildInitialCluster("a=http://x:1,b=http://x:1", "a", {"http://x:1"}, "t").ok());
}

}  // namespace
}  // namespace etcdpp::bootstrap
