#include "api/watch_session.h"

#include <gtest/gtest.h>

#include "api/json_values.h"

namespace etcdpp::api {
namespace {

etcdserverpb::WatchResponse WithEvents(int n, size_t value_bytes) {
  etcdserverpb::WatchResponse r;
  r.set_watch_id(7);
  r.mutable_header()->set_revision(9);
  for (int i = 0; i < n; ++i) {
    auto* ev = r.add_events();
    ev->mutable_kv()->set_key("k" + std::to_string(i));
    ev->mutable_kv()->set_value(std::string(value_bytes, 'v'));
    ev->mutable_kv()->set_mod_revision(i + 2);
  }
  return r;
}

TEST(SplitWatchResponse, SmallOrSingleEventResponsesStayWhole) {
  auto pieces = SplitWatchResponse(WithEvents(3, 10), 1000);
  ASSERT_EQ(pieces.size(), 1u);
  EXPECT_FALSE(pieces[0].fragment());
  pieces = SplitWatchResponse(WithEvents(1, 5000), 1000);
  ASSERT_EQ(pieces.size(), 1u);
  EXPECT_FALSE(pieces[0].fragment());
}

TEST(SplitWatchResponse, LargeResponsesAreCutUnderTheLimitAndKeepEveryEventInOrder) {
  const size_t limit = 1000;
  auto pieces = SplitWatchResponse(WithEvents(10, 300), limit);
  ASSERT_GT(pieces.size(), 1u);
  int next = 0;
  for (size_t i = 0; i < pieces.size(); ++i) {
    EXPECT_EQ(pieces[i].fragment(), i + 1 < pieces.size());
    EXPECT_EQ(pieces[i].watch_id(), 7);
    EXPECT_EQ(pieces[i].header().revision(), 9);
    EXPECT_LT(pieces[i].ByteSizeLong(), limit);
    for (const auto& ev : pieces[i].events()) EXPECT_EQ(ev.kv().key(), "k" + std::to_string(next++));
  }
  EXPECT_EQ(next, 10);
}

TEST(SplitWatchResponse, AnEventLargerThanTheLimitTravelsAlone) {
  auto pieces = SplitWatchResponse(WithEvents(3, 2000), 1000);
  ASSERT_EQ(pieces.size(), 3u);
  for (const auto& p : pieces) EXPECT_EQ(p.events_size(), 1);
  EXPECT_TRUE(pieces[0].fragment());
  EXPECT_FALSE(pieces[2].fragment());
}

TEST(SplitJsonValues, ReadsConcatenatedValuesLikeGosDecoder) {
  auto v = SplitJsonValues(R"( {"a":"}{\""} {"b":[1,{"c":2}]}{"d":3} )");
  ASSERT_EQ(v.values.size(), 3u);
  EXPECT_EQ(v.values[0], R"({"a":"}{\""})");
  EXPECT_EQ(v.values[1], R"({"b":[1,{"c":2}]})");
  EXPECT_EQ(v.values[2], R"({"d":3})");
  EXPECT_EQ(v.error, "");
}

TEST(SplitJsonValues, StopsAtTheFirstBadValueWithGosMessage) {
  auto v = SplitJsonValues(R"({"a":1} garbage)");
  ASSERT_EQ(v.values.size(), 1u);
  EXPECT_EQ(v.error, "invalid character 'g' looking for beginning of value");
  v = SplitJsonValues(R"({"a":1)");
  EXPECT_TRUE(v.values.empty());
  EXPECT_EQ(v.error, "unexpected EOF");
  EXPECT_TRUE(SplitJsonValues("  ").values.empty());
  EXPECT_EQ(SplitJsonValues("  ").error, "");
}

}  // namespace
}  // namespace etcdpp::api
