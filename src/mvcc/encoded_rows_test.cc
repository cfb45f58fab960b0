#include "mvcc/encoded_rows.h"

#include <gtest/gtest.h>

#include <atomic>

#include "mvcc/kv_store.h"
#include "testing/temp_dir.h"
#include "testing/wait_until.h"

namespace etcdpp::mvcc {
namespace {

struct Store {
  testing::TempDir dir;
  std::unique_ptr<backend::Backend> backend;
  std::unique_ptr<KvStore> kv;

  Store() {
    backend::BackendOptions o;
    o.path = dir.Sub("db");
    o.map_size_bytes = size_t{1} << 30;
    backend = std::move(backend::Backend::Open(o)).value();
    kv = std::move(KvStore::Open(backend.get(), nullptr)).value();
  }
};

RangeRequest Prefix(bool stream) {
  RangeRequest req;
  req.key = "k";
  req.range_end = "l";
  req.encode = true;
  req.stream = stream;
  return req;
}

TEST(EncodedRows, StreamsTheSameBytesAsTheWholeAnswerEvenAfterOverwriteAndCompaction) {
  Store s;
  for (int i = 0; i < 40; ++i) {
    const std::string value(i % 3 == 0 ? 300000 : 1000, static_cast<char>('a' + i % 26));
    ASSERT_TRUE(s.kv->Put(PutRequest{"k" + std::to_string(100 + i), value, 0}).ok());
  }
  RangeResponse whole = s.kv->Range(Prefix(false)).value();
  RangeResponse streamed = s.kv->Range(Prefix(true)).value();
  ASSERT_NE(streamed.encoded_rows, nullptr);
  EXPECT_TRUE(streamed.encoded_kvs.empty());
  EXPECT_EQ(streamed.count, 40);
  EXPECT_EQ(streamed.encoded_rows->size_bytes(), whole.encoded_kvs.size());

  // Every row overwritten and compacted away while the answer is being sent: the
  // compactor waits for it, so its rows are all still there.
  for (int i = 0; i < 40; ++i) ASSERT_TRUE(s.kv->Put(PutRequest{"k" + std::to_string(100 + i), "new", 0}).ok());
  const int64_t rev = s.kv->Rev();
  ASSERT_TRUE(s.kv->Compact(rev).ok());
  std::atomic<bool> compacted{false};
  s.kv->OnCompacted(rev, [&] { compacted = true; });

  std::string bytes;
  int chunks = 0;
  for (bool more = true; more && chunks < 1000; ++chunks) {
    const size_t before = bytes.size();
    more = streamed.encoded_rows->Next(&bytes, 64 << 10).value();
    EXPECT_GT(bytes.size(), before);  // at least one row per call
  }
  EXPECT_GT(chunks, 5);
  EXPECT_EQ(bytes, whole.encoded_kvs);
  EXPECT_FALSE(streamed.encoded_rows->Next(&bytes, 64 << 10).value());
  EXPECT_FALSE(compacted.load());

  streamed.encoded_rows.reset();  // sent: the compaction goes on
  EXPECT_TRUE(testing::WaitUntil([&] { return compacted.load(); }));
}

TEST(EncodedRows, ASmallRangeOrOneThatNeedsItsValuesDecodedIsNotStreamed) {
  Store s;
  ASSERT_TRUE(s.kv->Put(PutRequest{"k0", "small", 0}).ok());
  RangeRequest small = Prefix(true);
  small.range_end = "k1";
  RangeResponse whole = s.kv->Range(small).value();
  EXPECT_EQ(whole.encoded_rows, nullptr);
  EXPECT_FALSE(whole.encoded_kvs.empty());

  ASSERT_TRUE(s.kv->Put(PutRequest{"k1", std::string(300000, 'v'), 0}).ok());
  ASSERT_NE(s.kv->Range(Prefix(true)).value().encoded_rows, nullptr);
  RangeRequest sorted = Prefix(true);
  sorted.sort_target = SortTarget::kValue;
  RangeResponse r = s.kv->Range(sorted).value();
  EXPECT_EQ(r.encoded_rows, nullptr);
  ASSERT_EQ(r.kvs.size(), 2u);
  RangeRequest keys_only = Prefix(true);
  keys_only.keys_only = true;
  EXPECT_EQ(s.kv->Range(keys_only).value().encoded_rows, nullptr);
}

TEST(RowPins, TheWaitForAPinIsBounded) {
  RowPins pins;
  RowPins::Pin pin = pins.Add(5);
  EXPECT_TRUE(pins.WaitNoneBelow(5, std::chrono::milliseconds(0)));  // not below: no wait
  EXPECT_TRUE(pins.WaitNoneBelow(6, std::chrono::milliseconds(20)));  // gives up waiting
  pins.Remove(pin);
  pins.Stop();
  EXPECT_FALSE(pins.WaitNoneBelow(6, std::chrono::hours(1)));
}

TEST(EncodedRows, ARowGoneFromTheBackendFailsInsteadOfSendingLess) {
  Store s;
  ASSERT_TRUE(s.kv->Put(PutRequest{"k1", "v", 0}).ok());
  auto pins = std::make_shared<RowPins>();
  EncodedRows rows(s.backend.get(), pins, 2, {Revision{99, 0}}, 10);
  std::string out;
  EXPECT_FALSE(rows.Next(&out, 1024).ok());
}

}  // namespace
}  // namespace etcdpp::mvcc
