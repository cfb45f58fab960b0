// The member's v2 store as a state machine of the raft log: writes through raft, the /0
// membership tree, TTL expiry by the leader's SYNC, and recovery (snapshot + WAL replay)
// without applying anything twice.
#include <gtest/gtest.h>

#include <chrono>

#include "membership/member.h"
#include "server/etcd_server.h"
#include "server/test_member.h"
#include "testing/temp_dir.h"
#include "testing/wait_until.h"
#include "v2store/applier.h"
#include "v2store/store.h"

namespace etcdpp::server {
namespace {

using testing_member::Await;
using testing_member::SingleMember;
using testing_member::StartMember;
using V2Result = EtcdServer::V2Result;

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

etcdserverpb::Request Put(const std::string& key, const std::string& value) {
  etcdserverpb::Request r = v2store::NewV2Request("PUT", "/1/" + key);
  r.set_val(value);
  return r;
}

Result<V2Result> Do(EtcdServer& server, etcdserverpb::Request r) {
  return Await<V2Result>([&](auto done) { server.V2Propose(std::move(r), done); });
}

std::optional<std::string> Value(EtcdServer& server, const std::string& path) {
  auto got = server.v2_store().Get(path, false, false, NowNs());
  if (!got.ok()) return std::nullopt;
  return (*got)->node.value;
}

TEST(V2Server, WritesGoThroughRaftAndAnswerWithTheEvent) {
  testing::TempDir dir;
  NoPeersTransport transport;
  auto server = StartMember(SingleMember(dir.Sub("m")), &transport);
  ASSERT_TRUE(server);
  auto set = Do(*server, Put("foo", "bar"));
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  ASSERT_TRUE(set->event);
  EXPECT_EQ(set->event->action, "set");
  EXPECT_EQ(set->event->node.key, "/1/foo");
  EXPECT_EQ(Value(*server, "/1/foo"), "bar");

  etcdserverpb::Request create = Put("foo", "again");
  create.set_prevexist(false);
  auto refused = Do(*server, create);
  ASSERT_TRUE(refused.ok());
  ASSERT_TRUE(refused->error);
  EXPECT_EQ(refused->error->code, v2store::ErrorCode::kNodeExist);

  etcdserverpb::Request qget = v2store::NewV2Request("QGET", "/1/foo");
  auto read = Do(*server, qget);
  ASSERT_TRUE(read.ok() && read->event);
  EXPECT_EQ(read->event->action, "get");
  EXPECT_EQ(read->event->node.value, "bar");
  server->Stop();
}

TEST(V2Server, MembershipIsKeptUnderZeroAsEtcdWritesIt) {
  testing::TempDir dir;
  NoPeersTransport transport;
  auto config = SingleMember(dir.Sub("m"));
  auto server = StartMember(config, &transport);
  ASSERT_TRUE(server);
  ASSERT_TRUE(etcdpp::testing::WaitUntil([&] { return server->ready() && !server->cluster_version().empty(); }));
  const std::string dir_path = "/0/members/" + membership::IdToString(config.member_id);
  EXPECT_EQ(Value(*server, dir_path + "/raftAttributes"), "{\"peerURLs\":[\"http://127.0.0.1:2380\"]}");
  EXPECT_EQ(Value(*server, dir_path + "/attributes"),
            "{\"clientURLs\":[\"http://127.0.0.1:2379\"],\"name\":\"solo\"}");
  EXPECT_EQ(Value(*server, "/0/version"), "3.4.0");
  // Bootstrap add, attributes, version: three store writes, as in etcd.
  EXPECT_EQ(server->v2_store().index(), 3u);
  server->Stop();
}

TEST(V2Server, LeaderExpiresTtlKeysThroughSync) {
  testing::TempDir dir;
  NoPeersTransport transport;
  auto server = StartMember(SingleMember(dir.Sub("m")), &transport);
  ASSERT_TRUE(server);
  etcdserverpb::Request r = Put("brief", "x");
  r.set_expiration(NowNs() + 200'000'000);
  ASSERT_TRUE(Do(*server, r).ok());
  EXPECT_TRUE(server->v2_store().HasTtlKeys());
  EXPECT_TRUE(etcdpp::testing::WaitUntil([&] { return !Value(*server, "/1/brief").has_value(); },
                                         std::chrono::seconds(10)));
  EXPECT_EQ(server->v2_store().stats().expire_count, 1u);
  server->Stop();
}

// Restarts with and without raft snapshots: the store comes back from the newest
// snapshot plus the WAL after it, each entry applied once (same index, same keys).
void CheckRestartKeepsStore(uint64_t snapshot_count) {
  testing::TempDir dir;
  NoPeersTransport transport;
  auto config = SingleMember(dir.Sub("m"));
  config.snapshot_count = snapshot_count;
  uint64_t index = 0;
  {
    auto server = StartMember(config, &transport);
    ASSERT_TRUE(server);
    ASSERT_TRUE(etcdpp::testing::WaitUntil([&] { return server->ready() && !server->cluster_version().empty(); }));
    for (int i = 0; i < 25; ++i) ASSERT_TRUE(Do(*server, Put("k" + std::to_string(i), std::to_string(i))).ok());
    index = server->v2_store().index();
    server->Stop();
  }
  auto server = StartMember(config, &transport);
  ASSERT_TRUE(server);
  ASSERT_TRUE(etcdpp::testing::WaitUntil([&] { return server->v2_store().index() >= index; }));
  for (int i = 0; i < 25; ++i) EXPECT_EQ(Value(*server, "/1/k" + std::to_string(i)), std::to_string(i)) << i;
  // The restart republishes the attributes (one more write), nothing else is re-applied.
  ASSERT_TRUE(etcdpp::testing::WaitUntil([&] { return server->ready(); }));
  EXPECT_EQ(server->v2_store().index(), index + 1);
  auto more = Do(*server, Put("after", "restart"));
  ASSERT_TRUE(more.ok() && more->event);
  EXPECT_EQ(more->event->node.modified_index, index + 2);
  server->Stop();
}

TEST(V2Server, RestartReplaysTheWal) { CheckRestartKeepsStore(100000); }
TEST(V2Server, RestartRecoversFromTheSnapshotThenTheWal) { CheckRestartKeepsStore(7); }

}  // namespace
}  // namespace etcdpp::server
