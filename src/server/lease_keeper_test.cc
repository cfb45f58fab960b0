#include "server/lease_keeper.h"

#include <gtest/gtest.h>

#include "server/errors.h"
#include "server/lease_loop.h"
#include "testing/temp_dir.h"

namespace etcdpp::server {
namespace {

using std::chrono::seconds;

// A keeper over a real backend and KV store, with a clock the test moves.
class LeaseKeeperTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }

  void Open() {
    kv_.reset();
    keeper_.reset();
    backend_.reset();
    backend::BackendOptions options;
    options.path = dir_.Sub("db");
    backend_ = std::move(backend::Backend::Open(options)).value();
    keeper_ = std::make_unique<LeaseKeeper>(backend_.get(), config_, [this] { return now_; });
    ASSERT_TRUE(keeper_->Recover().ok());
    kv_ = std::move(mvcc::KvStore::Open(backend_.get(), keeper_->hooks())).value();
    keeper_->SetKv(kv_.get());
  }

  void Reopen() {
    ASSERT_TRUE(backend_->ForceCommit().ok());
    Open();
  }

  ApplyResult Grant(int64_t id, int64_t ttl) {
    etcdserverpb::LeaseGrantRequest r;
    r.set_id(id);
    r.set_ttl(ttl);
    return keeper_->ApplyGrant(r);
  }

  ApplyResult Revoke(int64_t id) {
    etcdserverpb::LeaseRevokeRequest r;
    r.set_id(id);
    return keeper_->ApplyRevoke(r);
  }

  Status Put(const std::string& key, int64_t lease) {
    mvcc::PutRequest r;
    r.key = key;
    r.value = "v";
    r.lease = lease;
    return kv_->Put(r).status();
  }

  std::vector<std::string> Keys(int64_t id) {
    auto info = keeper_->Lookup(id, true);
    return info ? info->keys : std::vector<std::string>{"<no lease>"};
  }

  testing::TempDir dir_;
  lease::LessorConfig config_{.min_lease_ttl_seconds = 2};
  lease::TimePoint now_ = lease::TimePoint{} + std::chrono::hours(1);
  std::unique_ptr<backend::Backend> backend_;
  std::unique_ptr<LeaseKeeper> keeper_;
  std::unique_ptr<mvcc::KvStore> kv_;
};

TEST_F(LeaseKeeperTest, GrantAnswersWithTheMinimumTtlAndTheCurrentRevision) {
  ApplyResult r = Grant(5, 1);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  const auto& resp = static_cast<const etcdserverpb::LeaseGrantResponse&>(*r.response);
  EXPECT_EQ(resp.id(), 5);
  EXPECT_EQ(resp.ttl(), 2);
  EXPECT_EQ(resp.header().revision(), kv_->Rev());
}

TEST_F(LeaseKeeperTest, GrantAndRevokeErrorsAreEtcdsClientErrors) {
  ASSERT_TRUE(Grant(5, 10).status.ok());
  EXPECT_TRUE(errors::kLeaseExists.Is(Grant(5, 10).status));
  EXPECT_TRUE(errors::kLeaseTtlTooLarge.Is(Grant(6, 9'000'000'001).status));
  EXPECT_TRUE(errors::kLeaseNotFound.Is(Revoke(6).status));
  EXPECT_EQ(GrpcCodeOf(Revoke(6).status), GrpcCode::kNotFound);
}

TEST_F(LeaseKeeperTest, PutsAttachAndMoveKeysBetweenLeases) {
  ASSERT_TRUE(Grant(1, 10).status.ok());
  ASSERT_TRUE(Grant(2, 10).status.ok());
  ASSERT_TRUE(Put("a", 1).ok());
  ASSERT_TRUE(Put("b", 1).ok());
  ASSERT_TRUE(Put("b", 2).ok());
  ASSERT_TRUE(Put("a", 0).ok());
  EXPECT_EQ(Keys(1), std::vector<std::string>{});
  EXPECT_EQ(Keys(2), std::vector<std::string>{"b"});
}

TEST_F(LeaseKeeperTest, PutWithUnknownLeaseFailsAndChangesNothing) {
  const int64_t rev = kv_->Rev();
  Status s = Put("a", 99);
  EXPECT_EQ(s.message(), errors::kLeaseNotFound.message);
  EXPECT_EQ(GrpcCodeOf(s), GrpcCode::kNotFound);
  EXPECT_EQ(kv_->Rev(), rev);
}

TEST_F(LeaseKeeperTest, RevokeDeletesEveryKeyInOneRevision) {
  ASSERT_TRUE(Grant(1, 10).status.ok());
  for (const char* k : {"c", "a", "b"}) ASSERT_TRUE(Put(k, 1).ok());
  ASSERT_TRUE(Put("other", 0).ok());
  const int64_t rev = kv_->Rev();
  ApplyResult r = Revoke(1);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(kv_->Rev(), rev + 1);
  EXPECT_EQ(static_cast<const etcdserverpb::LeaseRevokeResponse&>(*r.response).header().revision(), rev + 1);
  mvcc::RangeRequest all;
  all.key = "a";
  all.range_end = "zzz";
  auto left = kv_->Range(all);
  ASSERT_TRUE(left.ok());
  ASSERT_EQ(left->kvs.size(), 1u);
  EXPECT_EQ(left->kvs[0].key(), "other");
  EXPECT_FALSE(keeper_->Lookup(1, false).has_value());
}

TEST_F(LeaseKeeperTest, ReopenRecoversLeasesWithTheirKeys) {
  ASSERT_TRUE(Grant(1, 10).status.ok());
  ASSERT_TRUE(Grant(2, 20).status.ok());
  ASSERT_TRUE(Put("x", 1).ok());
  ASSERT_TRUE(Put("y", 2).ok());
  ASSERT_TRUE(Revoke(2).status.ok());
  Reopen();
  EXPECT_EQ(keeper_->LeaseIds(), std::vector<int64_t>{1});
  EXPECT_EQ(Keys(1), std::vector<std::string>{"x"});
  EXPECT_EQ(keeper_->Lookup(1, false)->ttl_seconds, 10);
}

TEST_F(LeaseKeeperTest, OnlyThePrimaryRenewsAndExpires) {
  ASSERT_TRUE(Grant(1, 10).status.ok());
  auto renewed = keeper_->Renew(1, nullptr);
  EXPECT_EQ(renewed.status().message(), lease::kErrNotPrimary);
  now_ += seconds(100);
  EXPECT_TRUE(keeper_->FindExpired(10).empty());  // a follower's leases never expire
  keeper_->Promote(seconds(1));
  EXPECT_EQ(*keeper_->Renew(1, nullptr), 10);
  EXPECT_EQ(keeper_->Renew(7, nullptr).status().message(), lease::kErrLeaseNotFound);
  now_ += seconds(11);
  EXPECT_EQ(keeper_->FindExpired(10), std::vector<int64_t>{1});
}

TEST_F(LeaseKeeperTest, LoopProposesRevokesOnTheLeaderAndDemotesWhenLeadershipIsLost) {
  ASSERT_TRUE(Grant(1, 2).status.ok());
  ASSERT_TRUE(Grant(2, 60).status.ok());
  bool leader = true;
  std::vector<etcdserverpb::InternalRaftRequest> proposed;
  std::vector<std::function<void(Status)>> pending;
  LeaseLoopDeps deps;
  deps.keeper = keeper_.get();
  deps.is_leader = [&] { return leader; };
  deps.propose = [&](etcdserverpb::InternalRaftRequest r, std::function<void(Status)> done) {
    proposed.push_back(std::move(r));
    pending.push_back(std::move(done));
  };
  LeaseLoop loop(std::move(deps));
  loop.RunOnce();
  EXPECT_TRUE(proposed.empty());  // not promoted yet: the term's first entry did that
  keeper_->Promote(seconds(0));
  now_ += seconds(3);
  loop.RunOnce();
  ASSERT_EQ(proposed.size(), 1u);
  EXPECT_EQ(proposed[0].lease_revoke().id(), 1);
  for (auto& done : pending) done(Status());
  leader = false;
  loop.RunOnce();
  EXPECT_FALSE(keeper_->is_primary());
  now_ += seconds(100);
  loop.RunOnce();
  EXPECT_EQ(proposed.size(), 1u);
}

TEST_F(LeaseKeeperTest, LoopProposesCheckpointsWhenCheckpointingIsOn) {
  config_.checkpointing = true;
  config_.checkpoint_interval = seconds(10);
  Reopen();
  ASSERT_TRUE(Grant(1, 100).status.ok());
  std::vector<etcdserverpb::InternalRaftRequest> proposed;
  LeaseLoopDeps deps;
  deps.keeper = keeper_.get();
  deps.is_leader = [] { return true; };
  deps.propose = [&](etcdserverpb::InternalRaftRequest r, std::function<void(Status)>) {
    proposed.push_back(std::move(r));
  };
  deps.checkpointing = true;
  LeaseLoop loop(std::move(deps));
  keeper_->Promote(seconds(0));
  now_ += seconds(11);
  loop.RunOnce();
  ASSERT_EQ(proposed.size(), 1u);
  ASSERT_EQ(proposed[0].lease_checkpoint().checkpoints_size(), 1);
  const auto& cp = proposed[0].lease_checkpoint().checkpoints(0);
  EXPECT_EQ(cp.id(), 1);
  EXPECT_EQ(cp.remaining_ttl(), 89);
  // Applied (on every member), the remainder is what a new leader would restart from.
  ASSERT_TRUE(keeper_->ApplyCheckpoint(proposed[0].lease_checkpoint()).status.ok());
  EXPECT_EQ(keeper_->Lookup(1, false)->remaining_ttl_seconds, 89);
}

}  // namespace
}  // namespace etcdpp::server
