// POST /raft/snapshot as etcd's Go sender makes it (chunked, the frame then the database)
// and as ours does (Content-Length, or h2c): a database larger than the peer server's
// body limit is saved whole; bodies cut short or refused leave no file; decode errors
// read as etcd's.
#include "peer/snapshot_receiver.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "net/grpc_client.h"
#include "peer/peer_test_util.h"
#include "peer/snapshot_db.h"
#include "peer/stream_codec.h"
#include "testing/wait_until.h"

namespace etcdpp::peer {
namespace {

namespace http = boost::beast::http;
namespace asio = boost::asio;
using testing_util::HttpCall;
using testing_util::PeerHeaders;
using testing_util::SetupFor;
using testing_util::TestMember;

// Above TestMember's max_http_body_bytes (64 MiB): only a streamed body gets through.
constexpr size_t kLargeDbBytes = 72 << 20;

std::string RandomBytes(size_t n, uint64_t seed) {
  std::string out(n, '\0');
  std::mt19937_64 rng(seed);
  for (size_t i = 0; i + 8 <= n; i += 8) {
    const uint64_t v = rng();
    std::memcpy(&out[i], &v, 8);
  }
  return out;
}

raftpb::Message SnapMessage(uint64_t from, uint64_t index) {
  raftpb::Message m;
  m.set_type(raftpb::MsgSnap);
  m.set_from(from);
  m.set_to(1);
  m.set_term(3);
  m.mutable_snapshot()->mutable_metadata()->set_index(index);
  m.mutable_snapshot()->mutable_metadata()->set_term(3);
  m.mutable_snapshot()->set_data("v2 store");
  return m;
}

std::string Frame(const raftpb::Message& m) {
  std::string out;
  AppendMessageFrame(m, &out);
  return out;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

size_t FileCount(const std::string& dir) {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++n;
  return n;
}

std::string RequestHead(const std::string& framing) {
  std::string head = "POST /raft/snapshot HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\n";
  for (const auto& [k, v] : PeerHeaders("2", "1")) head += k + ": " + v + "\r\n";
  return head + framing + "\r\n\r\n";
}

// Reads one answer on `socket`: "<status> <body>".
std::string ReadAnswer(asio::ip::tcp::socket& socket) {
  boost::beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(socket, buffer, res);
  return std::to_string(res.result_int()) + " " + res.body();
}

TEST(SnapshotReceiver, ChunkedDatabaseLargerThanTheBodyLimitIsSavedAndDelivered) {
  TestMember a(SetupFor(1));
  const raftpb::Message m = SnapMessage(2, 0x51);
  const std::string db = RandomBytes(kLargeDbBytes, 7);
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  socket.connect({asio::ip::make_address("127.0.0.1"), a.port()});
  asio::write(socket, asio::buffer(RequestHead("Transfer-Encoding: chunked")));
  // Chunks as a Go writer makes them, the frame in the first, cut at odd sizes.
  const std::string body = Frame(m) + db;
  for (size_t off = 0, n = 1000; off < body.size(); off += n, n = n * 2 + 1) {
    n = std::min<size_t>(n % (1 << 20) + 1, body.size() - off);
    char len[32];
    std::snprintf(len, sizeof len, "%zx\r\n", n);
    asio::write(socket, asio::buffer(std::string(len) + body.substr(off, n) + "\r\n"));
  }
  asio::write(socket, asio::buffer(std::string("0\r\n\r\n")));
  EXPECT_EQ(ReadAnswer(socket), "204 ");
  ASSERT_EQ(a.inbox().count(), 1u);
  EXPECT_EQ(a.inbox().messages()[0].SerializeAsString(), m.SerializeAsString());
  EXPECT_TRUE(ReadFile(SnapshotDbPath(a.snap_dir(), 0x51)) == db);
  EXPECT_EQ(FileCount(a.snap_dir()), 1u);  // no temporary left
}

TEST(SnapshotReceiver, ContentLengthDatabaseIsSavedAndDelivered) {
  TestMember a(SetupFor(1));
  const raftpb::Message m = SnapMessage(2, 0x52);
  const std::string db = RandomBytes(kLargeDbBytes, 8);
  const std::string body = Frame(m) + db;
  const auto answer = HttpCall(a.port(), http::verb::post, "/raft/snapshot", PeerHeaders("2", "1"), body);
  EXPECT_EQ(answer.status, 204);
  EXPECT_EQ(answer.headers["X-Etcd-Cluster-Id"], "1000");
  ASSERT_EQ(a.inbox().count(), 1u);
  EXPECT_TRUE(ReadFile(SnapshotDbPath(a.snap_dir(), 0x52)) == db);
}

TEST(SnapshotReceiver, H2cDatabaseIsSavedAndDelivered) {
  TestMember a(SetupFor(1));
  const raftpb::Message m = SnapMessage(2, 0x53);
  const std::string db = RandomBytes(8 << 20, 9);
  auto client = net::GrpcClient::Connect("127.0.0.1", a.port());
  ASSERT_TRUE(client.ok());
  std::vector<std::pair<std::string, std::string>> headers;
  for (const auto& [k, v] : PeerHeaders("2", "1")) {
    std::string name = k;
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    headers.emplace_back(name, v);
  }
  auto reply = (*client)->Post("/raft/snapshot", Frame(m) + db, headers);
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(reply->status, 204);
  ASSERT_EQ(a.inbox().count(), 1u);
  EXPECT_TRUE(ReadFile(SnapshotDbPath(a.snap_dir(), 0x53)) == db);
}

TEST(SnapshotReceiver, BodyCutShortLeavesNoFileAndDeliversNothing) {
  TestMember a(SetupFor(1));
  const std::string head = RequestHead("Content-Length: " + std::to_string(kLargeDbBytes));
  {
    asio::io_context io;
    asio::ip::tcp::socket socket(io);
    socket.connect({asio::ip::make_address("127.0.0.1"), a.port()});
    asio::write(socket, asio::buffer(head + Frame(SnapMessage(2, 0x54)) + RandomBytes(1 << 20, 1)));
    // The receiver is writing the temporary file when the sender goes away.
    ASSERT_TRUE(etcdpp::testing::WaitUntil([&] { return FileCount(a.snap_dir()) == 1; }));
  }
  EXPECT_TRUE(etcdpp::testing::WaitUntil([&] { return FileCount(a.snap_dir()) == 0; }));
  EXPECT_EQ(a.inbox().count(), 0u);
}

TEST(SnapshotReceiver, RefusalsAndDecodeErrorsAreEtcds) {
  TestMember a(SetupFor(1, 0x1000));
  auto post = [&](const std::string& body, std::string from = "2", std::string cluster = "1000") {
    const auto r = HttpCall(a.port(), http::verb::post, "/raft/snapshot", PeerHeaders(from, "1", cluster), body);
    return std::to_string(r.status) + " " + r.body;
  };
  const std::string frame = Frame(SnapMessage(2, 0x55));
  EXPECT_EQ(post(""), "400 failed to decode raft message (EOF)\n");
  EXPECT_EQ(post("abc"), "400 failed to decode raft message (unexpected EOF)\n");
  EXPECT_EQ(post(frame.substr(0, 8)), "400 failed to decode raft message (EOF)\n");
  EXPECT_EQ(post(frame.substr(0, 12)), "400 failed to decode raft message (unexpected EOF)\n");
  EXPECT_EQ(post(std::string(8, '\xff') + "x"), "400 failed to decode raft message (rafthttp: error limit exceeded)\n");
  raftpb::Message app = SnapMessage(2, 0x55);
  app.set_type(raftpb::MsgApp);
  EXPECT_EQ(post(Frame(app) + "db"), "400 wrong raft message type\n");
  EXPECT_EQ(post(frame + "db", "2", "99"), "412 cluster ID mismatch\n");
  EXPECT_EQ(HttpCall(a.port(), http::verb::get, "/raft/snapshot", PeerHeaders("2", "1")).status, 405);
  EXPECT_EQ(FileCount(a.snap_dir()), 0u);
  EXPECT_EQ(a.inbox().count(), 0u);
}

TEST(SnapshotReceiver, RemovedSenderIsRefusedBeforeItsDatabaseIsSaved) {
  testing_util::MemberSetup setup = SetupFor(1);
  setup.removed = {7};
  TestMember a(setup);
  const auto r = HttpCall(a.port(), http::verb::post, "/raft/snapshot", PeerHeaders("7", "1"),
                          Frame(SnapMessage(7, 0x56)) + RandomBytes(3 << 20, 2));
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.body, "cannot process message from removed member\n");
  EXPECT_EQ(FileCount(a.snap_dir()), 0u);
  EXPECT_EQ(a.inbox().count(), 0u);
}

}  // namespace
}  // namespace etcdpp::peer
