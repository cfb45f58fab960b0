#include "peer/http_connection.h"

#include <algorithm>
#include <cstring>
#include <deque>

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>

namespace etcdpp::peer {
namespace {
namespace asio = boost::asio;

// Hands out scripted reads, then fails every further read (as a dead socket would).
class ScriptedStream final : public PeerStream {
 public:
  explicit ScriptedStream(std::deque<std::string> reads) : reads_(std::move(reads)) {}
  void ExpiresAfter(std::chrono::milliseconds) override {}
  asio::awaitable<size_t> ReadSome(asio::mutable_buffer buffer, boost::system::error_code& ec) override {
    if (reads_.empty()) {
      ec = asio::error::connection_reset;
      co_return 0;
    }
    std::string& next = reads_.front();
    const size_t n = std::min(next.size(), buffer.size());
    std::memcpy(buffer.data(), next.data(), n);
    next.erase(0, n);
    if (next.empty()) reads_.pop_front();
    co_return n;
  }
  asio::awaitable<void> Write(asio::const_buffer, boost::system::error_code&) override { co_return; }
  void Close() override {}

 private:
  std::deque<std::string> reads_;
};

template <typename Fn>
void RunCoroutine(Fn fn) {
  asio::io_context io;
  asio::co_spawn(io, fn(), asio::detached);
  io.run();
}

TEST(HttpConnection, ChunkBytesAlreadyReadAreHandedOutWithoutWaitingForMore) {
  // The head and two whole chunks arrive in one read; nothing follows. A reader that
  // waited for the next chunk header before handing out the body would stall here.
  HttpConnection conn(std::make_unique<ScriptedStream>(std::deque<std::string>{
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Server-Version: 3.4.23\r\n\r\n5\r\nhello\r\n6\r\n world\r\n"}));
  std::string body;
  Status end;
  RunCoroutine([&]() -> asio::awaitable<void> {
    Status s = co_await conn.ReadHead(std::chrono::seconds(1));
    EXPECT_TRUE(s.ok()) << s.ToString();
    for (int i = 0; i < 10 && body.size() < 11; ++i) {
      Result<bool> more = co_await conn.ReadBody(&body, std::chrono::seconds(1));
      if (!more.ok()) {
        end = more.status();
        break;
      }
    }
  });
  EXPECT_EQ(conn.status(), 200);
  EXPECT_EQ(conn.Header("x-server-version"), "3.4.23");
  EXPECT_EQ(body, "hello world");
  EXPECT_TRUE(end.ok()) << end.ToString();
}

TEST(HttpConnection, WholeBodyOfAnErrorAnswerIsRead) {
  HttpConnection conn(std::make_unique<ScriptedStream>(std::deque<std::string>{
      "HTTP/1.1 412 Precondition Failed\r\nContent-Length: 20\r\n\r\ncluster ID", " mismatch\n"}));
  Result<std::string> body = Internal("not run");
  RunCoroutine([&]() -> asio::awaitable<void> {
    Status s = co_await conn.ReadHead(std::chrono::seconds(1));
    EXPECT_TRUE(s.ok());
    body = co_await conn.ReadWholeBody(4096, std::chrono::seconds(1));
  });
  EXPECT_EQ(conn.status(), 412);
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  EXPECT_EQ(*body, "cluster ID mismatch\n");
  EXPECT_TRUE(conn.reusable());
}

}  // namespace
}  // namespace etcdpp::peer
