#include <gtest/gtest.h>

#include <set>

#include "api/v2_discovery_handler.h"
#include "api/v2_keys_handler.h"
#include "api/v2_members_handler.h"

namespace etcdpp::api {
namespace {

TEST(V2Handlers, UnescapePathDecodesPercentBytesAndKeepsPlus) {
  std::string out;
  ASSERT_TRUE(UnescapePath("/v2/keys/a%20b+c%2Fd", out));
  EXPECT_EQ(out, "/v2/keys/a b+c/d");
  EXPECT_FALSE(UnescapePath("/v2/keys/%zz", out));
  EXPECT_FALSE(UnescapePath("/v2/keys/%2", out));
  EXPECT_FALSE(UnescapePath("/v2/keys/%", out));
}

TEST(V2Handlers, HttpErrorIsEtcdsMessageObjectWithoutNewline) {
  net::HttpResponse r = V2HttpError(404, "No such member: \"x\"");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, "{\"message\":\"No such member: \\\"x\\\"\"}");
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].second, "application/json");
}

TEST(V2Handlers, DiscoveryTokensAre32FreshHexDigits) {
  std::set<std::string> seen;
  for (int i = 0; i < 20; ++i) {
    const std::string t = NewDiscoveryToken();
    ASSERT_EQ(t.size(), 32u);
    EXPECT_EQ(t.find_first_not_of("0123456789abcdef"), std::string::npos) << t;
    seen.insert(t);
  }
  EXPECT_EQ(seen.size(), 20u);
}

}  // namespace
}  // namespace etcdpp::api
