// Leases through a whole single-member EtcdServer: raft, the applier's dispatch, the
// lessor's promotion on the term's first entry and the leader's expiry loop.
#include <gtest/gtest.h>

#include <future>

#include "membership/member.h"
#include "server/errors.h"
#include "server/etcd_server.h"
#include "server/test_member.h"
#include "testing/temp_dir.h"
#include "testing/wait_until.h"

namespace etcdpp::server {
namespace {

using testing_member::Await;
using testing_member::SingleMember;
using testing_member::StartMember;

class LeaseServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = EtcdServer::Open(SingleMember(dir_.Sub("m")), &transport_);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    server_ = std::move(*opened);
    ASSERT_TRUE(server_->Start().ok());
    ASSERT_TRUE(testing::WaitUntil([&] { return server_->leader() != 0; }));
  }
  void TearDown() override {
    if (server_) server_->Stop();
  }

  Result<etcdserverpb::LeaseGrantResponse> Grant(int64_t id, int64_t ttl) {
    etcdserverpb::LeaseGrantRequest r;
    r.set_id(id);
    r.set_ttl(ttl);
    return Await<etcdserverpb::LeaseGrantResponse>([&](auto done) { server_->LeaseGrant(r, done); });
  }
  Result<etcdserverpb::PutResponse> Put(const std::string& key, int64_t lease) {
    etcdserverpb::PutRequest r;
    r.set_key(key);
    r.set_value("v");
    r.set_lease(lease);
    return Await<etcdserverpb::PutResponse>([&](auto done) { server_->Put(r, done); });
  }
  int64_t Count(const std::string& key) {
    etcdserverpb::RangeRequest r;
    r.set_key(key);
    auto got = Await<etcdserverpb::RangeResponse>([&](auto done) { server_->Range(r, done); });
    return got.ok() ? got->count() : -1;
  }
  Result<int64_t> Renew(int64_t id) {
    return Await<int64_t>([&](auto done) { server_->LeaseRenew(id, done); });
  }

  testing::TempDir dir_;
  NoPeersTransport transport_;
  std::unique_ptr<EtcdServer> server_;
};

TEST_F(LeaseServerTest, GrantWithoutIdGetsAPositiveServerChosenId) {
  auto a = Grant(0, 30);
  auto b = Grant(0, 30);
  ASSERT_TRUE(a.ok() && b.ok()) << a.status().ToString();
  EXPECT_GT(a->id(), 0);
  EXPECT_NE(a->id(), b->id());
  EXPECT_EQ(a->ttl(), 30);
  EXPECT_EQ(a->header().member_id(), server_->member_id());
  EXPECT_TRUE(errors::kLeaseExists.Is(Grant(a->id(), 30).status()));
}

TEST_F(LeaseServerTest, PutWithUnknownLeaseIsRefused) {
  auto put = Put("k", 12345);
  ASSERT_FALSE(put.ok());
  EXPECT_TRUE(errors::kLeaseNotFound.Is(put.status()));
  EXPECT_EQ(Count("k"), 0);
}

TEST_F(LeaseServerTest, TimeToLiveListAndRenewOnTheLeader) {
  ASSERT_TRUE(Grant(7, 30).ok());
  ASSERT_TRUE(Put("a", 7).ok());
  etcdserverpb::LeaseTimeToLiveRequest ttl;
  ttl.set_id(7);
  ttl.set_keys(true);
  auto info = Await<etcdserverpb::LeaseTimeToLiveResponse>([&](auto done) { server_->LeaseTimeToLive(ttl, done); });
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->grantedttl(), 30);
  ASSERT_EQ(info->keys_size(), 1);
  EXPECT_EQ(info->keys(0), "a");
  EXPECT_GT(info->header().revision(), 0);
  auto list = Await<etcdserverpb::LeaseLeasesResponse>([&](auto done) { server_->LeaseLeases(done); });
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->leases_size(), 1);
  EXPECT_EQ(list->leases(0).id(), 7);
  auto renewed = Renew(7);
  ASSERT_TRUE(renewed.ok()) << renewed.status().ToString();
  EXPECT_EQ(*renewed, 30);
  EXPECT_TRUE(errors::kLeaseNotFound.Is(Renew(8).status()));
}

TEST_F(LeaseServerTest, ExpiredLeaseIsRevokedWithItsKeys) {
  ASSERT_TRUE(Grant(9, 1).ok());
  ASSERT_TRUE(Put("short", 9).ok());
  ASSERT_TRUE(Put("kept", 0).ok());
  EXPECT_TRUE(testing::WaitUntil([&] { return Count("short") == 0; }, std::chrono::seconds(15),
                                 std::chrono::milliseconds(50)));
  EXPECT_EQ(Count("kept"), 1);
  EXPECT_TRUE(errors::kLeaseNotFound.Is(Renew(9).status()));
}

}  // namespace
}  // namespace etcdpp::server
