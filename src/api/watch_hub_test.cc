// Watch sessions over a real store, flushed by hand and by the hub: a client that stops
// reading, and progress notifications.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>

#include "api/watch_encoding.h"
#include "api/watch_hub.h"
#include "api/watch_session.h"
#include "backend/backend.h"
#include "mvcc/kv_store.h"
#include "mvcc/watchable_store.h"
#include "testing/temp_dir.h"
#include "testing/wait_until.h"

namespace etcdpp::api {
namespace {

// A client that can stop reading: while blocked it takes nothing.
class TestClient final : public WatchSink {
 public:
  bool Send(const etcdserverpb::WatchResponse& response) override {
    std::lock_guard lock(mu_);
    got_.push_back(response);
    return true;
  }
  // Goes through the gRPC sink's encoding, and back.
  bool SendEvents(const etcdserverpb::WatchResponse& head, std::span<const mvcc::WatchEventPtr> events) override {
    etcdserverpb::WatchResponse response;
    EXPECT_TRUE(response.ParseFromString(EncodeWatchResponse(head, events)));
    return Send(response);
  }
  bool Blocked() override { return blocked_.load(); }
  void set_blocked(bool b) { blocked_ = b; }
  std::vector<etcdserverpb::WatchResponse> got() {
    std::lock_guard lock(mu_);
    return got_;
  }

 private:
  std::atomic<bool> blocked_{false};
  std::mutex mu_;  // guards got_
  std::vector<etcdserverpb::WatchResponse> got_;
};

std::vector<int64_t> EventRevs(const std::vector<etcdserverpb::WatchResponse>& rs) {
  std::vector<int64_t> out;
  for (const auto& r : rs)
    for (const auto& ev : r.events()) out.push_back(ev.kv().mod_revision());
  return out;
}

class WatchStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    backend::BackendOptions bo;
    bo.path = dir_.Sub("db");
    bo.map_size_bytes = size_t{1} << 30;
    backend_ = std::move(backend::Backend::Open(bo)).value();
    kv_ = std::move(mvcc::KvStore::Open(backend_.get(), nullptr)).value();
    mvcc::WatchableStoreOptions so;
    so.stream_queue_bytes_max = kQueueBytes;
    so.sync_interval_ms = 10;
    store_ = std::make_unique<mvcc::WatchableStore>(kv_.get(), so);
  }
  void TearDown() override {
    store_.reset();
    kv_.reset();
    backend_.reset();
  }
  // A session over a new stream of the store; `client` stays owned by the session.
  std::shared_ptr<WatchSession> NewSession(TestClient** client, mvcc::WatchStream** store_side = nullptr,
                                          size_t fragment_bytes = size_t{2} << 20, WatchCoalescing coalescing = {}) {
    auto stream = store_->NewStream();
    if (store_side) *store_side = stream.get();
    auto owned = std::make_unique<TestClient>();
    *client = owned.get();
    return std::make_shared<WatchSession>([](etcdserverpb::ResponseHeader* h) { h->set_cluster_id(1); },
                                          std::move(stream), std::move(owned), fragment_bytes, coalescing);
  }
  static etcdserverpb::WatchRequest CreatePrefix(const std::string& prefix, bool progress_notify = false) {
    etcdserverpb::WatchRequest create;
    create.mutable_create_request()->set_key(prefix);
    std::string end = prefix;
    end.back()++;
    create.mutable_create_request()->set_range_end(end);
    create.mutable_create_request()->set_progress_notify(progress_notify);
    return create;
  }

  static constexpr size_t kQueueBytes = 64 * 1024;
  testing::TempDir dir_;
  std::unique_ptr<backend::Backend> backend_;
  std::unique_ptr<mvcc::KvStore> kv_;
  std::unique_ptr<mvcc::WatchableStore> store_;
};

TEST_F(WatchStoreTest, BlockedClientKeepsStoreQueueBoundedThenGetsEveryEventOnce) {
  TestClient* client;
  mvcc::WatchStream* store_side;
  auto session = NewSession(&client, &store_side);
  session->Handle(CreatePrefix("k/"));
  ASSERT_EQ(client->got().size(), 1u);
  EXPECT_TRUE(client->got()[0].created());

  client->set_blocked(true);
  const int kPuts = 300;  // 300 kB of values, several times the store's queue bound
  for (int i = 0; i < kPuts; ++i) {
    ASSERT_TRUE(kv_->Put(mvcc::PutRequest{"k/" + std::to_string(i % 7), std::string(1000, 'v')}).ok());
    EXPECT_EQ(session->Flush(), WatchSession::FlushResult::kBlocked);
    EXPECT_LE(store_side->queued_bytes(), kQueueBytes + 2000);
  }
  EXPECT_EQ(client->got().size(), 1u);  // nothing taken while blocked
  EXPECT_EQ(store_->unsynced_count(), 1u);  // the watcher fell behind and will catch up

  client->set_blocked(false);
  ASSERT_TRUE(testing::WaitUntil([&] {
    session->Flush();
    return EventRevs(client->got()).size() >= kPuts;
  }));
  std::vector<int64_t> expected;
  for (int i = 0; i < kPuts; ++i) expected.push_back(i + 2);
  EXPECT_EQ(EventRevs(client->got()), expected);
  EXPECT_EQ(client->got().back().header().cluster_id(), 1u);
  session->Close();
}

// Two sessions share the store's encoded events; one asks for prev_kv and fragments.
TEST_F(WatchStoreTest, CatchUpWithPrevKvIsCutIntoFragmentsThatRejoinToTheWholeResponse) {
  for (int i = 0; i < 10; ++i) {  // revisions 2..11, each key written twice
    ASSERT_TRUE(kv_->Put(mvcc::PutRequest{"f/" + std::to_string(i % 5), std::string(100 + i, 'a' + i)}).ok());
  }
  auto create = CreatePrefix("f/");
  create.mutable_create_request()->set_start_revision(2);  // one catch-up response of 10 events
  TestClient* plain;
  auto s1 = NewSession(&plain);
  s1->Handle(create);
  TestClient* cut;
  const size_t kLimit = 600;
  auto s2 = NewSession(&cut, nullptr, kLimit);
  create.mutable_create_request()->set_prev_kv(true);
  create.mutable_create_request()->set_fragment(true);
  s2->Handle(create);
  ASSERT_TRUE(testing::WaitUntil([&] {
    s1->Flush();
    s2->Flush();
    return EventRevs(plain->got()).size() >= 10 && EventRevs(cut->got()).size() >= 10;
  }));
  const auto whole = plain->got();
  ASSERT_EQ(whole.size(), 2u);  // created, then every event at once
  EXPECT_EQ(whole[1].events_size(), 10);
  EXPECT_FALSE(whole[1].fragment());

  const auto pieces = cut->got();
  ASSERT_GT(pieces.size(), 3u);  // created, then several fragments
  etcdserverpb::WatchResponse joined = pieces[1];
  joined.clear_events();
  for (size_t p = 1; p < pieces.size(); ++p) {
    EXPECT_EQ(pieces[p].fragment(), p + 1 < pieces.size());
    if (pieces[p].events_size() > 1) EXPECT_LT(pieces[p].ByteSizeLong(), kLimit);
    for (const auto& ev : pieces[p].events()) *joined.add_events() = ev;
  }
  joined.set_fragment(false);
  for (int i = 0; i < 10; ++i) {
    const auto& ev = joined.events(i);
    EXPECT_EQ(ev.kv().SerializeAsString(), whole[1].events(i).kv().SerializeAsString());
    EXPECT_FALSE(whole[1].events(i).has_prev_kv());
    if (i < 5) {
      EXPECT_FALSE(ev.has_prev_kv());  // first write of the key
    } else {
      EXPECT_EQ(ev.prev_kv().value(), std::string(100 + i - 5, 'a' + i - 5));
    }
  }
}

// After a poll of many responses that had gathered several revisions, the session leaves
// the store's queue alone, so that each watcher's next revisions gather into one
// response, until the hold ends or the queue fills to half its bound. A poll of few
// responses, or of one revision each, holds nothing.
TEST_F(WatchStoreTest, BusyPollHoldsTheNextUntilTheQueueFillsAndEventsGatherPerWatcher) {
  TestClient* client;
  mvcc::WatchStream* store_side;
  auto session = NewSession(&client, &store_side, size_t{2} << 20,
                            WatchCoalescing{.interval = std::chrono::hours(1), .min_responses = 3});
  for (int i = 0; i < 3; ++i) session->Handle(CreatePrefix("h/"));
  ASSERT_TRUE(kv_->Put(mvcc::PutRequest{"h/a", "1"}).ok());  // revision 2
  EXPECT_EQ(session->Flush(), WatchSession::FlushResult::kIdle);  // one revision each: kept pace
  ASSERT_TRUE(kv_->Put(mvcc::PutRequest{"h/a", "2"}).ok());
  ASSERT_TRUE(kv_->Put(mvcc::PutRequest{"h/a", "3"}).ok());
  // Sent, and as revisions came faster than polls, the next poll is held.
  EXPECT_EQ(session->Flush(), WatchSession::FlushResult::kHeld);
  EXPECT_EQ(client->got().size(), 3u + 3u + 3u);  // created x3, then two event responses each
  EXPECT_EQ(client->got().back().events_size(), 2);

  const std::string value(1000, 'v');
  int64_t rev = 4;
  for (int i = 0; i < 3; ++i) {
    rev = kv_->Put(mvcc::PutRequest{"h/a", value})->revision;
    EXPECT_EQ(session->Flush(), WatchSession::FlushResult::kHeld);
  }
  EXPECT_EQ(client->got().size(), 9u);
  while (!store_side->Filling()) rev = kv_->Put(mvcc::PutRequest{"h/a", value})->revision;  // ~11 puts
  EXPECT_EQ(session->Flush(), WatchSession::FlushResult::kHeld);
  const auto got = client->got();
  ASSERT_EQ(got.size(), 9u + 3u);  // one more response per watcher, every revision in it
  std::vector<int64_t> want;
  for (int64_t r = 5; r <= rev; ++r) want.push_back(r);
  for (size_t i = 9; i < got.size(); ++i) {
    EXPECT_EQ(EventRevs({got[i]}), want);
    EXPECT_EQ(got[i].header().revision(), rev);
  }
  session->Close();

  TestClient* quiet;
  auto few = NewSession(&quiet, nullptr, size_t{2} << 20,
                        WatchCoalescing{.interval = std::chrono::hours(1), .min_responses = 3});
  few->Handle(CreatePrefix("q/"));
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(kv_->Put(mvcc::PutRequest{"q/a", "1"}).ok());
    ASSERT_TRUE(kv_->Put(mvcc::PutRequest{"q/a", "2"}).ok());
    EXPECT_EQ(few->Flush(), WatchSession::FlushResult::kIdle);
    EXPECT_EQ(quiet->got().size(), 2u + i);
  }
}

TEST_F(WatchStoreTest, HubFlushesAHeldSessionWhenItsHoldEnds) {
  WatchHub hub(WatchHubOptions{});
  TestClient* client;
  auto session = NewSession(&client, nullptr, size_t{2} << 20,
                            WatchCoalescing{.interval = std::chrono::milliseconds(30), .min_responses = 1});
  const uint64_t id = hub.Add(session);
  ASSERT_NE(id, 0u);
  session->SetNotifier([&hub, id] { hub.Wake(id); });
  session->Handle(CreatePrefix("w/"));
  // Revisions faster than polls: a poll that finds several in a response holds the next,
  // and what came meanwhile is delivered only when the hub ends the hold.
  std::vector<int64_t> want;
  for (int i = 0; i < 50; ++i) want.push_back(kv_->Put(mvcc::PutRequest{"w/a", std::to_string(i)})->revision);
  ASSERT_TRUE(testing::WaitUntil([&] { return EventRevs(client->got()).size() >= want.size(); }));
  EXPECT_EQ(EventRevs(client->got()), want);
  hub.Stop();
}

TEST_F(WatchStoreTest, HubDeliversEventsAndProgressOnlyToQuietWatchersThatAskedForIt) {
  WatchHubOptions options;
  options.progress_interval = std::chrono::milliseconds(20);
  options.seed = 7;
  WatchHub hub(options);
  TestClient* asked;
  TestClient* silent;
  auto s1 = NewSession(&asked);
  auto s2 = NewSession(&silent);
  for (auto& [s, progress] : {std::pair{s1, true}, std::pair{s2, false}}) {
    const uint64_t id = hub.Add(s);
    ASSERT_NE(id, 0u);
    s->SetNotifier([&hub, id] { hub.Wake(id); });
    s->Handle(CreatePrefix("p/", progress));
  }
  ASSERT_TRUE(kv_->Put(mvcc::PutRequest{"p/a", "1"}).ok());
  auto progress_count = [](TestClient* c) {
    int n = 0;
    for (const auto& r : c->got()) n += !r.created() && r.events_size() == 0;
    return n;
  };
  ASSERT_TRUE(testing::WaitUntil([&] { return EventRevs(silent->got()).size() == 1 && progress_count(asked) >= 2; }));
  EXPECT_EQ(EventRevs(asked->got()), (std::vector<int64_t>{2}));
  EXPECT_EQ(progress_count(silent), 0);
  for (const auto& r : asked->got()) {
    if (!r.created() && r.events_size() == 0) EXPECT_EQ(r.header().revision(), 2);
  }
  hub.Stop();
  EXPECT_EQ(hub.session_count(), 0u);
}

}  // namespace
}  // namespace etcdpp::api
