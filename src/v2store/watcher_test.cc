#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "testing/wait_until.h"

#include "v2store/store.h"

namespace etcdpp::v2store {
namespace {

constexpr int64_t kNow = 1'795'651'200LL * 1'000'000'000LL;

class WatchTest : public ::testing::Test {
 protected:
  void Put(const std::string& key, const std::string& value) {
    ASSERT_TRUE(s_.Set(key, false, value, {}, kNow).ok());
  }
  WatcherPtr MustWatch(std::string_view key, bool recursive, bool stream, uint64_t since) {
    auto w = s_.Watch(key, recursive, stream, since);
    EXPECT_TRUE(w.ok()) << (w.ok() ? "" : w.error().ToJson());
    return w.ok() ? *w : nullptr;
  }
  Store s_{{"/0", "/1"}};
};

TEST_F(WatchTest, WaitsForNextChangeOfKey) {
  Put("/1/foo", "a");
  WatcherPtr w = MustWatch("/1/foo", false, false, 0);
  EXPECT_EQ(w->start_index(), 1u);
  EXPECT_EQ(w->Next(), nullptr);
  Put("/1/other", "x");
  EXPECT_EQ(w->Next(), nullptr);
  Put("/1/foo", "b");
  EventPtr e = w->Next();
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->node.value, "b");
  EXPECT_EQ(e->index(), 3u);
  // One-shot: the store forgot it after the first event.
  EXPECT_EQ(s_.watcher_count(), 0u);
}

TEST_F(WatchTest, WaitIndexIsServedFromHistory) {
  Put("/1/foo", "bar");
  Put("/1/foo", "baz");
  WatcherPtr w = MustWatch("/1/foo", false, false, 1);
  EventPtr e = w->Next();
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(EventToJson(*e), R"({"action":"set","node":{"key":"/1/foo","value":"bar","modifiedIndex":1,"createdIndex":1}})");
  EXPECT_EQ(s_.watcher_count(), 0u);
}

TEST_F(WatchTest, RecursiveWatchSeesChildrenButNotHiddenOnes) {
  WatcherPtr w = MustWatch("/1/s", true, true, 0);
  Put("/1/s/_h", "1");
  Put("/1/s/a", "1");
  EventPtr e = w->Next();
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->node.key, "/1/s/a");
  EXPECT_EQ(w->Next(), nullptr);
  // Addressed directly, a hidden key is watchable.
  WatcherPtr hidden = MustWatch("/1/s/_h", false, false, 0);
  Put("/1/s/_h", "2");
  ASSERT_NE(hidden->Next(), nullptr);
}

TEST_F(WatchTest, RefreshIsNotDelivered) {
  ASSERT_TRUE(s_.Set("/1/t", false, "v", {kNow + 1'000'000'000'000, false}, kNow).ok());
  WatcherPtr w = MustWatch("/1/t", false, true, 0);
  ASSERT_TRUE(s_.Set("/1/t", false, "", {kNow + 2'000'000'000'000, true}, kNow).ok());
  EXPECT_EQ(w->Next(), nullptr);
  // Nor found in history.
  WatcherPtr from_history = MustWatch("/1/t", false, false, 2);
  EXPECT_EQ(from_history->Next(), nullptr);
}

TEST_F(WatchTest, DeletingDirectoryNotifiesWatchersBelowIt) {
  Put("/1/d/a", "1");
  WatcherPtr child = MustWatch("/1/d/a", false, false, 0);
  WatcherPtr stream = MustWatch("/1/d", true, true, 0);
  ASSERT_TRUE(s_.Delete("/1/d", true, true, kNow).ok());
  EventPtr e = child->Next();
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->action, kActionDelete);
  EXPECT_EQ(e->node.key, "/1/d");
  // etcd tells a watcher of the deleted directory twice: as a removed node and as a
  // change on its path.
  EXPECT_NE(stream->Next(), nullptr);
  EXPECT_NE(stream->Next(), nullptr);
  EXPECT_EQ(stream->Next(), nullptr);
  // A history scan below a deleted directory finds the delete too.
  WatcherPtr late = MustWatch("/1/d/a", false, false, 2);
  ASSERT_NE(late->Next(), nullptr);
}

TEST_F(WatchTest, ExpiryIsDeliveredAsExpireEvent) {
  ASSERT_TRUE(s_.Set("/1/d/vis", false, "v", {}, kNow).ok());
  ASSERT_TRUE(s_.Update("/1/d", "", {kNow + 1'000'000'000, false}, kNow).ok());
  WatcherPtr w = MustWatch("/1/d/vis", false, false, 0);
  s_.DeleteExpiredKeys(kNow + 1'500'000'000);
  EventPtr e = w->Next();
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(EventToJson(*e),
            R"({"action":"expire","node":{"key":"/1/d","dir":true,"modifiedIndex":3,"createdIndex":1},)"
            R"("prevNode":{"key":"/1/d","dir":true,"expiration":"2026-11-26T00:00:01Z","modifiedIndex":1,"createdIndex":1}})");
}

TEST_F(WatchTest, IndexOlderThanHistoryIsCleared) {
  for (int i = 0; i < 1005; ++i) Put("/1/many", std::to_string(i));
  auto w = s_.Watch("/1/foo", false, false, 5);
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error().ToJson(),
            R"({"errorCode":401,"message":"The event in requested index is outdated and cleared",)"
            R"("cause":"the requested history has been cleared [6/5]","index":1005})");
  EXPECT_EQ(w.error().HttpStatus(), 400);
  WatcherPtr ok = MustWatch("/1/many", false, false, 1000);
  ASSERT_NE(ok->Next(), nullptr);
}

TEST_F(WatchTest, StreamWatcherFallingBehindIsClosed) {
  WatcherPtr w = MustWatch("/1/k", false, true, 0);
  int wakeups = 0;
  w->SetWakeup([&] { ++wakeups; });
  for (size_t i = 0; i <= Watcher::kQueueCapacity; ++i) Put("/1/k", std::to_string(i));
  EXPECT_TRUE(w->closed());
  EXPECT_EQ(wakeups, static_cast<int>(Watcher::kQueueCapacity) + 1);
  EXPECT_EQ(s_.watcher_count(), 0u);
  size_t drained = 0;
  while (w->Next() != nullptr && drained <= Watcher::kQueueCapacity) ++drained;
  EXPECT_EQ(drained, Watcher::kQueueCapacity);
}

TEST_F(WatchTest, RemovedWatcherIsForgotten) {
  WatcherPtr w = MustWatch("/1/k", false, true, 0);
  EXPECT_EQ(s_.watcher_count(), 1u);
  w->Remove();
  EXPECT_EQ(s_.watcher_count(), 0u);
  Put("/1/k", "v");
  EXPECT_EQ(w->Next(), nullptr);
}

TEST_F(WatchTest, WakeupRunsForEventQueuedBeforeItWasSet) {
  Put("/1/k", "v");
  WatcherPtr w = MustWatch("/1/k", false, false, 1);
  bool woke = false;
  w->SetWakeup([&] { woke = true; });
  EXPECT_TRUE(woke);
}

TEST_F(WatchTest, StreamIsDrainedFromAnotherThreadInOrder) {
  WatcherPtr w = MustWatch("/1/k", false, true, 0);
  constexpr int kWrites = 50;  // below the queue capacity, so nothing can be dropped
  std::atomic<int> seen{0};
  std::atomic<bool> in_order{true};
  std::thread consumer([&] {
    uint64_t last = 0;
    testing::WaitUntil([&] {
      while (EventPtr e = w->Next()) {
        if (e->index() <= last) in_order = false;
        last = e->index();
        ++seen;
      }
      return seen.load() == kWrites;
    });
  });
  for (int i = 0; i < kWrites; ++i) Put("/1/k", std::to_string(i));
  consumer.join();
  EXPECT_EQ(seen.load(), kWrites);
  EXPECT_TRUE(in_order.load());
  w->Remove();
  EXPECT_EQ(s_.watcher_count(), 0u);
}

}  // namespace
}  // namespace etcdpp::v2store
