#include "server/etcd_server.h"

#include <gtest/gtest.h>

#include <future>

#include "membership/member.h"
#include "server/errors.h"
#include "server/test_member.h"
#include "testing/temp_dir.h"
#include "testing/wait_until.h"

namespace etcdpp::server {
namespace {

using testing_member::Await;
using testing_member::SingleMember;
using testing_member::StartMember;

etcdserverpb::PutRequest PutReq(const std::string& k, const std::string& v) {
  etcdserverpb::PutRequest r;
  r.set_key(k);
  r.set_value(v);
  return r;
}

etcdserverpb::RangeRequest GetReq(const std::string& k, bool serializable = false) {
  etcdserverpb::RangeRequest r;
  r.set_key(k);
  r.set_serializable(serializable);
  return r;
}

TEST(EtcdServer, SingleMemberPutsAndReadsLinearizably) {
  testing::TempDir dir;
  NoPeersTransport transport;
  auto server = StartMember(SingleMember(dir.Sub("m")), &transport);
  ASSERT_TRUE(server);
  auto put = Await<etcdserverpb::PutResponse>([&](auto done) { server->Put(PutReq("foo", "bar"), done); });
  ASSERT_TRUE(put.ok()) << put.status().ToString();
  EXPECT_EQ(put->header().revision(), 2);
  EXPECT_EQ(put->header().member_id(), server->member_id());
  auto get = Await<etcdserverpb::RangeResponse>([&](auto done) { server->Range(GetReq("foo"), done); });
  ASSERT_TRUE(get.ok()) << get.status().ToString();
  ASSERT_EQ(get->kvs_size(), 1);
  EXPECT_EQ(get->kvs(0).value(), "bar");
  EXPECT_EQ(get->header().revision(), 2);
  server->Stop();
}

TEST(EtcdServer, RestartKeepsAppliedWritesAndDoesNotApplyThemTwice) {
  testing::TempDir dir;
  NoPeersTransport transport;
  auto config = SingleMember(dir.Sub("m"));
  {
    auto server = StartMember(config, &transport);
    ASSERT_TRUE(server);
    for (int i = 0; i < 3; ++i) {
      auto put = Await<etcdserverpb::PutResponse>([&](auto done) { server->Put(PutReq("k", std::to_string(i)), done); });
      ASSERT_TRUE(put.ok()) << put.status().ToString();
    }
    server->Stop();
  }
  auto server = StartMember(config, &transport);
  ASSERT_TRUE(server);
  auto get = Await<etcdserverpb::RangeResponse>([&](auto done) { server->Range(GetReq("k"), done); });
  ASSERT_TRUE(get.ok()) << get.status().ToString();
  ASSERT_EQ(get->kvs_size(), 1);
  EXPECT_EQ(get->kvs(0).value(), "2");
  EXPECT_EQ(get->kvs(0).version(), 3);  // replay skipped the entries already applied
  EXPECT_EQ(get->header().revision(), 4);
  server->Stop();
}

TEST(EtcdServer, CompactedRevisionGetsEtcdsError) {
  testing::TempDir dir;
  NoPeersTransport transport;
  auto server = StartMember(SingleMember(dir.Sub("m")), &transport);
  ASSERT_TRUE(server);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE((Await<etcdserverpb::PutResponse>([&](auto done) { server->Put(PutReq("a", "v"), done); })).ok());
  }
  etcdserverpb::CompactionRequest c;
  c.set_revision(3);
  ASSERT_TRUE((Await<etcdserverpb::CompactionResponse>([&](auto done) { server->Compact(c, done); })).ok());
  auto old = GetReq("a", true);
  old.set_revision(2);
  auto get = Await<etcdserverpb::RangeResponse>([&](auto done) { server->Range(old, done); });
  ASSERT_FALSE(get.ok());
  EXPECT_TRUE(errors::kCompacted.Is(get.status()));
  server->Stop();
}

}  // namespace
}  // namespace etcdpp::server
