#include "lease/lessor.h"

#include <gtest/gtest.h>

namespace etcdpp::lease {
namespace {

using std::chrono::seconds;

class LessorTest : public ::testing::Test {
 protected:
  std::unique_ptr<Lessor> Make(LessorConfig cfg = {}) {
    auto l = std::make_unique<Lessor>(&store_, &deleter_, [this] { return now_; }, cfg);
    EXPECT_TRUE(l->Recover().ok());
    return l;
  }
  void Advance(Duration d) { now_ += d; }

  TimePoint now_ = TimePoint{} + std::chrono::hours(1);
  MemoryLeaseStore store_;
  MemoryKeyDeleter deleter_;
};

TEST(MinLeaseTtl, IsOneAndAHalfElectionTimeoutsRoundedUp) {
  EXPECT_EQ(MinLeaseTtlSeconds(10, 100), 2);  // etcd defaults: 1.5 s -> 2
  EXPECT_EQ(MinLeaseTtlSeconds(5, 100), 1);   // 7 ticks (integer 3*5/2) = 0.7 s
  EXPECT_EQ(MinLeaseTtlSeconds(50, 100), 8);
}

TEST_F(LessorTest, GrantAppliesMinimumTtlAndEtcdErrors) {
  LessorConfig cfg;
  cfg.min_lease_ttl_seconds = 5;
  auto l = Make(cfg);
  auto g = l->Grant(1, 2);
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->ttl_seconds, 5);
  EXPECT_EQ(l->Grant(1, 10).status().message(), "lease already exists");
  EXPECT_EQ(l->Grant(1, 10).status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(l->Grant(0, 10).status().message(), "lease not found");
  EXPECT_EQ(l->Grant(2, kMaxLeaseTtlSeconds + 1).status().message(), "too large lease TTL");
  EXPECT_TRUE(l->Grant(3, kMaxLeaseTtlSeconds).ok());
}

TEST_F(LessorTest, LeasesExpireInOrderOnlyOnThePrimary) {
  LessorConfig cfg;
  cfg.expired_retry_interval = seconds(30);
  auto l = Make(cfg);
  ASSERT_TRUE(l->Grant(30, 30).ok());
  ASSERT_TRUE(l->Grant(10, 10).ok());
  ASSERT_TRUE(l->Grant(20, 20).ok());
  Advance(seconds(100));
  EXPECT_TRUE(l->FindExpired(100).empty()) << "followers never expire leases";
  EXPECT_EQ(l->Lookup(10)->remaining, Duration::max());

  l->Promote(Duration::zero());
  EXPECT_TRUE(l->FindExpired(100).empty());
  Advance(seconds(10));
  EXPECT_EQ(l->FindExpired(100), std::vector<int64_t>{10});
  EXPECT_TRUE(l->FindExpired(100).empty()) << "reported once per retry interval";
  Advance(seconds(10));
  EXPECT_EQ(l->FindExpired(100), std::vector<int64_t>{20});
  Advance(seconds(20));  // t=40: 30 is due, and 10 again as its revoke never came
  EXPECT_EQ(l->FindExpired(100), (std::vector<int64_t>{30, 10}));
  Advance(seconds(30));
  EXPECT_EQ(l->FindExpired(1).size(), 1u) << "limit respected";
}

TEST_F(LessorTest, LeasesListSoonestExpiryFirst) {
  auto l = Make();
  l->Promote(Duration::zero());
  ASSERT_TRUE(l->Grant(7, 70).ok());
  ASSERT_TRUE(l->Grant(5, 50).ok());
  ASSERT_TRUE(l->Grant(6, 60).ok());
  std::vector<int64_t> ids;
  for (const auto& info : l->Leases()) ids.push_back(info.id);
  EXPECT_EQ(ids, (std::vector<int64_t>{5, 6, 7}));
}

TEST_F(LessorTest, RenewRestartsTtlOnPrimaryOnly) {
  auto l = Make();
  ASSERT_TRUE(l->Grant(1, 10).ok());
  EXPECT_EQ(l->Renew(1).status().message(), "not a primary lessor");
  l->Promote(Duration::zero());
  Advance(seconds(8));
  auto ttl = l->Renew(1);
  ASSERT_TRUE(ttl.ok());
  EXPECT_EQ(*ttl, 10);
  Advance(seconds(8));
  EXPECT_TRUE(l->FindExpired(10).empty());
  EXPECT_EQ(std::chrono::duration_cast<seconds>(l->Lookup(1)->remaining).count(), 2);
  Advance(seconds(3));
  EXPECT_EQ(l->Renew(1).status().code(), StatusCode::kNotFound) << "expired lease cannot be kept alive";
  EXPECT_EQ(l->Renew(99).status().message(), "lease not found");
}

TEST_F(LessorTest, RevokeDeletesAttachedKeysInOneTransaction) {
  auto l = Make();
  deleter_.keys() = {"a", "b", "c", "other"};
  ASSERT_TRUE(l->Grant(1, 10).ok());
  const std::vector<std::string> keys{"c", "a", "b"};
  ASSERT_TRUE(l->Attach(1, keys).ok());
  EXPECT_EQ(l->GetLease("b"), 1);
  auto ttl = l->Lookup(1, /*with_keys=*/true);
  EXPECT_EQ(ttl->keys, (std::vector<std::string>{"a", "b", "c"}));
  ASSERT_TRUE(l->Revoke(1).ok());
  EXPECT_EQ(deleter_.txns(), 1);
  EXPECT_EQ(deleter_.last_deleted(), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(deleter_.keys(), std::set<std::string>{"other"});
  EXPECT_EQ(l->GetLease("b"), kNoLease);
  EXPECT_FALSE(l->Lookup(1).has_value());
  EXPECT_TRUE(store_.bucket().empty());
  EXPECT_EQ(l->Revoke(1).message(), "lease not found");
}

TEST_F(LessorTest, DetachedKeysSurviveRevoke) {
  auto l = Make();
  ASSERT_TRUE(l->Grant(1, 10).ok());
  const std::vector<std::string> keys{"x", "y"};
  ASSERT_TRUE(l->Attach(1, keys).ok());
  const std::vector<std::string> x{"x"};
  ASSERT_TRUE(l->Detach(1, x).ok());
  ASSERT_TRUE(l->Revoke(1).ok());
  EXPECT_EQ(deleter_.last_deleted(), std::vector<std::string>{"y"});
  EXPECT_EQ(l->Attach(1, x).message(), "lease not found");
}

TEST_F(LessorTest, StoredInEtcdBucketEncodingAndRecoveredAfterRestart) {
  {
    auto l = Make();
    ASSERT_TRUE(l->Grant(1, 10).ok());
    ASSERT_TRUE(l->Grant(0x0102030405060708, 300).ok());
    ASSERT_TRUE(l->Grant(3, 30).ok());
    ASSERT_TRUE(l->Revoke(3).ok());
  }
  // key: 8-byte big-endian ID; value: leasepb.Lease{ID=1, TTL=2} (proto3, zeros omitted).
  ASSERT_EQ(store_.bucket().size(), 2u);
  EXPECT_EQ(store_.bucket().at(std::string("\0\0\0\0\0\0\0\x01", 8)), std::string("\x08\x01\x10\x0a"));
  EXPECT_TRUE(store_.bucket().contains(std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8)));

  LessorConfig cfg;
  cfg.min_lease_ttl_seconds = 20;
  auto restarted = Make(cfg);
  EXPECT_EQ(restarted->size(), 2u);
  EXPECT_EQ(restarted->Lookup(1)->ttl_seconds, 20) << "minimum applies on recovery too";
  EXPECT_EQ(restarted->Lookup(0x0102030405060708)->ttl_seconds, 300);
  EXPECT_FALSE(restarted->Lookup(3).has_value());
  restarted->Promote(seconds(1));
  Advance(seconds(20));
  EXPECT_TRUE(restarted->FindExpired(10).empty()) << "promotion extends by the election timeout";
  Advance(seconds(1));
  EXPECT_EQ(restarted->FindExpired(10), std::vector<int64_t>{1});
}

TEST_F(LessorTest, PromoteSpreadsMassExpiry) {
  auto l = Make();
  for (int64_t id = 1; id <= 2000; ++id) ASSERT_TRUE(l->Grant(id, 60).ok());
  l->Promote(Duration::zero());
  // 750 keep their time; each later one is pushed back 1/750 s more than the previous.
  Advance(seconds(60));
  EXPECT_EQ(l->FindExpired(5000).size(), 750u);
  Advance(seconds(2));
  EXPECT_EQ(l->FindExpired(5000).size(), 750u);
  Advance(std::chrono::milliseconds(700));
  EXPECT_EQ(l->FindExpired(5000).size(), 500u);
}

TEST_F(LessorTest, CheckpointsCarryRemainingTtlToTheNextPrimary) {
  LessorConfig cfg;
  cfg.checkpointing = true;
  cfg.checkpoint_interval = seconds(60);
  cfg.checkpoint_persist = true;
  auto l = Make(cfg);
  ASSERT_TRUE(l->Grant(1, 600).ok());
  ASSERT_TRUE(l->Grant(2, 30).ok());  // too short to need checkpoints
  l->Promote(Duration::zero());
  Advance(seconds(59));
  EXPECT_TRUE(l->FindDueCheckpoints(10).empty());
  Advance(seconds(2));
  auto due = l->FindDueCheckpoints(10);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].id, 1);
  EXPECT_EQ(due[0].remaining_ttl_seconds, 539);
  ASSERT_TRUE(l->Checkpoint(1, 539).ok());  // applied from the log
  bool clear = false;
  auto renewed = l->Renew(1, &clear);
  ASSERT_TRUE(renewed.ok());
  EXPECT_TRUE(clear) << "server should propose a zero checkpoint";

  auto next = Make(cfg);  // another member, from the persisted state
  EXPECT_EQ(next->Lookup(1)->remaining_ttl_seconds, 539);
  next->Promote(Duration::zero());
  Advance(seconds(539));
  EXPECT_EQ(next->FindExpired(10), (std::vector<int64_t>{2, 1}));
}

TEST_F(LessorTest, DemoteStopsExpiry) {
  auto l = Make();
  ASSERT_TRUE(l->Grant(1, 5).ok());
  l->Promote(Duration::zero());
  l->Demote();
  Advance(seconds(50));
  EXPECT_TRUE(l->FindExpired(10).empty());
  EXPECT_FALSE(l->is_primary());
}

}  // namespace
}  // namespace etcdpp::lease
