#include "net/server.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <optional>
#include <thread>

#include "net/grpc_client.h"
#include "testing/wait_until.h"

namespace etcdpp::net {
namespace {

struct Fixture {
  std::unique_ptr<Server> server;
  uint16_t port = 0;
};

Fixture StartServer(Router router, ServerOptions options = {}) {
  options.io_threads = 2;
  Fixture f;
  f.server = std::make_unique<Server>(std::move(router), options);
  auto bound = f.server->Listen("http://127.0.0.1:0");
  EXPECT_TRUE(bound.ok());
  f.port = static_cast<uint16_t>(std::stoi(bound->substr(bound->rfind(':') + 1)));
  EXPECT_TRUE(f.server->Start().ok());
  return f;
}

std::unique_ptr<GrpcClient> Connect(const Fixture& f) {
  auto c = GrpcClient::Connect("127.0.0.1", f.port);
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return c.ok() ? std::move(c).value() : nullptr;
}

std::string HttpGet(uint16_t port, const std::string& request) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  EXPECT_EQ(::send(fd, request.data(), request.size(), 0), static_cast<ssize_t>(request.size()));
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) out.append(buf, static_cast<size_t>(n));
  ::close(fd);
  return out;
}

TEST(Server, UnaryCallAnsweredFromAnotherThread) {
  Router router;
  std::vector<std::thread> workers;
  std::mutex mu;
  router.AddUnary("/t.S/Later", [&](const CallContext& ctx, std::string req, UnaryResponder r) {
    std::lock_guard lock(mu);
    workers.emplace_back([r, req, token = std::string(ctx.Metadata("token"))] {
      r.Finish(GrpcStatus::Ok(), req + "/" + token);
    });
  });
  Fixture f = StartServer(std::move(router));
  auto c = Connect(f);
  auto reply = c->Call("/t.S/Later", {"ping"}, {{"token", "tk"}});
  ASSERT_TRUE(reply.ok());
  EXPECT_TRUE(reply->status.ok());
  EXPECT_EQ(reply->messages, std::vector<std::string>{"ping/tk"});
  f.server->Stop();
  for (auto& t : workers) t.join();
}

TEST(Server, ErrorStatusIsSentAsTrailersOnlyWithEncodedMessage) {
  Router router;
  router.AddUnary("/t.S/Fail", [](const CallContext&, std::string, UnaryResponder r) {
    r.Finish({GrpcCode::kNotFound, "etcdserver: 100% gone\n"});
  });
  Fixture f = StartServer(std::move(router));
  auto reply = Connect(f)->Call("/t.S/Fail", {""});
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply->status.code, GrpcCode::kNotFound);
  EXPECT_EQ(reply->status.message, "etcdserver: 100% gone\n");
  EXPECT_TRUE(reply->messages.empty());
  bool encoded = false;
  for (auto& [k, v] : reply->headers) encoded |= k == "grpc-message" && v == "etcdserver: 100%25 gone%0A";
  EXPECT_TRUE(encoded);
}

TEST(Server, BidiStreamEchoesEveryMessageThenFinishes) {
  Router router;
  router.AddStream("/t.S/Bidi", [](ServerStream s) {
    s.OnMessage([s](std::string m) { s.Write("echo:" + m); });
    s.OnHalfClose([s] { s.Finish(GrpcStatus::Ok()); });
  });
  Fixture f = StartServer(std::move(router));
  auto reply = Connect(f)->Call("/t.S/Bidi", {"a", "b", "c"});
  ASSERT_TRUE(reply.ok());
  EXPECT_TRUE(reply->status.ok());
  EXPECT_EQ(reply->messages, (std::vector<std::string>{"echo:a", "echo:b", "echo:c"}));
}

TEST(Server, DeadlineEndsCallAndTellsHandler) {
  Router router;
  std::atomic<int> cancelled{0};
  router.AddStream("/t.S/Hang", [&](ServerStream s) { s.OnDone([&](bool c) { cancelled += c ? 1 : 0; }); });
  Fixture f = StartServer(std::move(router));
  auto reply = Connect(f)->Call("/t.S/Hang", {"x"}, {}, std::chrono::milliseconds(50));
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply->status.code, GrpcCode::kDeadlineExceeded);
  EXPECT_TRUE(testing::WaitUntil([&] { return cancelled.load() == 1; }));
}

TEST(Server, UnaryHandlerHearsOfDeadlineThroughOnCancel) {
  Router router;
  std::atomic<int> cancelled{0};
  std::optional<UnaryResponder> kept;
  router.AddUnary("/t.S/Slow", [&](const CallContext& ctx, std::string, UnaryResponder r) {
    EXPECT_TRUE(ctx.deadline.has_value());
    r.OnCancel([&] { ++cancelled; });
    kept = r;  // never finished by the handler
  });
  Fixture f = StartServer(std::move(router));
  auto reply = Connect(f)->Call("/t.S/Slow", {"x"}, {}, std::chrono::milliseconds(30));
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply->status.code, GrpcCode::kDeadlineExceeded);
  EXPECT_TRUE(testing::WaitUntil([&] { return cancelled.load() == 1; }));
  f.server->Stop();
  EXPECT_TRUE(kept->cancelled());
  EXPECT_FALSE(kept->Finish(GrpcStatus::Ok(), "late"));
}

TEST(Server, ConnectionLossCancelsOpenCalls) {
  Router router;
  std::atomic<int> started{0}, cancelled{0};
  router.AddStream("/t.S/Hang", [&](ServerStream s) {
    ++started;
    s.OnDone([&](bool c) { cancelled += c ? 1 : 0; });
  });
  Fixture f = StartServer(std::move(router));
  {
    auto c = Connect(f);
    std::thread t([&] { (void)c->Call("/t.S/Hang", {"x"}); });
    ASSERT_TRUE(testing::WaitUntil([&] { return started.load() == 1; }));
    f.server->Stop();
    t.join();
  }
  EXPECT_EQ(cancelled.load(), 1);
}

TEST(Server, OversizedMessageIsResourceExhaustedAndConnectionStaysUsable) {
  Router router;
  router.AddUnary("/t.S/Echo", [](const CallContext&, std::string req, UnaryResponder r) {
    r.Finish(GrpcStatus::Ok(), std::move(req));
  });
  ServerOptions options;
  options.max_recv_message_bytes = 1024;
  Fixture f = StartServer(std::move(router), options);
  auto c = Connect(f);
  auto reply = c->CallRaw("/t.S/Echo", std::string("\x00\x06\x40\x00\x00", 5) + std::string(100, 'x'));
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply->status.code, GrpcCode::kResourceExhausted);
  EXPECT_EQ(reply->status.message, "grpc: received message larger than max (104857600 vs. 1024)");
  auto ok = c->Call("/t.S/Echo", {"fine"});
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->messages, std::vector<std::string>{"fine"});
}

TEST(Server, LargeServerStreamArrivesWhole) {
  Router router;
  router.AddStream("/t.S/Many", [](ServerStream s) {
    s.OnHalfClose([s] {
      for (int i = 0; i < 64; ++i) s.Write(std::string(64 * 1024, static_cast<char>('a' + i % 26)));
      s.Finish(GrpcStatus::Ok());
    });
  });
  Fixture f = StartServer(std::move(router));
  auto reply = Connect(f)->Call("/t.S/Many", {});
  ASSERT_TRUE(reply.ok());
  ASSERT_EQ(reply->messages.size(), 64u);
  EXPECT_EQ(reply->messages[63], std::string(64 * 1024, 'a' + 63 % 26));
}

TEST(Server, Http1AndHttp2ShareThePort) {
  Router router;
  router.AddHttp("/hello", [](const HttpRequest& req, HttpResponder r) {
    r.Respond({200, {{"Content-Type", "text/plain"}}, "hi " + req.method});
  });
  router.AddUnary("/t.S/Echo", [](const CallContext&, std::string req, UnaryResponder r) {
    r.Finish(GrpcStatus::Ok(), std::move(req));
  });
  Fixture f = StartServer(std::move(router));
  const std::string http = HttpGet(f.port, "GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(http.substr(0, 15), "HTTP/1.1 200 OK");
  EXPECT_NE(http.find("Content-Type: text/plain\r\n"), std::string::npos);
  EXPECT_NE(http.find("Content-Length: 6\r\n"), std::string::npos);
  EXPECT_EQ(http.substr(http.size() - 6), "hi GET");
  EXPECT_EQ(HttpGet(f.port, "garbage\r\n\r\n").substr(0, 24), "HTTP/1.1 400 Bad Request");
  auto reply = Connect(f)->Call("/t.S/Echo", {"x"});
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply->messages, std::vector<std::string>{"x"});
}

TEST(Server, ListenAcceptsLocalhostAndRefusesOtherHostnames) {
  Server server(Router{}, ServerOptions{});
  auto bound = server.Listen("http://localhost:0");
  ASSERT_TRUE(bound.ok()) << bound.status().ToString();
  EXPECT_EQ(bound->rfind("localhost:", 0), 0u);
  auto named = server.Listen("http://example.com:2379");
  ASSERT_FALSE(named.ok());
  EXPECT_EQ(named.status().message(), "expected IP in URL for binding (http://example.com:2379)");
}

}  // namespace
}  // namespace etcdpp::net
