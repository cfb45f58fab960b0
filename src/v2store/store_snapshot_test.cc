#include <gtest/gtest.h>

#include "v2store/store.h"
#include "v2store/testdata/etcd_3_4_23_snapshot.h"

namespace etcdpp::v2store {
namespace {

constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kNow = 1'795'651'200LL * kSecond;  // 2026-11-26T00:00:00Z

TEST(StoreSnapshot, EmptyStoreSavesLikeEtcd) {
  Store s({"/0", "/1"});
  const std::string saved = s.Save();
  const std::string head =
      R"({"Root":{"Path":"/","CreatedIndex":0,"ModifiedIndex":0,"ExpireTime":"0001-01-01T00:00:00Z","Value":"",)"
            R"("Children":{"0":{"Path":"/0","CreatedIndex":0,"ModifiedIndex":0,"ExpireTime":"0001-01-01T00:00:00Z",)"
            R"("Value":"","Children":{}},"1":{"Path":"/1","CreatedIndex":0,"ModifiedIndex":0,"ExpireTime":"0001-01-01T00:00:00Z","Value":"","Children":{}}}},)"
            R"("WatcherHub":{"EventHistory":{"Queue":{"Events":[null,n)";
  EXPECT_EQ(saved.substr(0, head.size()), head);
  EXPECT_NE(saved.find(R"(null],"Size":0,"Front":0,"Back":0,"Capacity":1000},"StartIndex":0,"LastIndex":0}},"CurrentIndex":0,)"),
            std::string::npos);
  EXPECT_EQ(saved.substr(saved.size() - 20), R"(,"CurrentVersion":2})");
}

TEST(StoreSnapshot, RoundTripKeepsTreeHistoryAndTtls) {
  Store a({"/0", "/1"});
  ASSERT_TRUE(a.Set("/1/foo", false, "bar", {}, kNow).ok());
  ASSERT_TRUE(a.Set("/1/t", false, "v", {kNow + 30 * kSecond, false}, kNow).ok());
  ASSERT_TRUE(a.Set("/1/t", false, "", {kNow + 60 * kSecond, true}, kNow).ok());
  ASSERT_TRUE(a.Create("/1/q", false, "<&>\n", true, {}, kNow).ok());
  ASSERT_TRUE(a.Set("/1/dir", true, "", {}, kNow).ok());
  const std::string saved = a.Save();

  Store b({"/0", "/1"});
  ASSERT_TRUE(b.Recover(saved).ok());
  EXPECT_EQ(b.Save(), saved);
  EXPECT_EQ(b.index(), 5u);
  EXPECT_TRUE(b.HasTtlKeys());
  EXPECT_EQ((*b.Get("/1/q/00000000000000000004", false, false, kNow))->node.value, "<&>\n");
  EXPECT_EQ((*b.Get("/1/t", false, false, kNow))->node.ttl_seconds, 60);
  // History survives: a watch from index 1 sees the first set.
  auto w = b.Watch("/1/foo", false, false, 1);
  ASSERT_TRUE(w.ok());
  ASSERT_NE((*w)->Next(), nullptr);
  // And TTLs still expire.
  b.DeleteExpiredKeys(kNow + 61 * kSecond);
  EXPECT_EQ(b.Get("/1/t", false, false, kNow).error().code, ErrorCode::kKeyNotFound);
  EXPECT_EQ(b.index(), 6u);
}

TEST(StoreSnapshot, RecoversRealEtcdSnapshotAndSavesItBackByteForByte) {
  Store s({"/0", "/1"});
  ASSERT_TRUE(s.Recover(testdata::kEtcd3423Snapshot).ok());
  EXPECT_EQ(s.Save(), testdata::kEtcd3423Snapshot);
  EXPECT_EQ(s.index(), 15u);
  EXPECT_EQ((*s.Get("/0/version", false, false, kNow))->node.value, "3.4.0");
  EXPECT_EQ((*s.Get("/1/foo", false, false, kNow))->node.value, "baz");
  // /d carries a TTL ending at 00:01:09.05347961.
  auto d = s.Get("/1/d", true, true, kNow);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(EventToJson(**d, {.trim_prefix = "/1"}),
            R"({"action":"get","node":{"key":"/d","dir":true,"expiration":"2026-11-26T00:01:09.05347961Z","ttl":70,)"
            R"("nodes":[{"key":"/d/vis","value":"v","modifiedIndex":15,"createdIndex":15}],"modifiedIndex":12,"createdIndex":12}})");
  // The refresh of /t at index 9 is in the history but invisible to watches.
  auto w = s.Watch("/1/t", false, false, 9);
  ASSERT_TRUE(w.ok());
  EventPtr e = (*w)->Next();
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->index(), 11u);
  // Expiry continues from the recovered index.
  s.DeleteExpiredKeys(kNow + 70 * kSecond);
  EXPECT_EQ(s.index(), 16u);
  EXPECT_FALSE(s.HasTtlKeys());
}

TEST(StoreSnapshot, RecoverRejectsBadInputAndChangesNothing) {
  Store s({"/0", "/1"});
  ASSERT_TRUE(s.Set("/1/keep", false, "v", {}, kNow).ok());
  const std::string before = s.Save();
  for (std::string_view bad : {"", "not json", "[]", R"({"Root":{"Path":"/","Children":null}})",
                               R"({"Root":{"Path":"/","ExpireTime":"yesterday","Children":{}}})",
                               R"({"Root":{"Path":"/","Children":{}},"WatcherHub":{"EventHistory":{"Queue":{"Events":[],"Size":5,"Capacity":3}}}})"}) {
    EXPECT_FALSE(s.Recover(bad).ok()) << bad;
  }
  EXPECT_EQ(s.Save(), before);
}

}  // namespace
}  // namespace etcdpp::v2store
