#include "mvcc/watchable_store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <thread>

#include "testing/temp_dir.h"
#include "testing/wait_until.h"

namespace etcdpp::mvcc {
namespace {

using etcdpp::testing::TempDir;
using etcdpp::testing::WaitUntil;

class WatchTest : public ::testing::Test {
 protected:
  void Open(WatchableStoreOptions options = {}) {
    backend::BackendOptions o;
    o.path = dir_.Sub("db");
    o.map_size_bytes = size_t{1} << 30;
    backend_ = std::move(backend::Backend::Open(o)).value();
    kv_ = std::move(KvStore::Open(backend_.get(), nullptr)).value();
    options.sync_interval_ms = 10;
    watchable_ = std::make_unique<WatchableStore>(kv_.get(), options);
  }
  void TearDown() override {
    watchable_.reset();
    kv_.reset();
    backend_.reset();
  }
  int64_t Put(const std::string& k, const std::string& v) { return kv_->Put(PutRequest{k, v})->revision; }

  // Polls until `pred(all responses so far)` holds (bounded by WaitUntil's deadline).
  template <typename Pred>
  std::vector<WatchResponse> CollectUntil(WatchStream& s, Pred pred) {
    std::vector<WatchResponse> all;
    EXPECT_TRUE(WaitUntil([&] {
      for (auto& r : s.Poll()) all.push_back(std::move(r));
      return pred(all);
    }));
    return all;
  }
  static std::vector<int64_t> Revs(const std::vector<WatchResponse>& rs) {
    std::vector<int64_t> out;
    for (const auto& r : rs)
      for (const auto& ev : r.events) out.push_back(ev->kv().mod_revision());
    return out;
  }
  static auto HasRevs(size_t n) {
    return [n](const std::vector<WatchResponse>& rs) { return Revs(rs).size() >= n; };
  }

  TempDir dir_;
  std::unique_ptr<backend::Backend> backend_;
  std::unique_ptr<KvStore> kv_;
  std::unique_ptr<WatchableStore> watchable_;
};

TEST_F(WatchTest, SyncedWatcherReceivesEventsInOrder) {
  Open();
  auto s = watchable_->NewStream();
  std::atomic<int> notified{0};
  s->SetNotifier([&] { ++notified; });
  WatchRequest req;
  req.key = "a";
  req.range_end = "b";
  ASSERT_EQ(s->Watch(req).value(), 0);  // etcd's first automatic id
  Put("a1", "x");
  Put("zz", "x");  // outside the range
  Put("a2", "y");
  ASSERT_TRUE(kv_->DeleteRange(DeleteRangeRequest{"a1"}).ok());
  auto all = CollectUntil(*s, HasRevs(3));
  EXPECT_EQ(Revs(all), (std::vector<int64_t>{2, 4, 5}));
  EXPECT_GT(notified.load(), 0);
  const auto& del = *all.back().events.back();
  EXPECT_EQ(del.type(), mvccpb::Event::DELETE);
  EXPECT_EQ(del.kv().key(), "a1");
  EXPECT_TRUE(del.kv().value().empty());
  EXPECT_EQ(del.kv().mod_revision(), 5);
  EXPECT_EQ(all.back().revision, 5);
}

TEST_F(WatchTest, PastStartRevisionCatchesUpThenFollowsLive) {
  Open();
  for (int i = 0; i < 50; ++i) Put("k" + std::to_string(i % 5), "v");
  auto s = watchable_->NewStream();
  WatchRequest req;
  req.key = "k";
  req.range_end = std::string(kRangeToEnd);
  req.start_revision = 10;
  ASSERT_TRUE(s->Watch(req).ok());
  for (int i = 0; i < 50; ++i) Put("k" + std::to_string(i % 5), "w");
  auto all = CollectUntil(*s, HasRevs(92));
  std::vector<int64_t> want;
  for (int64_t r = 10; r <= 101; ++r) want.push_back(r);
  EXPECT_EQ(Revs(all), want);
}

TEST_F(WatchTest, VictimCatchesUpWithoutLossOrDuplicatesAndNeverBlocksWriter) {
  WatchableStoreOptions o;
  o.stream_queue_bytes_max = 256;  // a few events
  Open(o);
  auto s = watchable_->NewStream();
  WatchRequest req;
  req.key = "k";
  ASSERT_TRUE(s->Watch(req).ok());
  // Nobody polls while 2 000 writes are applied: the writer must not wait.
  for (int i = 0; i < 2000; ++i) Put("k", std::to_string(i));
  EXPECT_LE(s->queued_bytes(), 256u + 64u);
  auto all = CollectUntil(*s, HasRevs(2000));
  std::vector<int64_t> want;
  for (int64_t r = 2; r <= 2001; ++r) want.push_back(r);
  EXPECT_EQ(Revs(all), want);
  EXPECT_TRUE(WaitUntil([&] { return watchable_->synced_count() == 1; }));
}

// etcd's 128-response channel: watchers past the bound catch up later, several revisions
// in one response, so a busy stream sends fewer responses than revisions x watchers.
TEST_F(WatchTest, ResponseCountBoundMakesOverflowingWatchersCatchUpInBatches) {
  WatchableStoreOptions o;
  o.stream_queue_responses_max = 3;
  Open(o);
  auto s = watchable_->NewStream();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(s->Watch(WatchRequest{.key = "k"}).ok());
  for (int i = 0; i < 10; ++i) Put("k", std::to_string(i));  // revisions 2..11
  // The queue took 3 responses of revision 2 (later revisions joined them); the other two
  // watchers overflowed.
  EXPECT_EQ(watchable_->unsynced_count(), 2u);
  std::map<int64_t, std::vector<int64_t>> revs;  // by watcher
  size_t responses = 0;
  CollectUntil(*s, [&](const std::vector<WatchResponse>& rs) {
    for (size_t i = responses; i < rs.size(); ++i) {
      for (const auto& ev : rs[i].events) revs[rs[i].watch_id].push_back(ev->kv().mod_revision());
    }
    responses = rs.size();
    return revs.size() == 5 && std::all_of(revs.begin(), revs.end(), [](const auto& e) { return e.second.size() >= 10; });
  });
  std::vector<int64_t> want;
  for (int64_t r = 2; r <= 11; ++r) want.push_back(r);
  for (const auto& [id, got] : revs) EXPECT_EQ(got, want) << "watcher " << id;
  EXPECT_LT(responses, 5u * 10u);
}

TEST_F(WatchTest, QueuedResponseOfAWatcherGathersItsLaterRevisions) {
  Open();
  auto s = watchable_->NewStream();
  std::atomic<int> notified{0};
  s->SetNotifier([&] { ++notified; });
  const int64_t a = s->Watch(WatchRequest{.key = "k"}).value();
  const int64_t b = s->Watch(WatchRequest{.key = "k", .range_end = "l"}).value();
  for (int i = 0; i < 5; ++i) Put("k", std::to_string(i));  // revisions 2..6, nobody polls
  EXPECT_EQ(notified.load(), 1);  // only the first push found the queue empty
  auto got = s->Poll();
  ASSERT_EQ(got.size(), 2u);
  for (const auto& r : got) {
    EXPECT_TRUE(r.watch_id == a || r.watch_id == b);
    EXPECT_EQ(Revs({r}), (std::vector<int64_t>{2, 3, 4, 5, 6}));
    EXPECT_EQ(r.revision, 6);
    EXPECT_EQ(r.size_bytes, r.events.front()->field().size() * 5);
  }
  EXPECT_EQ(s->queued_bytes(), 0u);
  Put("k", "next");  // after a poll, a new response
  got = s->Poll();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(Revs(got), (std::vector<int64_t>{7, 7}));
}

TEST_F(WatchTest, ProgressNoticeEndsGatheringAndCancelKeepsTheOthersGathering) {
  Open();
  auto s = watchable_->NewStream();
  const int64_t a = s->Watch(WatchRequest{.key = "a"}).value();
  const int64_t b = s->Watch(WatchRequest{.key = "b"}).value();
  const int64_t c = s->Watch(WatchRequest{.key = "b"}).value();
  Put("a", "1");  // 2: a's response is queued first
  Put("b", "1");  // 3
  ASSERT_TRUE(s->RequestProgress(b));
  Put("b", "2");  // 4: b's events after its progress notice stay after it
  ASSERT_TRUE(s->Cancel(a).ok());  // moves the queued responses; later events still join c's
  Put("b", "3");  // 5
  // Each watcher's responses in queue order: (revisions, header revision).
  std::map<int64_t, std::vector<std::pair<std::vector<int64_t>, int64_t>>> seen;
  for (const auto& r : s->Poll()) seen[r.watch_id].emplace_back(Revs({r}), r.revision);
  using Got = std::vector<std::pair<std::vector<int64_t>, int64_t>>;
  EXPECT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[b], (Got{{{3}, 3}, {{}, 3}, {{4, 5}, 5}}));
  EXPECT_EQ(seen[c], (Got{{{3, 4, 5}, 5}}));
}

TEST_F(WatchTest, GatheredResponseStaysWithinItsByteBound) {
  WatchableStoreOptions o;
  o.response_merge_bytes_max = 200;
  Open(o);
  auto s = watchable_->NewStream();
  ASSERT_TRUE(s->Watch(WatchRequest{.key = "k"}).ok());
  for (int i = 0; i < 20; ++i) Put("k", std::string(30, 'v'));  // revisions 2..21
  auto got = s->Poll();
  EXPECT_GT(got.size(), 2u);
  for (const auto& r : got) {
    EXPECT_LE(r.size_bytes, 200u);
    EXPECT_EQ(r.revision, r.events.back()->revision());
  }
  std::vector<int64_t> want;
  for (int64_t r = 2; r <= 21; ++r) want.push_back(r);
  EXPECT_EQ(Revs(got), want);
}

TEST_F(WatchTest, NotifierFiresAgainWhenTheQueueFillsToHalfItsBound) {
  WatchableStoreOptions o;
  o.stream_queue_bytes_max = 4096;
  Open(o);
  auto s = watchable_->NewStream();
  std::atomic<int> notified{0};
  s->SetNotifier([&] { ++notified; });
  ASSERT_TRUE(s->Watch(WatchRequest{.key = "k"}).ok());
  Put("k", std::string(500, 'v'));
  EXPECT_EQ(notified.load(), 1);
  EXPECT_FALSE(s->Filling());
  while (!s->Filling()) Put("k", std::string(500, 'v'));  // bounded: 4 puts reach 2 KiB
  EXPECT_EQ(notified.load(), 2);
  Put("k", std::string(500, 'v'));
  EXPECT_EQ(notified.load(), 2);  // once per poll
  EXPECT_EQ(s->Poll().size(), 1u);
  EXPECT_FALSE(s->Filling());
}

TEST_F(WatchTest, CompactedStartRevisionReportsCompactRevisionAndEndsWatcher) {
  Open();
  for (int i = 0; i < 5; ++i) Put("a", "v");
  ASSERT_TRUE(kv_->Compact(4).ok());
  auto s = watchable_->NewStream();
  WatchRequest req;
  req.key = "a";
  req.start_revision = 2;
  const int64_t id = s->Watch(req).value();
  auto all = CollectUntil(*s, [](const auto& rs) { return !rs.empty(); });
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].watch_id, id);
  EXPECT_EQ(all[0].compact_revision, 4);
  EXPECT_TRUE(all[0].events.empty());
  EXPECT_EQ(s->Cancel(id).message(), "mvcc: watcher does not exist");
}

TEST_F(WatchTest, FiltersAndPrevKv) {
  Open();
  Put("a", "old");
  auto s = watchable_->NewStream();
  WatchRequest req;
  req.key = "a";
  req.no_put = true;
  req.prev_kv = true;
  ASSERT_TRUE(s->Watch(req).ok());
  Put("a", "new");
  ASSERT_TRUE(kv_->DeleteRange(DeleteRangeRequest{"a"}).ok());
  auto all = CollectUntil(*s, HasRevs(1));
  ASSERT_EQ(Revs(all), (std::vector<int64_t>{4}));
  const auto& ev = *all[0].events[0];
  EXPECT_EQ(ev.type(), mvccpb::Event::DELETE);
  EXPECT_EQ(ev.prev_kv().value(), "new");
}

TEST_F(WatchTest, IdsRangesCancelAndProgress) {
  Open();
  auto s = watchable_->NewStream();
  WatchRequest req;
  req.key = "a";
  req.watch_id = 7;
  ASSERT_EQ(s->Watch(req).value(), 7);
  EXPECT_EQ(s->Watch(req).status().message(), "mvcc: duplicate watch ID provided on the WatchStream");
  WatchRequest empty;
  empty.key = "b";
  empty.range_end = "a";
  EXPECT_EQ(s->Watch(empty).status().message(), "mvcc: watcher range is empty");
  Put("x", "1");
  EXPECT_TRUE(s->RequestProgress(7));
  auto progress = CollectUntil(*s, [](const auto& rs) { return !rs.empty(); });
  EXPECT_EQ(progress[0].watch_id, 7);
  EXPECT_EQ(progress[0].revision, 2);
  EXPECT_TRUE(progress[0].events.empty());
  Put("a", "1");
  ASSERT_TRUE(s->Cancel(7).ok());  // drops the queued event
  EXPECT_TRUE(s->Poll().empty());
  Put("a", "2");
  EXPECT_TRUE(s->Poll().empty());
  EXPECT_EQ(s->Rev(), 4);
}

// Many writers' revisions, several streams (one slow), compaction running: each stream
// sees every revision of its range once, in order — or, if its catch-up position was
// compacted, everything up to then followed by the compact response.
TEST_F(WatchTest, EventsCompleteAcrossVictimsCatchUpAndCompaction) {
  WatchableStoreOptions o;
  o.stream_queue_bytes_max = 512;
  Open(o);
  constexpr int kWrites = 3000;
  constexpr int kStreams = 3;
  std::vector<std::unique_ptr<WatchStream>> streams;
  for (int i = 0; i < kStreams; ++i) {
    streams.push_back(watchable_->NewStream());
    WatchRequest req;
    req.key = "k";
    req.range_end = "l";
    ASSERT_TRUE(streams.back()->Watch(req).ok());
  }
  std::atomic<bool> done{false};
  std::vector<std::vector<WatchResponse>> got(kStreams);
  std::vector<std::thread> readers;
  for (int i = 0; i < kStreams; ++i) {
    readers.emplace_back([&, i] {
      for (int spins = 0; spins < 2000000; ++spins) {
        for (auto& r : streams[i]->Poll()) got[i].push_back(std::move(r));
        const auto& g = got[i];
        if (!g.empty() && g.back().compact_revision != 0) return;
        if (done && !Revs(g).empty() && Revs(g).back() == kWrites + 1) return;
        // Readers of different speeds: stream 2 polls least often and so falls behind,
        // becoming a victim that must catch up from the backend.
        for (int y = 0; y < (i == 0 ? 1 : i == 1 ? 4 : 400); ++y) std::this_thread::yield();
      }
    });
  }
  for (int i = 0; i < kWrites; ++i) {
    Put("k" + std::to_string(i % 17), std::string(20, 'v'));
    if (i == kWrites / 2) ASSERT_TRUE(kv_->Compact(kWrites / 4).ok());
  }
  done = true;
  for (auto& t : readers) t.join();
  for (int i = 0; i < kStreams; ++i) {
    const auto revs = Revs(got[i]);
    ASSERT_FALSE(revs.empty()) << "stream " << i;
    for (size_t j = 0; j < revs.size(); ++j) ASSERT_EQ(revs[j], static_cast<int64_t>(j) + 2) << "stream " << i;
    if (got[i].back().compact_revision != 0) {
      EXPECT_GT(got[i].back().compact_revision, revs.back());
    } else {
      EXPECT_EQ(revs.back(), kWrites + 1);
    }
  }
}

}  // namespace
}  // namespace etcdpp::mvcc
