#include "peer/raft_http_transport.h"

#include <fstream>
#include <random>

#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>

#include "peer/peer_test_util.h"
#include "peer/snapshot_db.h"
#include "testing/temp_dir.h"
#include "testing/wait_until.h"

namespace etcdpp::peer {
namespace {

using testing_util::MemberSetup;
using testing_util::SetupFor;
using testing_util::TestMember;
using etcdpp::testing::WaitUntil;

constexpr auto kWait = std::chrono::seconds(15);

void Connect(TestMember& a, TestMember& b) {
  a.Peer(b);
  b.Peer(a);
}

bool StreamsUp(TestMember& a, TestMember& b) {
  return a.transport().StreamAttached(b.id(), StreamKind::kMessage) &&
         b.transport().StreamAttached(a.id(), StreamKind::kMessage);
}

TEST(RaftHttpTransport, TwoMembersExchangeMessagesOverStreams) {
  TestMember a(SetupFor(1));
  TestMember b(SetupFor(2));
  Connect(a, b);
  ASSERT_TRUE(WaitUntil([&] { return StreamsUp(a, b); }, kWait));

  raftpb::Message app = a.Message(2, 7, raftpb::MsgApp);
  raftpb::Entry* e = app.add_entries();
  e->set_term(3);
  e->set_index(8);
  e->set_data("payload");
  a.transport().Send({app, a.Message(2, 9)});
  b.transport().Send({b.Message(1, 11, raftpb::MsgAppResp)});

  ASSERT_TRUE(WaitUntil([&] { return b.inbox().count() == 2 && a.inbox().count() == 1; }, kWait));
  const auto got = b.inbox().messages();
  EXPECT_EQ(got[0].SerializeAsString(), app.SerializeAsString());  // in order, intact
  EXPECT_EQ(got[1].index(), 9u);
  EXPECT_EQ(a.inbox().messages()[0].type(), raftpb::MsgAppResp);
  EXPECT_EQ(a.inbox().unreachable_count(2), 0u);
}

TEST(RaftHttpTransport, ThreeMembersReachEachOther) {
  TestMember a(SetupFor(1));
  TestMember b(SetupFor(2));
  TestMember c(SetupFor(3));
  Connect(a, b);
  Connect(b, c);
  Connect(a, c);
  std::vector<TestMember*> all = {&a, &b, &c};
  uint64_t index = 100;
  for (TestMember* from : all) {
    for (TestMember* to : all) {
      if (from != to) from->transport().Send({from->Message(to->id(), index++)});
    }
  }
  // Whether a message went by stream or (before the stream was up) by pipeline, each
  // arrives once.
  ASSERT_TRUE(WaitUntil([&] { return a.inbox().count() == 2 && b.inbox().count() == 2 && c.inbox().count() == 2; },
                        kWait));
  EXPECT_TRUE(a.inbox().Has(2, 102));
  EXPECT_TRUE(a.inbox().Has(3, 104));
  EXPECT_TRUE(c.inbox().Has(1, 101));
  EXPECT_TRUE(c.inbox().Has(2, 103));
}

TEST(RaftHttpTransport, PipelineDeliversWhenNoStreamIsUp) {
  TestMember a(SetupFor(1));
  MemberSetup no_streams = SetupFor(2);
  no_streams.dial_streams = false;  // b never dials a's stream
  TestMember b(no_streams);
  Connect(a, b);
  ASSERT_TRUE(WaitUntil([&] { return b.transport().StreamAttached(1, StreamKind::kMessage); }, kWait));
  EXPECT_FALSE(a.transport().StreamAttached(2, StreamKind::kMessage));
  raftpb::Message app = a.Message(2, 5, raftpb::MsgApp);
  app.add_entries()->set_data(std::string(100000, 'x'));
  for (uint64_t i = 0; i < 20; ++i) a.transport().Send({a.Message(2, 10 + i)});
  a.transport().Send({app});
  ASSERT_TRUE(WaitUntil([&] { return b.inbox().count() == 21; }, kWait));
  for (uint64_t i = 0; i < 20; ++i) EXPECT_TRUE(b.inbox().Has(1, 10 + i)) << i;
  EXPECT_TRUE(b.inbox().Has(1, 5));
  EXPECT_FALSE(a.transport().StreamAttached(2, StreamKind::kMessage));
  EXPECT_EQ(a.inbox().unreachable_count(2), 0u);
}

TEST(RaftHttpTransport, DifferentClusterIsRefusedAndNotDelivered) {
  TestMember a(SetupFor(1, 0x1000));
  TestMember c(SetupFor(2, 0x2000));
  Connect(a, c);
  // c's messages to a go by pipeline (a refuses c's stream) and are refused too.
  c.transport().Send({c.Message(1, 1)});
  ASSERT_TRUE(WaitUntil([&] { return c.inbox().unreachable_count(1) > 0; }, kWait));
  const auto answer = testing_util::HttpCall(a.port(), boost::beast::http::verb::get, "/raft/stream/message/2",
                                             testing_util::PeerHeaders("2", "1", "2000"));
  EXPECT_EQ(answer.status, 412);
  EXPECT_EQ(answer.body, "cluster ID mismatch\n");
  EXPECT_EQ(answer.headers["X-Etcd-Cluster-ID"], "1000");
  EXPECT_FALSE(a.transport().StreamAttached(2, StreamKind::kMessage));
  EXPECT_FALSE(c.transport().StreamAttached(1, StreamKind::kMessage));
  EXPECT_EQ(a.inbox().count(), 0u);
  EXPECT_EQ(c.inbox().count(), 0u);
}

uint16_t UnusedPort() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return acceptor.local_endpoint().port();  // closed again when the acceptor goes
}

TEST(RaftHttpTransport, DeadPeerNeverBlocksSendAndIsReportedUnreachable) {
  TestMember a(SetupFor(1));
  a.transport().AddPeer(9, {"http://127.0.0.1:" + std::to_string(UnusedPort())});
  // Far more than the pipeline queue holds: the excess is dropped, not waited for.
  // Every message is reported once: dropped at once, or when its post fails.
  for (uint64_t i = 0; i < 5000; ++i) a.transport().Send({a.Message(9, i)});
  ASSERT_TRUE(WaitUntil([&] { return a.inbox().unreachable_count(9) >= 5000; }, kWait));
}

TEST(RaftHttpTransport, ReconnectsAfterPeerRestarts) {
  TestMember a(SetupFor(1));
  auto b = std::make_unique<TestMember>(SetupFor(2));
  const std::string b_listen = b->url();
  Connect(a, *b);
  ASSERT_TRUE(WaitUntil([&] { return StreamsUp(a, *b); }, kWait));
  b.reset();
  // a notices the lost stream it was reading.
  ASSERT_TRUE(WaitUntil([&] { return a.inbox().unreachable_count(2) > 0; }, kWait));

  MemberSetup again = SetupFor(2);
  again.listen = b_listen;
  b = std::make_unique<TestMember>(again);
  b->Peer(a);
  ASSERT_TRUE(WaitUntil([&] { return StreamsUp(a, *b); }, kWait));
  uint64_t index = 0;
  ASSERT_TRUE(WaitUntil(
      [&] {
        a.transport().Send({a.Message(2, ++index)});
        return b->inbox().count() > 0;
      },
      kWait, std::chrono::milliseconds(50)));
  b->transport().Send({b->Message(1, 77)});
  ASSERT_TRUE(WaitUntil([&] { return a.inbox().Has(2, 77); }, kWait));
}

TEST(RaftHttpTransport, SnapshotWithLargeDatabaseArrivesIntact) {
  TestMember a(SetupFor(1));
  TestMember b(SetupFor(2));
  Connect(a, b);
  etcdpp::testing::TempDir dir;
  const std::string db_path = dir.Sub("db");
  std::string db(6 << 20, '\0');
  std::mt19937_64 rng(42);
  for (char& c : db) c = static_cast<char>(rng());
  std::ofstream(db_path, std::ios::binary).write(db.data(), static_cast<std::streamsize>(db.size()));

  raftpb::Message snap = a.Message(2, 0, raftpb::MsgSnap);
  snap.mutable_snapshot()->mutable_metadata()->set_index(0x42);
  snap.mutable_snapshot()->mutable_metadata()->set_term(3);
  snap.mutable_snapshot()->set_data("v2 store");
  std::mutex mu;
  std::optional<Status> outcome;
  a.transport().SendSnapshot(snap, db_path, [&](Status s) {
    std::lock_guard lock(mu);
    outcome = std::move(s);
  });
  ASSERT_TRUE(WaitUntil(
      [&] {
        std::lock_guard lock(mu);
        return outcome.has_value();
      },
      kWait));
  ASSERT_TRUE(outcome->ok()) << outcome->ToString();
  ASSERT_TRUE(WaitUntil([&] { return b.inbox().count() == 1; }, kWait));
  EXPECT_EQ(b.inbox().messages()[0].SerializeAsString(), snap.SerializeAsString());
  const std::string saved_path = SnapshotDbPath(b.snap_dir(), 0x42);
  EXPECT_EQ(saved_path, b.snap_dir() + "/0000000000000042.snap.db");
  std::ifstream in(saved_path, std::ios::binary);
  const std::string saved((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_TRUE(saved == db) << "saved " << saved.size() << " bytes of " << db.size();
}

TEST(RaftHttpTransport, SnapshotToUnknownPeerFails) {
  TestMember a(SetupFor(1));
  std::mutex mu;
  std::optional<Status> outcome;
  a.transport().SendSnapshot(a.Message(5, 0, raftpb::MsgSnap), "/nonexistent", [&](Status s) {
    std::lock_guard lock(mu);
    outcome = std::move(s);
  });
  ASSERT_TRUE(WaitUntil(
      [&] {
        std::lock_guard lock(mu);
        return outcome.has_value();
      },
      kWait));
  EXPECT_FALSE(outcome->ok());
}

}  // namespace
}  // namespace etcdpp::peer
