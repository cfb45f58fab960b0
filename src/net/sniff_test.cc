#include "net/sniff.h"

#include <gtest/gtest.h>

#include "net/listen_url.h"

namespace etcdpp::net {
namespace {

TEST(Sniff, FullPrefaceIsHttp2) {
  EXPECT_EQ(SniffProtocol(kHttp2Preface), Protocol::kHttp2);
  EXPECT_EQ(SniffProtocol(std::string(kHttp2Preface) + "\x00\x00\x00\x04"), Protocol::kHttp2);
}

TEST(Sniff, PrefixOfPrefaceNeedsMoreBytes) {
  EXPECT_EQ(SniffProtocol(""), Protocol::kNeedMore);
  EXPECT_EQ(SniffProtocol("PRI * HTTP/2.0\r\n"), Protocol::kNeedMore);
  EXPECT_EQ(SniffProtocol(kHttp2Preface.substr(0, 23)), Protocol::kNeedMore);
}

TEST(Sniff, AnythingElseIsHttp1) {
  EXPECT_EQ(SniffProtocol("GET /version HTTP/1.1\r\n"), Protocol::kHttp1);
  EXPECT_EQ(SniffProtocol("PRI * HTTP/1.1\r\n"), Protocol::kHttp1);
  EXPECT_EQ(SniffProtocol("P"), Protocol::kNeedMore);
  EXPECT_EQ(SniffProtocol("\x16\x03\x01"), Protocol::kHttp1);
}

TEST(Sniff, TlsRecordOnlyWhenAllowed) {
  EXPECT_EQ(SniffProtocol("\x16\x03\x01", /*allow_tls=*/true), Protocol::kTls);
  EXPECT_EQ(SniffProtocol("GET / HTTP/1.1", /*allow_tls=*/true), Protocol::kHttp1);
}

TEST(ListenUrl, ParsesTcpSchemes) {
  auto u = ParseListenUrl("http://127.0.0.1:2379");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, 2379);
  EXPECT_FALSE(u->secure);
  EXPECT_EQ(u->Address(), "127.0.0.1:2379");
  auto s = ParseListenUrl("https://[::1]:2379/");
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->secure);
  EXPECT_EQ(s->host, "::1");
  EXPECT_EQ(s->Address(), "[::1]:2379");
}

TEST(ListenUrl, UnixPathIsHostPlusPath) {
  auto u = ParseListenUrl("unixs://localhost:2379");
  ASSERT_TRUE(u.ok());
  EXPECT_TRUE(u->is_unix);
  EXPECT_TRUE(u->secure);
  EXPECT_EQ(u->path, "localhost:2379");
  EXPECT_EQ(ParseListenUrl("unix:///tmp/x.sock")->path, "/tmp/x.sock");
}

TEST(ListenUrl, RejectsBadUrls) {
  EXPECT_FALSE(ParseListenUrl("ftp://a:1").ok());
  EXPECT_FALSE(ParseListenUrl("127.0.0.1:2379").ok());
  EXPECT_FALSE(ParseListenUrl("http://127.0.0.1").ok());
  EXPECT_FALSE(ParseListenUrl("http://127.0.0.1:99999").ok());
  EXPECT_FALSE(ParseListenUrl("http://127.0.0.1:2379/path").ok());
}

}  // namespace
}  // namespace etcdpp::net
