#include "v2store/go_text.h"

#include <gtest/gtest.h>

namespace etcdpp::v2store {
namespace {

std::string JsonString(std::string_view s) {
  std::string out;
  AppendJsonString(out, s);
  return out;
}

TEST(GoText, JsonStringEscapesLikeEncodingJson) {
  EXPECT_EQ(JsonString("plain"), R"("plain")");
  EXPECT_EQ(JsonString("<a&b>"), R"("\u003ca\u0026b\u003e")");
  EXPECT_EQ(JsonString(std::string("\x00\x1f\x7f", 3)), "\"\\u0000\\u001f\x7f\"");
  EXPECT_EQ(JsonString("\b\f\r"), R"("\u0008\u000c\r")");
  EXPECT_EQ(JsonString("\xe2\x80\xa8\xe2\x80\xa9"), R"("\u2028\u2029")");
  EXPECT_EQ(JsonString("\xc3\xa9\xf0\x9f\x98\x80"), "\"\xc3\xa9\xf0\x9f\x98\x80\"");
  // Each byte of an invalid sequence becomes one replacement character.
  EXPECT_EQ(JsonString("\xff"), R"("\ufffd")");
  EXPECT_EQ(JsonString("\xc0\xaf"), R"("\ufffd\ufffd")");      // overlong
  EXPECT_EQ(JsonString("\xed\xa0\x80"), R"("\ufffd\ufffd\ufffd")");  // surrogate
  EXPECT_EQ(JsonString("\xe2\x80"), R"("\ufffd\ufffd")");      // truncated
}

TEST(GoText, FormatsRfc3339NanoTrimmingZeros) {
  EXPECT_EQ(FormatRfc3339Nano(kPermanent), "0001-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339Nano(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339Nano(1'795'651'269'053'479'610), "2026-11-26T00:01:09.05347961Z");
  EXPECT_EQ(FormatRfc3339Nano(1'795'651'200'500'000'000), "2026-11-26T00:00:00.5Z");
  EXPECT_EQ(FormatRfc3339Nano(-1), "1969-12-31T23:59:59.999999999Z");
  EXPECT_EQ(FormatRfc3339Nano(951'782'400LL * 1'000'000'000), "2000-02-29T00:00:00Z");
}

TEST(GoText, ParsesRfc3339WithFractionAndOffset) {
  EXPECT_EQ(ParseRfc3339("0001-01-01T00:00:00Z"), kPermanent);
  EXPECT_EQ(ParseRfc3339("2026-11-26T00:01:09.05347961Z"), 1'795'651'269'053'479'610);
  EXPECT_EQ(ParseRfc3339("2026-11-26T01:01:09.05347961+01:00"), 1'795'651'269'053'479'610);
  EXPECT_EQ(ParseRfc3339("2026-11-25T19:01:09-05:00"), 1'795'651'269'000'000'000);
  EXPECT_EQ(ParseRfc3339("1969-12-31T23:59:59.999999999Z"), -1);
  for (std::string_view bad : {"", "2026-11-26", "2026-11-26T00:01:09", "2026-13-01T00:00:00Z",
                               "2026-11-26T00:01:09.Z", "2026-11-26T00:01:09Zjunk"}) {
    EXPECT_FALSE(ParseRfc3339(bad).has_value()) << bad;
  }
}

TEST(GoText, CleanPathMatchesGo) {
  const std::pair<std::string_view, std::string_view> cases[] = {
      {"", "."},           {"/", "/"},         {"//", "/"},          {"/a/b/", "/a/b"},
      {"/a//b", "/a/b"},   {"/a/./b", "/a/b"}, {"/a/../b", "/b"},    {"/../a", "/a"},
      {"/a/b/..", "/a"},   {"a/../..", ".."},  {"../a/..", ".."},    {"a/b/../../c", "c"},
      {"/1/foo/", "/1/foo"},
  };
  for (const auto& [in, want] : cases) EXPECT_EQ(CleanPath(in), want) << in;
  EXPECT_EQ(JoinPath("/1", ""), "/1");
  EXPECT_EQ(JoinPath("/1", "/"), "/1");
  EXPECT_EQ(JoinPath("/1", "/a/../../b"), "/b");
  EXPECT_EQ(AbsolutePath("foo"), "/foo");
}

}  // namespace
}  // namespace etcdpp::v2store
