// WatchableStore::Resync: synced watchers after the KvStore reloaded a leader's backend.
#include <gtest/gtest.h>

#include "mvcc/watchable_store.h"
#include "testing/temp_dir.h"
#include "testing/wait_until.h"

namespace etcdpp::mvcc {
namespace {

using etcdpp::testing::TempDir;

std::unique_ptr<backend::Backend> OpenBackend(const std::string& path) {
  backend::BackendOptions o;
  o.path = path;
  o.map_size_bytes = size_t{1} << 30;
  return std::move(backend::Backend::Open(o)).value();
}

// A leader's backend file: "k" written at revisions 2..6 ("0".."4"), compacted at `compact`.
std::string LeaderFile(TempDir& dir, int64_t compact) {
  auto b = OpenBackend(dir.Sub("leader.db"));
  {
    auto kv = std::move(KvStore::Open(b.get(), nullptr)).value();
    for (int i = 0; i < 5; ++i) EXPECT_TRUE(kv->Put(PutRequest{"k", std::to_string(i)}).ok());
    if (compact > 0) {
      EXPECT_TRUE(kv->Compact(compact).ok());
      kv->WaitCompacted(compact);
    }
  }
  EXPECT_TRUE(b->SnapshotToFile(dir.Sub("received.db")).ok());
  return dir.Sub("received.db");
}

// Polls `s` until a response satisfies `last`; returns every response.
template <typename Pred>
std::vector<WatchResponse> Collect(WatchStream& s, Pred last) {
  std::vector<WatchResponse> all;
  EXPECT_TRUE(testing::WaitUntil([&] {
    for (auto& r : s.Poll()) all.push_back(std::move(r));
    return !all.empty() && last(all.back());
  }));
  return all;
}

class WatchResyncTest : public ::testing::Test {
 protected:
  void SetUp() override {
    backend_ = OpenBackend(dir_.Sub("db"));
    kv_ = std::move(KvStore::Open(backend_.get(), nullptr)).value();
    WatchableStoreOptions o;
    o.sync_interval_ms = 10;
    watchable_ = std::make_unique<WatchableStore>(kv_.get(), o);
    ASSERT_TRUE(kv_->Put(PutRequest{"k", "mine"}).ok());  // revision 2 here
    stream_ = watchable_->NewStream();
    ASSERT_TRUE(stream_->Watch(WatchRequest{.key = "k"}).ok());  // synced, from revision 3
  }
  void Install(const std::string& file) {
    kv_->WaitCompacted(kv_->CompactRev());
    ASSERT_TRUE(backend_->ReplaceWith(file).ok());
    ASSERT_TRUE(kv_->Reload().ok());
    watchable_->Resync();
  }
  void TearDown() override {
    stream_.reset();
    watchable_.reset();
    kv_.reset();
    backend_.reset();
  }

  TempDir dir_;
  std::unique_ptr<backend::Backend> backend_;
  std::unique_ptr<KvStore> kv_;
  std::unique_ptr<WatchableStore> watchable_;
  std::unique_ptr<WatchStream> stream_;
};

TEST_F(WatchResyncTest, SyncedWatcherCatchesUpFromTheInstalledBackendThenFollowsLiveWrites) {
  Install(LeaderFile(dir_, 0));
  auto got = Collect(*stream_, [](const WatchResponse& r) {
    return !r.events.empty() && r.events.back()->kv().mod_revision() == 6;
  });
  std::vector<std::string> values;
  for (const auto& r : got)
    for (const auto& ev : r.events) values.push_back(ev->kv().value());
  EXPECT_EQ(values, (std::vector<std::string>{"1", "2", "3", "4"}));  // revisions 3..6
  ASSERT_TRUE(testing::WaitUntil([&] { return watchable_->synced_count() == 1; }));
  ASSERT_TRUE(kv_->Put(PutRequest{"k", "live"}).ok());
  got = Collect(*stream_, [](const WatchResponse& r) { return !r.events.empty(); });
  EXPECT_EQ(got.back().events[0]->kv().mod_revision(), 7);
}

TEST_F(WatchResyncTest, SyncedWatcherBehindTheInstalledCompactionIsToldSo) {
  Install(LeaderFile(dir_, 5));
  auto got = Collect(*stream_, [](const WatchResponse& r) { return r.compact_revision != 0; });
  EXPECT_EQ(got.back().compact_revision, 5);
}

}  // namespace
}  // namespace etcdpp::mvcc
