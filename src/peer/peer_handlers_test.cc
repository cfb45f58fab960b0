#include "peer/peer_handlers.h"

#include <regex>

#include <gtest/gtest.h>

#include "peer/peer_test_util.h"
#include "peer/stream_codec.h"
#include "testing/wait_until.h"

namespace etcdpp::peer {
namespace {

namespace http = boost::beast::http;
using testing_util::HttpCall;
using testing_util::MemberSetup;
using testing_util::PeerHeaders;
using testing_util::TestMember;

MemberSetup WithMembers() {
  membership::Member m1;
  m1.id = 1;
  m1.name = "m1";
  m1.peer_urls = {"http://127.0.0.1:2380"};
  m1.client_urls = {"http://127.0.0.1:2379"};
  membership::Member m2;
  m2.id = 13668033151171901709ull;
  m2.peer_urls = {"http://127.0.0.2:2380"};
  m2.is_learner = true;
  MemberSetup setup = testing_util::SetupFor(1);
  setup.removed = {7};
  setup.members = {m1, m2};
  return setup;
}

TEST(PeerHandlers, MembersAnswersEtcdJsonWithClusterId) {
  TestMember a(WithMembers());
  const auto r = HttpCall(a.port(), http::verb::get, "/members");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["Content-Type"], "application/json");
  EXPECT_EQ(r.headers["X-Etcd-Cluster-Id"], "1000");
  EXPECT_EQ(r.body,
            "[{\"id\":1,\"peerURLs\":[\"http://127.0.0.1:2380\"],\"name\":\"m1\",\"clientURLs\":[\"http://127.0.0.1:2379\"]},"
            "{\"id\":13668033151171901709,\"peerURLs\":[\"http://127.0.0.2:2380\"],\"isLearner\":true}]\n");
  EXPECT_EQ(HttpCall(a.port(), http::verb::post, "/members").status, 405);
}

TEST(PeerHandlers, ProbingAndVersionAnswerEtcdJson) {
  TestMember a(WithMembers());
  const auto probe = HttpCall(a.port(), http::verb::get, "/raft/probing");
  EXPECT_EQ(probe.status, 200);
  EXPECT_TRUE(std::regex_match(probe.body,
                               std::regex(R"(\{"OK":true,"Now":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z"\}\n)")))
      << probe.body;
  const auto version = HttpCall(a.port(), http::verb::get, "/version");
  EXPECT_EQ(version.status, 200);
  EXPECT_EQ(version.body, R"({"etcdserver":"3.4.23","etcdcluster":"3.4.0"})");
}

TEST(PeerHandlers, StreamRequestsAreCheckedLikeEtcd) {
  TestMember a(WithMembers());
  a.transport().AddPeer(2, {"http://127.0.0.1:1"});
  struct Case {
    std::string target;
    std::vector<std::pair<std::string, std::string>> headers;
    int status;
    std::string body;
  };
  const std::vector<Case> cases = {
      {"/raft/stream/message/5", PeerHeaders("5", "1"), 404, "error sender not found\n"},
      {"/raft/stream/message/7", PeerHeaders("7", "1"), 410, "removed member\n"},
      {"/raft/stream/message/zz", PeerHeaders("2", "1"), 404, "invalid from\n"},
      {"/raft/stream/other/2", PeerHeaders("2", "1"), 404, "invalid path\n"},
      {"/raft/stream/message/2", PeerHeaders("2", "3"), 412, "to field mismatch\n"},
      {"/raft/stream/message/2", PeerHeaders("2", "1", "abc"), 412, "cluster ID mismatch\n"},
      {"/raft/stream/message/2", {{"X-Etcd-Cluster-ID", "1000"}}, 412, "incompatible version\n"},
  };
  for (const Case& c : cases) {
    const auto r = HttpCall(a.port(), http::verb::get, c.target, c.headers);
    EXPECT_EQ(r.status, c.status) << c.target;
    EXPECT_EQ(r.body, c.body) << c.target;
    EXPECT_EQ(r.headers["X-Server-Version"], "3.4.23") << c.target;
  }
  EXPECT_EQ(HttpCall(a.port(), http::verb::post, "/raft/stream/message/2", PeerHeaders("2", "1")).status, 405);
  EXPECT_FALSE(a.transport().StreamAttached(2, StreamKind::kMessage));
}

TEST(PeerHandlers, PipelinePostIsDeliveredOrRefused) {
  TestMember a(WithMembers());
  raftpb::Message m;
  m.set_type(raftpb::MsgVote);
  m.set_from(2);
  m.set_to(1);
  m.set_term(4);
  auto headers = PeerHeaders("2", "1");
  headers.emplace_back("Content-Type", "application/protobuf");
  const auto ok = HttpCall(a.port(), http::verb::post, "/raft", headers, m.SerializeAsString());
  EXPECT_EQ(ok.status, 204);
  ASSERT_TRUE(etcdpp::testing::WaitUntil([&] { return a.inbox().count() == 1; }));
  EXPECT_EQ(a.inbox().messages()[0].SerializeAsString(), m.SerializeAsString());

  const auto mismatch = HttpCall(a.port(), http::verb::post, "/raft", PeerHeaders("2", "1", "99"), m.SerializeAsString());
  EXPECT_EQ(mismatch.status, 412);
  EXPECT_EQ(mismatch.body, "cluster ID mismatch\n");
  m.set_from(7);
  const auto removed = HttpCall(a.port(), http::verb::post, "/raft", headers, m.SerializeAsString());
  EXPECT_EQ(removed.status, 403);
  EXPECT_EQ(removed.body, "cannot process message from removed member\n");
  EXPECT_EQ(HttpCall(a.port(), http::verb::post, "/raft", headers, "\xff\xff\xff").status, 400);
  EXPECT_EQ(HttpCall(a.port(), http::verb::get, "/raft", headers).status, 405);
  EXPECT_EQ(a.inbox().count(), 1u);
}

TEST(PeerHandlers, SnapshotPostOfWrongTypeIsRefused) {
  TestMember a(WithMembers());
  std::string body;
  raftpb::Message m;
  m.set_type(raftpb::MsgApp);
  m.set_from(2);
  AppendMessageFrame(m, &body);
  const auto r = HttpCall(a.port(), http::verb::post, "/raft/snapshot", PeerHeaders("2", "1"), body);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, "wrong raft message type\n");
  EXPECT_EQ(HttpCall(a.port(), http::verb::post, "/raft/snapshot", PeerHeaders("2", "1"), "abc").status, 400);
}

TEST(PeerHandlers, AcceptedStreamCarriesFramesAndHeartbeats) {
  TestMember a(WithMembers());
  a.transport().AddPeer(2, {"http://127.0.0.1:1"});
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket socket(io);
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), a.port()});
  http::request<http::empty_body> req(http::verb::get, "/raft/stream/message/2", 11);
  for (const auto& [k, v] : PeerHeaders("2", "1")) req.set(k, v);
  http::write(socket, req);
  boost::beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(boost::none);
  http::read_header(socket, buffer, parser);
  ASSERT_EQ(parser.get().result_int(), 200u);
  ASSERT_TRUE(etcdpp::testing::WaitUntil([&] { return a.transport().StreamAttached(2, StreamKind::kMessage); }));
  raftpb::Message m;
  m.set_type(raftpb::MsgHeartbeat);
  m.set_from(1);
  m.set_to(2);
  m.set_commit(12);
  a.transport().Send({m});
  // Read chunks until the message frame shows up (link heartbeats may come first).
  MessageStreamDecoder decoder;
  std::optional<raftpb::Message> got;
  for (int i = 0; i < 20 && !got; ++i) {
    http::read_some(socket, buffer, parser);
    decoder.Feed(parser.get().body());
    parser.get().body().clear();
    for (;;) {
      auto next = decoder.Next();
      ASSERT_TRUE(next.ok());
      if (!next->has_value()) break;
      if (!IsLinkHeartbeat(**next)) got = **next;
    }
  }
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->SerializeAsString(), m.SerializeAsString());
}

}  // namespace
}  // namespace etcdpp::peer
