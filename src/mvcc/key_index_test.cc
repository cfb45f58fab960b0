#include "mvcc/key_index.h"

#include <gtest/gtest.h>

#include "mvcc/revision.h"
#include "mvcc/tree_index.h"

namespace etcdpp::mvcc {
namespace {

// put@2, put@4, delete@6, put@8, put@10 (sub revisions 0).
KeyIndex History() {
  KeyIndex ki;
  ki.Put({2, 0});
  ki.Put({4, 0});
  EXPECT_TRUE(ki.Tombstone({6, 0}).ok());
  ki.Put({8, 0});
  ki.Put({10, 0});
  return ki;
}

TEST(Revision, EncodesAsEtcdDoes) {
  std::string b = EncodeRevision({0x0102, 3});
  EXPECT_EQ(b, std::string("\0\0\0\0\0\0\x01\x02_\0\0\0\0\0\0\0\x03", 17));
  EXPECT_EQ(EncodeRevision({5, 1}, true).size(), 18u);
  EXPECT_TRUE(IsTombstone(EncodeRevision({5, 1}, true)));
  EXPECT_EQ(DecodeRevision(EncodeRevision({5, 1}, true)).value(), (Revision{5, 1}));
  EXPECT_FALSE(DecodeRevision("short").ok());
  // Byte order is revision order.
  EXPECT_LT(EncodeRevision({1, 300}), EncodeRevision({2, 0}));
  EXPECT_LT(EncodeRevision({255, 0}), EncodeRevision({256, 0}));
}

TEST(KeyIndex, GetFollowsGenerations) {
  KeyIndex ki = History();
  EXPECT_FALSE(ki.Get(1).has_value());
  EXPECT_EQ(ki.Get(3)->modified, (Revision{2, 0}));
  EXPECT_EQ(ki.Get(3)->version, 1);
  EXPECT_EQ(ki.Get(5)->version, 2);
  EXPECT_FALSE(ki.Get(6).has_value());  // deleted at 6
  EXPECT_FALSE(ki.Get(7).has_value());
  EXPECT_EQ(ki.Get(8)->created, (Revision{8, 0}));
  EXPECT_EQ(ki.Get(8)->version, 1);
  EXPECT_EQ(ki.Get(100)->version, 2);
  EXPECT_EQ(ki.Get(100)->modified, (Revision{10, 0}));
}

TEST(KeyIndex, TombstoneOfDeletedKeyIsNotFound) {
  KeyIndex ki;
  ki.Put({2, 0});
  ASSERT_TRUE(ki.Tombstone({3, 0}).ok());
  EXPECT_EQ(ki.Tombstone({4, 0}).code(), StatusCode::kNotFound);
}

TEST(KeyIndex, CompactKeepsNewestAtOrBelowRevision) {
  KeyIndex ki = History();
  std::set<Revision> kept;
  ki.Compact(5, &kept);
  EXPECT_EQ(kept, (std::set<Revision>{{4, 0}}));
  EXPECT_EQ(ki.Get(5)->modified, (Revision{4, 0}));
  EXPECT_EQ(ki.Get(5)->version, 2);
  EXPECT_EQ(ki.Get(9)->modified, (Revision{8, 0}));
}

TEST(KeyIndex, CompactDropsGenerationEndedByTombstone) {
  KeyIndex ki = History();
  std::set<Revision> kept;
  ki.Compact(6, &kept);
  EXPECT_TRUE(kept.empty());
  EXPECT_FALSE(ki.Get(6).has_value());
  EXPECT_EQ(ki.Get(8)->version, 1);
  KeyIndex deleted;
  deleted.Put({2, 0});
  ASSERT_TRUE(deleted.Tombstone({3, 0}).ok());
  deleted.Compact(3, &kept);
  EXPECT_TRUE(deleted.empty());
}

TEST(KeyIndex, KeepReportsWhatCompactWouldKeep) {
  for (int64_t at : {1, 2, 3, 5, 6, 7, 9, 10, 11}) {
    KeyIndex ki = History();
    std::set<Revision> keep, compacted;
    ki.Keep(at, &keep);
    ki.Compact(at, &compacted);
    EXPECT_EQ(keep, compacted) << "at " << at;
  }
}

TEST(KeyIndex, SinceReturnsLastSubRevisionPerMain) {
  KeyIndex ki;
  ki.Put({2, 0});
  ki.Put({2, 1});
  ki.Put({3, 0});
  EXPECT_EQ(ki.Since(1), (std::vector<Revision>{{2, 1}, {3, 0}}));
  EXPECT_EQ(ki.Since(2), (std::vector<Revision>{{3, 0}}));
}

TEST(TreeIndex, RangeSingleKeyPrefixAndFromKey) {
  TreeIndex index;
  index.Put("a", {2, 0});
  index.Put("b", {3, 0});
  index.Put("ba", {4, 0});
  index.Put("c", {5, 0});
  ASSERT_TRUE(index.Tombstone("c", {6, 0}).ok());
  auto keys = [&](std::string_view k, std::string_view e, int64_t rev) {
    std::vector<std::string> out;
    index.Range(k, e, rev, [&](const std::string& key, const KeyInfo&) {
      out.push_back(key);
      return true;
    });
    return out;
  };
  EXPECT_EQ(keys("b", "", 10), (std::vector<std::string>{"b"}));
  EXPECT_EQ(keys("b", "c", 10), (std::vector<std::string>{"b", "ba"}));
  EXPECT_EQ(keys("a", kRangeToEnd, 10), (std::vector<std::string>{"a", "b", "ba"}));
  EXPECT_EQ(keys("a", kRangeToEnd, 5), (std::vector<std::string>{"a", "b", "ba", "c"}));
  EXPECT_EQ(keys("a", kRangeToEnd, 3), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(index.Count("a", kRangeToEnd, 5), 4u);
}

TEST(TreeIndex, CompactRemovesDeletedKeys) {
  TreeIndex index;
  index.Put("a", {2, 0});
  ASSERT_TRUE(index.Tombstone("a", {3, 0}).ok());
  index.Put("b", {4, 0});
  EXPECT_EQ(index.Keep(4), (std::set<Revision>{{4, 0}}));
  EXPECT_EQ(index.Compact(4), (std::set<Revision>{{4, 0}}));
  EXPECT_EQ(index.size(), 1u);
  EXPECT_FALSE(index.Get("a", 4).has_value());
}

}  // namespace
}  // namespace etcdpp::mvcc
