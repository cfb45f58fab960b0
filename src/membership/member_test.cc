#include "membership/member.h"

#include <gtest/gtest.h>

namespace etcdpp::membership {
namespace {

// Values printed by etcd 3.4.23 for the same configurations.
TEST(MemberId, DefaultSingleMemberMatchesEtcd) {
  uint64_t id = ComputeMemberId({"http://localhost:2380"}, "etcd-cluster");
  EXPECT_EQ(IdToString(id), "8e9e05c52164694d");
  EXPECT_EQ(IdToString(ComputeClusterId({id})), "cdf818194e3a8c32");
}

TEST(MemberId, HashesSortedUrlsThenToken) {
  EXPECT_EQ(IdToString(ComputeMemberId({"http://127.0.0.1:30380"}, "etcd-cluster")), "35e7f952f430c8e6");
  EXPECT_EQ(ComputeMemberId({"http://b:1", "http://a:1"}, "t"), ComputeMemberId({"http://a:1", "http://b:1"}, "t"));
  EXPECT_NE(ComputeMemberId({"http://a:1"}, "t1"), ComputeMemberId({"http://a:1"}, "t2"));
  EXPECT_NE(ComputeMemberId({"http://a:1"}, "t", 1700000000), ComputeMemberId({"http://a:1"}, "t"));
}

TEST(ClusterId, IndependentOfMemberOrder) {
  EXPECT_EQ(ComputeClusterId({3, 1, 2}), ComputeClusterId({1, 2, 3}));
}

TEST(MemberId, ParsesWhatItPrints) {
  EXPECT_EQ(IdToString(0x9d74a3777d3e29cULL), "9d74a3777d3e29c");
  EXPECT_EQ(*ParseId("9d74a3777d3e29c"), 0x9d74a3777d3e29cULL);
  EXPECT_FALSE(ParseId("xyz").ok());
  EXPECT_FALSE(ParseId("").ok());
}

TEST(MemberJson, UsesEtcdFieldOrderAndOmitsEmptyFields) {
  Member m{.id = 10, .name = "", .peer_urls = {"http://a:2380"}, .client_urls = {}, .is_learner = true};
  EXPECT_EQ(MemberToJson(m), R"({"id":10,"peerURLs":["http://a:2380"],"isLearner":true})");
  m.is_learner = false;
  m.name = "infra0";
  m.client_urls = {"http://a:2379"};
  std::string json = MemberToJson(m);
  EXPECT_EQ(json, R"({"id":10,"peerURLs":["http://a:2380"],"name":"infra0","clientURLs":["http://a:2379"]})");
  EXPECT_EQ(*MemberFromJson(json), m);
}

TEST(MemberJson, RejectsMalformedInput) {
  EXPECT_FALSE(MemberFromJson("not json").ok());
  EXPECT_FALSE(MemberFromJson(R"({"peerURLs":[]})").ok());
  EXPECT_FALSE(MemberFromJson(R"({"id":1,"peerURLs":"x"})").ok());
}

}  // namespace
}  // namespace etcdpp::membership
