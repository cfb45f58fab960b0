#include "base/url.h"

#include <gtest/gtest.h>

namespace etcdpp {
namespace {

TEST(Url, ParsesSchemeHostPort) {
  Result<Url> u = Url::Parse("HTTP://127.0.0.1:2379");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->scheme, "http");
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, "2379");
  EXPECT_EQ(u->path, "");
  EXPECT_EQ(u->String(), "http://127.0.0.1:2379");
}

TEST(Url, Ipv6HostLosesBracketsButStringKeepsThem) {
  Result<Url> u = Url::Parse("https://[::1]:2380");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->port, "2380");
  EXPECT_EQ(u->String(), "https://[::1]:2380");
}

TEST(Url, GoParseErrors) {
  EXPECT_EQ(Url::Parse("http://[::1").status().message(), "parse \"http://[::1\": missing ']' in host");
  EXPECT_EQ(Url::Parse("http://1.2.3.4:ab").status().message(),
            "parse \"http://1.2.3.4:ab\": invalid port \":ab\" after host");
  EXPECT_EQ(Url::Parse("127.0.0.1:2379").status().message(),
            "parse \"127.0.0.1:2379\": first path segment in URL cannot contain colon");
  EXPECT_EQ(Url::Parse(":x").status().message(), "parse \":x\": missing protocol scheme");
  EXPECT_EQ(Url::Parse("http://a b:1").status().message(), "parse \"http://a b:1\": invalid character \" \" in host name");
}

TEST(Url, OpaqueFormForSchemeLikeHost) {
  Result<Url> u = Url::Parse("localhost:2379");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->scheme, "localhost");
  EXPECT_EQ(u->opaque, "2379");
  EXPECT_EQ(u->String(), "localhost:2379");
}

TEST(SplitHostPort, GoMessages) {
  EXPECT_EQ(SplitHostPort("a:1")->first, "a");
  EXPECT_EQ(SplitHostPort("[::1]:1")->first, "::1");
  EXPECT_EQ(SplitHostPort("a:")->second, "");
  EXPECT_EQ(SplitHostPort("a").status().message(), "address a: missing port in address");
  EXPECT_EQ(SplitHostPort("a:b:c").status().message(), "address a:b:c: too many colons in address");
}

TEST(UrlList, EtcdRulesAndSorting) {
  Result<std::vector<Url>> urls = ParseUrlList(std::string_view("http://b:2, http://a:1"));
  ASSERT_TRUE(urls.ok());
  EXPECT_EQ(JoinUrls(*urls), "http://a:1,http://b:2");
  EXPECT_EQ(ParseUrlList(std::string_view("ftp://a:1")).status().message(),
            "URL scheme must be http, https, unix, or unixs: ftp://a:1");
  EXPECT_EQ(ParseUrlList(std::string_view("http://foo")).status().message(),
            "URL address does not have the form \"host:port\": http://foo");
  EXPECT_EQ(ParseUrlList(std::string_view("http://a:1/x")).status().message(), "URL must not contain a path: http://a:1/x");
  EXPECT_EQ(ParseUrlList(std::string_view("")).status().message(), "URL scheme must be http, https, unix, or unixs: ");
  EXPECT_TRUE(ParseUrlList(std::string_view("unix://localhost:1234")).ok());
}

}  // namespace
}  // namespace etcdpp
