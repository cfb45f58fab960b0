// A watch session over a real store whose client stops reading: the store's queue stays
// within its bound, nothing is taken from it while the client is blocked, and once the
// client reads again every event arrives once, in order.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>

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

TEST(WatchBackpressure, BlockedClientKeepsStoreQueueBoundedThenGetsEveryEventOnce) {
  testing::TempDir dir;
  backend::BackendOptions bo;
  bo.path = dir.Sub("db");
  bo.map_size_bytes = size_t{1} << 30;
  auto backend = std::move(backend::Backend::Open(bo)).value();
  auto kv = std::move(mvcc::KvStore::Open(backend.get(), nullptr)).value();
  mvcc::WatchableStoreOptions so;
  so.stream_queue_bytes_max = 64 * 1024;
  so.sync_interval_ms = 10;
  mvcc::WatchableStore store(kv.get(), so);

  auto stream = store.NewStream();
  mvcc::WatchStream* store_side = stream.get();  // owned by the session below
  auto client_owned = std::make_unique<TestClient>();
  TestClient* client = client_owned.get();
  WatchSession session([](etcdserverpb::ResponseHeader* h) { h->set_cluster_id(1); }, std::move(stream),
                       std::move(client_owned), size_t{2} << 20);
  etcdserverpb::WatchRequest create;
  create.mutable_create_request()->set_key("k/");
  create.mutable_create_request()->set_range_end("k0");
  session.Handle(create);
  ASSERT_EQ(client->got().size(), 1u);
  EXPECT_TRUE(client->got()[0].created());

  client->set_blocked(true);
  const int kPuts = 300;  // 300 kB of values, several times the store's queue bound
  for (int i = 0; i < kPuts; ++i) {
    ASSERT_TRUE(kv->Put(mvcc::PutRequest{"k/" + std::to_string(i % 7), std::string(1000, 'v')}).ok());
    EXPECT_EQ(session.Flush(), WatchSession::FlushResult::kBlocked);
    EXPECT_LE(store_side->queued_bytes(), so.stream_queue_bytes_max + 2000);
  }
  EXPECT_EQ(client->got().size(), 1u);  // nothing taken while blocked
  EXPECT_EQ(store.unsynced_count(), 1u);  // the watcher fell behind and will catch up

  client->set_blocked(false);
  ASSERT_TRUE(testing::WaitUntil([&] {
    session.Flush();
    return EventRevs(client->got()).size() >= kPuts;
  }));
  std::vector<int64_t> expected;
  for (int i = 0; i < kPuts; ++i) expected.push_back(i + 2);
  EXPECT_EQ(EventRevs(client->got()), expected);
  EXPECT_EQ(client->got().back().header().cluster_id(), 1u);
  session.Close();
}

}  // namespace
}  // namespace etcdpp::api
