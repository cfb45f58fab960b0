// Upload routes (Router::AddHttpUpload): large bodies reach the handler whole, in order
// and in bounded pieces over HTTP/1.1 (Content-Length and chunked) and h2c; a body cut
// short reaches it as an abort.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <string>

#include "net/grpc_client.h"
#include "net/server.h"
#include "testing/wait_until.h"

namespace etcdpp::net {
namespace {

constexpr size_t kBodyBytes = 20 << 20;
// What a handler may be handed at once: one read buffer, whatever the body's size.
constexpr size_t kPieceBound = 64 << 10;

// The byte at `offset` of every test body: not periodic in any power of two, so a piece
// delivered twice, dropped or out of order shows up as a mismatch.
char PatternByte(uint64_t offset) { return static_cast<char>((offset * 131 + offset / 65521) & 0xff); }

std::string PatternBody(size_t n) {
  std::string body(n, '\0');
  for (size_t i = 0; i < n; ++i) body[i] = PatternByte(i);
  return body;
}

// What the handlers saw, read by the test thread.
struct Seen {
  std::atomic<uint64_t> bytes{0};
  std::atomic<uint64_t> mismatches{0};
  std::atomic<size_t> max_piece{0};
  std::atomic<int> started{0};
  std::atomic<int> ended{0};
  std::atomic<int> aborted{0};
};

// Checks each byte against the pattern; answers "<bytes> <mismatches>" at the end.
class CheckingUpload : public HttpUpload {
 public:
  CheckingUpload(Seen& seen, HttpResponder responder) : seen_(seen), responder_(std::move(responder)) {}
  void OnData(std::string_view piece) override {
    if (piece.size() > seen_.max_piece.load()) seen_.max_piece = piece.size();
    uint64_t bad = 0;
    for (char c : piece) bad += c != PatternByte(offset_++) ? 1 : 0;
    seen_.mismatches += bad;
    seen_.bytes += piece.size();
  }
  void OnEnd() override {
    ++seen_.ended;
    responder_.Respond({200, {}, std::to_string(offset_) + " " + std::to_string(seen_.mismatches.load())});
  }
  void OnAbort() override { ++seen_.aborted; }

 private:
  Seen& seen_;
  HttpResponder responder_;
  uint64_t offset_ = 0;
};

struct UploadServer {
  explicit UploadServer(Seen& seen) {
    Router router;
    router.AddHttpUpload("/up", [&seen](const HttpRequest& head, HttpResponder r) -> std::unique_ptr<HttpUpload> {
      ++seen.started;
      if (head.Header("x-refuse") == "yes" || head.query == "refuse") {
        r.Respond({412, {}, "refused\n"});
        return nullptr;
      }
      return std::make_unique<CheckingUpload>(seen, std::move(r));
    });
    router.AddHttp("/small", [](const HttpRequest& req, HttpResponder r) {
      r.Respond({200, {}, std::to_string(req.body.size())});
    });
    ServerOptions options;
    options.io_threads = 1;
    options.max_http_body_bytes = 1 << 20;  // upload routes are not bound by it
    server = std::make_unique<Server>(std::move(router), options);
    auto bound = server->Listen("http://127.0.0.1:0");
    EXPECT_TRUE(bound.ok());
    port = static_cast<uint16_t>(std::stoi(bound->substr(bound->rfind(':') + 1)));
    EXPECT_TRUE(server->Start().ok());
  }
  ~UploadServer() { server->Stop(); }

  std::unique_ptr<Server> server;
  uint16_t port = 0;
};

class Conn {
 public:
  explicit Conn(uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    EXPECT_EQ(::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  }
  ~Conn() { Close(); }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  bool Send(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }
  // Reads one response with a Content-Length body; returns "<status> <body>".
  std::string ReadResponse() {
    std::string in;
    char buf[4096];
    for (;;) {
      const size_t head_end = in.find("\r\n\r\n");
      if (head_end != std::string::npos) {
        const size_t cl = in.find("Content-Length: ");
        const size_t length = cl < head_end ? std::stoul(in.substr(cl + 16)) : 0;
        if (in.size() >= head_end + 4 + length) return in.substr(9, 3) + " " + in.substr(head_end + 4, length);
      }
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return "closed: " + in;
      in.append(buf, static_cast<size_t>(n));
    }
  }

 private:
  int fd_;
};

std::string Chunked(std::string_view body) {
  std::string out;
  size_t size = 1;  // growing, odd-sized chunks so chunk edges fall anywhere
  for (size_t off = 0; off < body.size(); size = size * 3 + 7) {
    const size_t n = std::min(size % (300 << 10) + 1, body.size() - off);
    char len[32];
    std::snprintf(len, sizeof len, "%zx\r\n", n);
    out.append(len).append(body.substr(off, n)).append("\r\n");
    off += n;
  }
  return out + "0\r\n\r\n";
}

TEST(HttpUpload, Http1ContentLengthBodyArrivesWholeInOrderInBoundedPieces) {
  Seen seen;
  UploadServer s(seen);
  const std::string body = PatternBody(kBodyBytes);
  Conn c(s.port);
  ASSERT_TRUE(c.Send("POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n"));
  ASSERT_TRUE(c.Send(body));
  EXPECT_EQ(c.ReadResponse(), "200 " + std::to_string(kBodyBytes) + " 0");
  EXPECT_EQ(seen.ended.load(), 1);
  EXPECT_EQ(seen.aborted.load(), 0);
  EXPECT_GT(seen.max_piece.load(), 0u);
  EXPECT_LE(seen.max_piece.load(), kPieceBound);
  // The connection stays usable, and ordinary routes keep their body limit.
  ASSERT_TRUE(c.Send("POST /small HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"));
  EXPECT_EQ(c.ReadResponse(), "200 3");
  ASSERT_TRUE(c.Send("POST /small HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n"));
  EXPECT_EQ(c.ReadResponse().substr(0, 3), "413");
}

TEST(HttpUpload, Http1ChunkedBodyArrivesWholeInOrder) {
  Seen seen;
  UploadServer s(seen);
  Conn c(s.port);
  ASSERT_TRUE(c.Send("POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"));
  ASSERT_TRUE(c.Send(Chunked(PatternBody(kBodyBytes))));
  EXPECT_EQ(c.ReadResponse(), "200 " + std::to_string(kBodyBytes) + " 0");
  EXPECT_LE(seen.max_piece.load(), kPieceBound);
  EXPECT_EQ(seen.aborted.load(), 0);
}

TEST(HttpUpload, Http1RefusedUploadIsDrainedAndConnectionReused) {
  Seen seen;
  UploadServer s(seen);
  Conn c(s.port);
  const std::string body = PatternBody(3 << 20);
  ASSERT_TRUE(c.Send("POST /up HTTP/1.1\r\nHost: x\r\nX-Refuse: yes\r\nContent-Length: " +
                     std::to_string(body.size()) + "\r\n\r\n" + body));
  EXPECT_EQ(c.ReadResponse(), "412 refused\n");
  ASSERT_TRUE(c.Send("POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n" + body.substr(0, 5)));
  EXPECT_EQ(c.ReadResponse(), "200 5 0");
  EXPECT_EQ(seen.started.load(), 2);
}

TEST(HttpUpload, Http1ClientGoneMidBodyAbortsTheUpload) {
  Seen seen;
  UploadServer s(seen);
  const std::string body = PatternBody(4 << 20);
  {
    Conn c(s.port);
    ASSERT_TRUE(c.Send("POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(kBodyBytes) + "\r\n\r\n"));
    ASSERT_TRUE(c.Send(body));
    ASSERT_TRUE(testing::WaitUntil([&] { return seen.bytes.load() == body.size(); }));
  }
  EXPECT_TRUE(testing::WaitUntil([&] { return seen.aborted.load() == 1; }));
  EXPECT_EQ(seen.ended.load(), 0);
}

TEST(HttpUpload, Http1MalformedChunkAbortsTheUploadWith400) {
  Seen seen;
  UploadServer s(seen);
  Conn c(s.port);
  ASSERT_TRUE(c.Send("POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nzz\r\n"));
  EXPECT_EQ(c.ReadResponse().substr(0, 3), "400");
  EXPECT_TRUE(testing::WaitUntil([&] { return seen.aborted.load() == 1; }));
  EXPECT_EQ(seen.ended.load(), 0);
}

TEST(HttpUpload, H2cBodyArrivesWholeInOrderInBoundedPieces) {
  Seen seen;
  UploadServer s(seen);
  auto client = GrpcClient::Connect("127.0.0.1", s.port);
  ASSERT_TRUE(client.ok());
  auto reply = (*client)->Post("/up", PatternBody(kBodyBytes));
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(reply->status, 200);
  EXPECT_EQ(reply->body, std::to_string(kBodyBytes) + " 0");
  EXPECT_EQ(seen.ended.load(), 1);
  EXPECT_EQ(seen.aborted.load(), 0);
  EXPECT_LE(seen.max_piece.load(), kPieceBound);
  // A refused upload is answered; the rest of its body is dropped.
  auto refused = (*client)->Post("/up?refuse", PatternBody(3 << 20));
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ(refused->status, 412);
  EXPECT_EQ(refused->body, "refused\n");
}

TEST(HttpUpload, H2cStreamResetMidBodyAbortsTheUpload) {
  Seen seen;
  UploadServer s(seen);
  auto client = GrpcClient::Connect("127.0.0.1", s.port);
  ASSERT_TRUE(client.ok());
  auto reply = (*client)->Post("/up", PatternBody(kBodyBytes), {}, 5 << 20);
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_TRUE(reply->reset);
  EXPECT_TRUE(testing::WaitUntil([&] { return seen.aborted.load() == 1; }));
  EXPECT_EQ(seen.ended.load(), 0);
  // The connection carries on.
  auto next = (*client)->Post("/up", PatternBody(1000));
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->body, "1000 0");
}

TEST(HttpUpload, ServerStopAbortsAnUploadInProgress) {
  Seen seen;
  auto s = std::make_unique<UploadServer>(seen);
  Conn c(s->port);
  ASSERT_TRUE(c.Send("POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n" + PatternBody(10)));
  ASSERT_TRUE(testing::WaitUntil([&] { return seen.bytes.load() == 10; }));
  s.reset();
  EXPECT_EQ(seen.aborted.load(), 1);
  EXPECT_EQ(seen.ended.load(), 0);
}

}  // namespace
}  // namespace etcdpp::net
