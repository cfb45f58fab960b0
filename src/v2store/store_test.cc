#include "v2store/store.h"

#include <gtest/gtest.h>

namespace etcdpp::v2store {
namespace {

constexpr int64_t kSecond = 1'000'000'000;
// 2026-11-26T00:00:00Z, a fixed "now" for every test.
constexpr int64_t kNow = 1'795'651'200LL * kSecond;

std::string Json(const StoreResult<EventPtr>& r) {
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().ToJson());
  return r.ok() ? EventToJson(**r) : "";
}

std::string ErrJson(const StoreResult<EventPtr>& r) {
  EXPECT_FALSE(r.ok());
  return r.ok() ? "" : r.error().ToJson();
}

TtlOptions Expires(int64_t at_unix_ns, bool refresh = false) { return {at_unix_ns, refresh}; }

class StoreTest : public ::testing::Test {
 protected:
  Store s_{{"/0", "/1"}};
};

TEST_F(StoreTest, SetCreatesThenReplacesWithPrevNode) {
  auto first = s_.Set("/1/foo", false, "bar", {}, kNow);
  EXPECT_EQ(Json(first),
            R"({"action":"set","node":{"key":"/1/foo","value":"bar","modifiedIndex":1,"createdIndex":1}})");
  EXPECT_TRUE((*first)->IsCreated());
  auto r = s_.Set("/1/foo", false, "baz", {}, kNow);
  EXPECT_EQ(Json(r),
            R"({"action":"set","node":{"key":"/1/foo","value":"baz","modifiedIndex":2,"createdIndex":2},)"
            R"("prevNode":{"key":"/1/foo","value":"bar","modifiedIndex":1,"createdIndex":1}})");
  EXPECT_FALSE((*r)->IsCreated());
  EXPECT_EQ((*r)->etcd_index, 2u);
  EXPECT_EQ(s_.index(), 2u);
}

TEST_F(StoreTest, GetMissingKeyNamesFirstMissingComponent) {
  ASSERT_TRUE(s_.Set("/1/foo", false, "bar", {}, kNow).ok());
  auto r = s_.Get("/1/nope/a/b", false, false, kNow);
  EXPECT_EQ(ErrJson(r), R"({"errorCode":100,"message":"Key not found","cause":"/1/nope","index":1})");
  EXPECT_EQ(r.error().HttpStatus(), 404);
}

TEST_F(StoreTest, SetBelowAFileIsNotADirectory) {
  ASSERT_TRUE(s_.Set("/1/foo", false, "bar", {}, kNow).ok());
  auto r = s_.Set("/1/foo/bar", false, "1", {}, kNow);
  EXPECT_EQ(ErrJson(r), R"({"errorCode":104,"message":"Not a directory","cause":"/1/foo","index":1})");
  EXPECT_EQ(r.error().HttpStatus(), 400);
  EXPECT_EQ(s_.Get("/1/foo/bar", false, false, kNow).error().code, ErrorCode::kNotDir);
}

TEST_F(StoreTest, SetOverDirectoryIsNotAFile) {
  ASSERT_TRUE(s_.Set("/1/d", true, "", {}, kNow).ok());
  EXPECT_EQ(ErrJson(s_.Set("/1/d", true, "", {}, kNow)),
            R"({"errorCode":102,"message":"Not a file","cause":"/1/d","index":1})");
}

TEST_F(StoreTest, NamespacesAndRootAreReadOnly) {
  for (const char* p : {"/", "/1", "/0", "/1/"}) {
    auto r = s_.Set(p, false, "x", {}, kNow);
    EXPECT_EQ(ErrJson(r), R"({"errorCode":107,"message":"Root is read only","cause":"/","index":0})") << p;
    EXPECT_EQ(r.error().HttpStatus(), 400);
  }
  EXPECT_EQ(s_.Delete("/1", true, true, kNow).error().code, ErrorCode::kRootReadOnly);
  EXPECT_EQ(s_.Update("/", "", {}, kNow).error().code, ErrorCode::kRootReadOnly);
}

TEST_F(StoreTest, IntermediateDirectoriesTakeTheNewIndex) {
  ASSERT_TRUE(s_.Set("/1/a/b/c", false, "v", {}, kNow).ok());
  EXPECT_EQ(Json(s_.Get("/1/a", true, true, kNow)),
            R"({"action":"get","node":{"key":"/1/a","dir":true,"nodes":[{"key":"/1/a/b","dir":true,)"
            R"("nodes":[{"key":"/1/a/b/c","value":"v","modifiedIndex":1,"createdIndex":1}],)"
            R"("modifiedIndex":1,"createdIndex":1}],"modifiedIndex":1,"createdIndex":1}})");
}

TEST_F(StoreTest, UniqueCreateNamesKeyAfterIndex) {
  ASSERT_TRUE(s_.Set("/1/foo", false, "bar", {}, kNow).ok());
  EXPECT_EQ(Json(s_.Create("/1/q", false, "a", true, {}, kNow)),
            R"({"action":"create","node":{"key":"/1/q/00000000000000000002","value":"a","modifiedIndex":2,"createdIndex":2}})");
  EXPECT_EQ(Json(s_.Create("/1/q", false, "b", true, {}, kNow)),
            R"({"action":"create","node":{"key":"/1/q/00000000000000000003","value":"b","modifiedIndex":3,"createdIndex":3}})");
  EXPECT_EQ(Json(s_.Get("/1/q", false, true, kNow)),
            R"({"action":"get","node":{"key":"/1/q","dir":true,"nodes":[)"
            R"({"key":"/1/q/00000000000000000002","value":"a","modifiedIndex":2,"createdIndex":2},)"
            R"({"key":"/1/q/00000000000000000003","value":"b","modifiedIndex":3,"createdIndex":3}],)"
            R"("modifiedIndex":2,"createdIndex":2}})");
}

TEST_F(StoreTest, CreateExistingKeyFails) {
  ASSERT_TRUE(s_.Set("/1/foo", false, "bar", {}, kNow).ok());
  auto r = s_.Create("/1/foo", false, "x", false, {}, kNow);
  EXPECT_EQ(ErrJson(r), R"({"errorCode":105,"message":"Key already exists","cause":"/1/foo","index":1})");
  EXPECT_EQ(r.error().HttpStatus(), 412);
}

TEST_F(StoreTest, CompareAndSwapReportsWhatDiffered) {
  ASSERT_TRUE(s_.Set("/1/foo", false, "bar", {}, kNow).ok());
  ASSERT_TRUE(s_.Set("/1/foo", false, "baz", {}, kNow).ok());
  EXPECT_EQ(ErrJson(s_.CompareAndSwap("/1/foo", "nope", 0, "x", {}, kNow)),
            R"({"errorCode":101,"message":"Compare failed","cause":"[nope != baz]","index":2})");
  EXPECT_EQ(ErrJson(s_.CompareAndSwap("/1/foo", "", 1, "x", {}, kNow)),
            R"({"errorCode":101,"message":"Compare failed","cause":"[1 != 2]","index":2})");
  EXPECT_EQ(ErrJson(s_.CompareAndSwap("/1/foo", "nope", 1, "x", {}, kNow)),
            R"({"errorCode":101,"message":"Compare failed","cause":"[nope != baz] [1 != 2]","index":2})");
  EXPECT_EQ(Json(s_.CompareAndSwap("/1/foo", "baz", 2, "x", {}, kNow)),
            R"({"action":"compareAndSwap","node":{"key":"/1/foo","value":"x","modifiedIndex":3,"createdIndex":2},)"
            R"("prevNode":{"key":"/1/foo","value":"baz","modifiedIndex":2,"createdIndex":2}})");
}

TEST_F(StoreTest, DeleteDirectoryNeedsDirOrRecursive) {
  ASSERT_TRUE(s_.Set("/1/q/a", false, "1", {}, kNow).ok());
  EXPECT_EQ(ErrJson(s_.Delete("/1/q", false, false, kNow)),
            R"({"errorCode":102,"message":"Not a file","cause":"/1/q","index":1})");
  EXPECT_EQ(ErrJson(s_.Delete("/1/q", true, false, kNow)),
            R"({"errorCode":108,"message":"Directory not empty","cause":"/1/q","index":1})");
  EXPECT_EQ(Json(s_.Delete("/1/q", false, true, kNow)),
            R"({"action":"delete","node":{"key":"/1/q","dir":true,"modifiedIndex":2,"createdIndex":1},)"
            R"("prevNode":{"key":"/1/q","dir":true,"modifiedIndex":1,"createdIndex":1}})");
  EXPECT_EQ(s_.Get("/1/q/a", false, false, kNow).error().code, ErrorCode::kKeyNotFound);
}

TEST_F(StoreTest, CompareAndDeleteChecksValueAndIndex) {
  ASSERT_TRUE(s_.Set("/1/k", false, "v", {}, kNow).ok());
  EXPECT_EQ(s_.CompareAndDelete("/1/k", "w", 0, kNow).error().code, ErrorCode::kTestFailed);
  EXPECT_EQ(Json(s_.CompareAndDelete("/1/k", "v", 1, kNow)),
            R"({"action":"compareAndDelete","node":{"key":"/1/k","modifiedIndex":2,"createdIndex":1},)"
            R"("prevNode":{"key":"/1/k","value":"v","modifiedIndex":1,"createdIndex":1}})");
  EXPECT_EQ(s_.index(), 2u);
}

TEST_F(StoreTest, HiddenKeysAreListedOnlyWhenAddressed) {
  ASSERT_TRUE(s_.Set("/1/d/_hidden", false, "h", {}, kNow).ok());
  ASSERT_TRUE(s_.Set("/1/d/vis", false, "v", {}, kNow).ok());
  EXPECT_EQ(Json(s_.Get("/1/d", true, false, kNow)),
            R"({"action":"get","node":{"key":"/1/d","dir":true,"nodes":[)"
            R"({"key":"/1/d/vis","value":"v","modifiedIndex":2,"createdIndex":2}],"modifiedIndex":1,"createdIndex":1}})");
  EXPECT_EQ(Json(s_.Get("/1/d/_hidden", false, false, kNow)),
            R"({"action":"get","node":{"key":"/1/d/_hidden","value":"h","modifiedIndex":1,"createdIndex":1}})");
}

TEST_F(StoreTest, RootListingOmitsEmptyKeyAndZeroIndexes) {
  ASSERT_TRUE(s_.Set("/1/foo", false, "bar", {}, kNow).ok());
  auto r = s_.Get("/1", false, false, kNow);
  EXPECT_EQ(EventToJson(**r, {.trim_prefix = "/1"}),
            R"({"action":"get","node":{"dir":true,"nodes":[{"key":"/foo","value":"bar","modifiedIndex":1,"createdIndex":1}]}})");
}

TEST_F(StoreTest, TtlIsReportedRoundedUp) {
  auto r = s_.Set("/1/t", false, "1", Expires(kNow + 100 * kSecond + 805039586), kNow);
  EXPECT_EQ(Json(r),
            R"({"action":"set","node":{"key":"/1/t","value":"1","expiration":"2026-11-26T00:01:40.805039586Z",)"
            R"("ttl":101,"modifiedIndex":1,"createdIndex":1}})");
  EXPECT_EQ((*s_.Get("/1/t", false, false, kNow + 100 * kSecond))->node.ttl_seconds, 1);
  EXPECT_TRUE(s_.HasTtlKeys());
}

TEST_F(StoreTest, RefreshKeepsValueAndMovesExpiry) {
  ASSERT_TRUE(s_.Set("/1/t", false, "1", Expires(kNow + 100 * kSecond), kNow).ok());
  auto r = s_.Set("/1/t", false, "", Expires(kNow + 200 * kSecond, true), kNow);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)->node.value, "1");
  EXPECT_EQ((*r)->node.ttl_seconds, 200);
  EXPECT_EQ((*r)->prev_node->ttl_seconds, 100);
  EXPECT_TRUE((*r)->refresh);
  auto u = s_.Update("/1/t", "", Expires(kNow + 300 * kSecond, true), kNow);
  EXPECT_EQ(Json(u),
            R"({"action":"update","node":{"key":"/1/t","value":"1","expiration":"2026-11-26T00:05:00Z","ttl":300,)"
            R"("modifiedIndex":3,"createdIndex":2},"prevNode":{"key":"/1/t","value":"1",)"
            R"("expiration":"2026-11-26T00:03:20Z","ttl":200,"modifiedIndex":2,"createdIndex":2}})");
  // A refresh of a missing key is a plain key-not-found.
  EXPECT_EQ(s_.Set("/1/nope", false, "", Expires(kNow + kSecond, true), kNow).error().code,
            ErrorCode::kKeyNotFound);
}

TEST_F(StoreTest, UpdateWithoutTtlMakesNodePermanent) {
  ASSERT_TRUE(s_.Set("/1/t", false, "1", Expires(kNow + 10 * kSecond), kNow).ok());
  ASSERT_TRUE(s_.Update("/1/t", "2", {}, kNow).ok());
  EXPECT_FALSE(s_.HasTtlKeys());
  s_.DeleteExpiredKeys(kNow + 20 * kSecond);
  EXPECT_EQ((*s_.Get("/1/t", false, false, kNow))->node.value, "2");
}

TEST_F(StoreTest, UpdateOfDirectoryKeepsItsModifiedIndex) {
  ASSERT_TRUE(s_.Set("/1/d", true, "", {}, kNow).ok());
  EXPECT_EQ(ErrJson(s_.Update("/1/d", "x", {}, kNow)),
            R"({"errorCode":102,"message":"Not a file","cause":"/1/d","index":1})");
  EXPECT_EQ(Json(s_.Update("/1/d", "", Expires(kNow + 50 * kSecond), kNow)),
            R"({"action":"update","node":{"key":"/1/d","dir":true,"expiration":"2026-11-26T00:00:50Z","ttl":50,)"
            R"("modifiedIndex":2,"createdIndex":1},"prevNode":{"key":"/1/d","dir":true,"modifiedIndex":1,"createdIndex":1}})");
  EXPECT_EQ((*s_.Get("/1/d", false, false, kNow))->node.modified_index, 1u);
}

TEST_F(StoreTest, ExpiryRemovesDueNodesInOrderWithOwnIndexes) {
  ASSERT_TRUE(s_.Set("/1/late", false, "l", Expires(kNow + 20 * kSecond), kNow).ok());
  ASSERT_TRUE(s_.Set("/1/d/child", false, "c", {}, kNow).ok());
  ASSERT_TRUE(s_.Update("/1/d", "", Expires(kNow + 10 * kSecond), kNow).ok());
  s_.DeleteExpiredKeys(kNow + 5 * kSecond);
  EXPECT_EQ(s_.index(), 3u);
  s_.DeleteExpiredKeys(kNow + 10 * kSecond);  // due exactly now: expires
  EXPECT_EQ(s_.index(), 4u);
  EXPECT_EQ(s_.Get("/1/d/child", false, false, kNow).error().code, ErrorCode::kKeyNotFound);
  EXPECT_TRUE(s_.Get("/1/late", false, false, kNow).ok());
  s_.DeleteExpiredKeys(kNow + 60 * kSecond);
  EXPECT_EQ(s_.index(), 5u);
  EXPECT_FALSE(s_.HasTtlKeys());
  EXPECT_EQ(s_.stats().expire_count, 2u);
}

TEST_F(StoreTest, ExpiryTimesBefore2000AreNoTtl) {
  ASSERT_TRUE(s_.Set("/1/k", false, "v", Expires(1), kNow).ok());
  EXPECT_FALSE(s_.HasTtlKeys());
}

TEST_F(StoreTest, StatsCountSuccessesAndFailures) {
  ASSERT_TRUE(s_.Set("/1/a", false, "1", {}, kNow).ok());
  EXPECT_FALSE(s_.Get("/1/b", false, false, kNow).ok());
  EXPECT_TRUE(s_.Get("/1/a", false, false, kNow).ok());
  EXPECT_EQ(s_.StatsJson(),
            R"({"getsSuccess":1,"getsFail":1,"setsSuccess":1,"setsFail":0,"deleteSuccess":0,"deleteFail":0,)"
            R"("updateSuccess":0,"updateFail":0,"createSuccess":0,"createFail":0,"compareAndSwapSuccess":0,)"
            R"("compareAndSwapFail":0,"compareAndDeleteSuccess":0,"compareAndDeleteFail":0,"expireCount":0,"watchers":0})");
}

TEST_F(StoreTest, StatsCountFailuresEtcdCountsAsSuccesses) {
  ASSERT_TRUE(s_.Set("/1/k", false, "v", {}, kNow).ok());
  ASSERT_TRUE(s_.Set("/1/d", true, "", {}, kNow).ok());
  EXPECT_FALSE(s_.CompareAndDelete("/1/k", "zzz", 0, kNow).ok());
  EXPECT_FALSE(s_.CompareAndDelete("/1/d", "zzz", 0, kNow).ok());
  EXPECT_FALSE(s_.CompareAndDelete("/1/nope", "zzz", 0, kNow).ok());
  EXPECT_FALSE(s_.Update("/", "1", {}, kNow).ok());
  EXPECT_FALSE(s_.Update("/1/d", "1", {}, kNow).ok());
  EXPECT_FALSE(s_.Update("/1/nope", "1", {}, kNow).ok());
  EXPECT_FALSE(s_.Delete("/1", true, true, kNow).ok());
  EXPECT_FALSE(s_.CompareAndSwap("/1", "a", 0, "b", {}, kNow).ok());
  const StoreStats st = s_.stats();
  EXPECT_EQ(st.compare_and_delete_success, 2u);
  EXPECT_EQ(st.compare_and_delete_fail, 1u);
  EXPECT_EQ(st.update_success, 2u);
  EXPECT_EQ(st.update_fail, 1u);
  EXPECT_EQ(st.delete_success, 1u);
  EXPECT_EQ(st.compare_and_swap_success, 1u);
  EXPECT_EQ(s_.index(), 2u);
}

}  // namespace
}  // namespace etcdpp::v2store
