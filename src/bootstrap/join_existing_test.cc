#include "bootstrap/join_existing.h"

#include <gtest/gtest.h>

namespace etcdpp::bootstrap {
namespace {

membership::Member M(uint64_t id, std::string name, std::vector<std::string> urls) {
  membership::Member m;
  m.id = id;
  m.name = std::move(name);
  m.peer_urls = std::move(urls);
  return m;
}

TEST(JoinExisting, LocalMembersTakeTheRunningClustersIds) {
  ExistingCluster running{0xc1, {M(0xa, "m0", {"http://10.0.0.1:2380"}), M(0xb, "", {"http://10.0.0.2:2380"})}};
  std::vector<membership::Member> local = {M(1, "m1", {"http://10.0.0.2:2380"}), M(2, "m0", {"http://10.0.0.1:2380"})};
  ASSERT_TRUE(AssignIdsFromExisting(&local, running).ok());
  EXPECT_EQ(local[0].id, 0xbu);
  EXPECT_EQ(local[1].id, 0xau);
}

TEST(JoinExisting, RefusesALocalListThatDoesNotMatch) {
  ExistingCluster running{0xc1, {M(0xa, "m0", {"http://10.0.0.1:2380"})}};
  std::vector<membership::Member> two = {M(1, "m0", {"http://10.0.0.1:2380"}), M(2, "m1", {"http://10.0.0.2:2380"})};
  Status s = AssignIdsFromExisting(&two, running);
  EXPECT_EQ(s.message(),
            "error validating peerURLs {ClusterID:c1 Members:[&{ID:a RaftAttributes:{PeerURLs:[http://10.0.0.1:2380] "
            "IsLearner:false} Attributes:{Name:m0 ClientURLs:[]}}] RemovedMemberIDs:[]}: member count is unequal");
  std::vector<membership::Member> other = {M(1, "m0", {"http://10.0.0.9:2380"})};
  s = AssignIdsFromExisting(&other, running);
  EXPECT_NE(s.message().find("PeerURLs: no match found for existing member (a, [http://10.0.0.1:2380])"),
            std::string::npos)
      << s.message();
}

}  // namespace
}  // namespace etcdpp::bootstrap
