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

Store UserStore() { return Store({"/0", "/1"}); }

TEST(Store, SetCreatesThenReplacesWithPrevNode) {
  Store s = UserStore();
  EXPECT_EQ(Json(s.Set("/1/foo", false, "bar", {}, kNow)),
            R"({"action":"set","node":{"key":"/1/foo","value":"bar","modifiedIndex":1,"createdIndex":1}})");
  auto r = s.Set("/1/foo", false, "baz", {}, kNow);
  EXPECT_EQ(Json(r),
            R"({"action":"set","node":{"key":"/1/foo","value":"baz","modifiedIndex":2,"createdIndex":2},)"
            R"("prevNode":{"key":"/1/foo","value":"bar","modifiedIndex":1,"createdIndex":1}})");
  EXPECT_FALSE((*r)->IsCreated());
  EXPECT_EQ(s.index(), 2u);
}

TEST(Store, GetMissingKeyNamesFirstMissingComponent) {
  Store s = UserStore();
  ASSERT_TRUE(s.Set("/1/foo", false, "bar", {}, kNow).ok());
  auto r = s.Get("/1/nope/a/b", false, false, kNow);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().ToJson(),
            R"({"errorCode":100,"message":"Key not found","cause":"/1/nope","index":1})");
  EXPECT_EQ(r.error().HttpStatus(), 404);
}

}  // namespace
}  // namespace etcdpp::v2store
