#include "backend/backend.h"

#include <gtest/gtest.h>

#include <atomic>
#include <deque>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "backend/mapped_pages.h"
#include "backend/meta.h"
#include "backend/test_backend.h"
#include "testing/temp_dir.h"
#include "testing/wait_until.h"

namespace etcdpp::backend {
namespace {

using etcdpp::testing::TempDir;
using etcdpp::testing::WaitUntil;

BackendOptions ManualCommit(const TempDir& dir) {
  BackendOptions o;
  o.path = dir.Sub("db");
  o.batch_interval_ms = 0;
  o.map_size_bytes = size_t{1} << 30;
  return o;
}

using testing_backend::OpenOrDie;

std::optional<std::string> Get(Backend& b, Bucket bucket, std::string_view key) {
  auto tx = b.BeginRead();
  EXPECT_TRUE(tx.ok());
  auto v = tx->Get(bucket, key);
  EXPECT_TRUE(v.ok());
  return *v;
}

std::map<std::string, std::string> Scan(const ReadTx& tx, Bucket bucket, std::string_view begin = "",
                                        std::string_view end = "", size_t limit = 0) {
  std::map<std::string, std::string> out;
  EXPECT_TRUE(tx.Range(bucket, begin, end, limit, [&](std::string_view k, std::string_view v) {
                  out.emplace(k, v);
                  return true;
                }).ok());
  return out;
}

TEST(Backend, AppliedWritesAreVisibleBeforeCommit) {
  TempDir dir;
  auto b = OpenOrDie(ManualCommit(dir));
  {
    BatchTx tx = b->BeginWrite();
    tx.Put(Bucket::kKey, "a", "1");
  }
  EXPECT_EQ(b->commit_count(), 0u);
  EXPECT_EQ(Get(*b, Bucket::kKey, "a"), "1");
  EXPECT_EQ(Get(*b, Bucket::kMeta, "a"), std::nullopt);
}

TEST(Backend, ReadTxIgnoresWritesAfterItBegan) {
  TempDir dir;
  auto b = OpenOrDie(ManualCommit(dir));
  { b->BeginWrite().Put(Bucket::kKey, "a", "1"); }
  auto old = b->BeginRead();
  ASSERT_TRUE(old.ok());
  {
    BatchTx tx = b->BeginWrite();
    tx.Put(Bucket::kKey, "a", "2");
    tx.Put(Bucket::kKey, "b", "2");
  }
  ASSERT_TRUE(b->ForceCommit().ok());
  { b->BeginWrite().Delete(Bucket::kKey, "a"); }
  EXPECT_EQ(*old->Get(Bucket::kKey, "a").value(), "1");
  EXPECT_EQ(Scan(*old, Bucket::kKey), (std::map<std::string, std::string>{{"a", "1"}}));
  EXPECT_EQ(Get(*b, Bucket::kKey, "a"), std::nullopt);
  EXPECT_EQ(Get(*b, Bucket::kKey, "b"), "2");
}

TEST(Backend, BatchTxReadsItsOwnWrites) {
  TempDir dir;
  auto b = OpenOrDie(ManualCommit(dir));
  BatchTx tx = b->BeginWrite();
  tx.Put(Bucket::kAuth, "x", "1");
  EXPECT_EQ(*tx.Get(Bucket::kAuth, "x").value(), "1");
  tx.Delete(Bucket::kAuth, "x");
  EXPECT_FALSE(tx.Get(Bucket::kAuth, "x").value().has_value());
}

TEST(Backend, CommitsWhenBatchIsFull) {
  TempDir dir;
  BackendOptions o = ManualCommit(dir);
  o.batch_ops_max = 10;
  auto b = OpenOrDie(o);
  for (int i = 0; i < 25; ++i) b->BeginWrite().Put(Bucket::kKey, "k" + std::to_string(i), "v");
  EXPECT_TRUE(WaitUntil([&] { return b->commit_count() >= 2; }));
}

TEST(Backend, CommitsAfterTheInterval) {
  TempDir dir;
  BackendOptions o = ManualCommit(dir);
  o.batch_interval_ms = 5;
  auto b = OpenOrDie(o);
  b->BeginWrite().Put(Bucket::kKey, "a", "1");
  EXPECT_TRUE(WaitUntil([&] { return b->commit_count() >= 1; }));
}

TEST(Backend, RangeMergesBufferedWritesWithCommittedOnes) {
  TempDir dir;
  auto b = OpenOrDie(ManualCommit(dir));
  {
    BatchTx tx = b->BeginWrite();
    for (char c = 'a'; c <= 'f'; ++c) tx.Put(Bucket::kKey, std::string(1, c), "old");
  }
  ASSERT_TRUE(b->ForceCommit().ok());
  {
    BatchTx tx = b->BeginWrite();
    tx.Delete(Bucket::kKey, "b");
    tx.Put(Bucket::kKey, "c", "new");
    tx.Put(Bucket::kKey, "cc", "new");
    tx.Delete(Bucket::kKey, "f");
  }
  auto tx = b->BeginRead();
  ASSERT_TRUE(tx.ok());
  EXPECT_EQ(Scan(*tx, Bucket::kKey),
            (std::map<std::string, std::string>{
                {"a", "old"}, {"c", "new"}, {"cc", "new"}, {"d", "old"}, {"e", "old"}}));
  EXPECT_EQ(Scan(*tx, Bucket::kKey, "b", "d"),
            (std::map<std::string, std::string>{{"c", "new"}, {"cc", "new"}}));
  EXPECT_EQ(Scan(*tx, Bucket::kKey, "a", "", 3),
            (std::map<std::string, std::string>{{"a", "old"}, {"c", "new"}, {"cc", "new"}}));
}

TEST(Backend, DataAndConsistentIndexSurviveReopen) {
  TempDir dir;
  BackendOptions o = ManualCommit(dir);
  {
    auto b = OpenOrDie(o);
    BatchTx tx = b->BeginWrite();
    tx.Put(Bucket::kMembers, "m", "1");
    WriteConsistentIndex(tx, {42, 7});
  }
  auto b = OpenOrDie(o);
  EXPECT_EQ(Get(*b, Bucket::kMembers, "m"), "1");
  auto tx = b->BeginRead();
  auto ci = ReadConsistentIndex(*tx);
  ASSERT_TRUE(ci.ok());
  EXPECT_EQ(ci->index, 42u);
  EXPECT_EQ(ci->term, 7u);
  EXPECT_EQ(Get(*b, Bucket::kMeta, kConsistentIndexKey), EncodeUint64(42));
}

TEST(Backend, SnapshotForcesCommitAndOpensAsABackend) {
  TempDir dir;
  BackendOptions o = ManualCommit(dir);
  auto b = OpenOrDie(o);
  { b->BeginWrite().Put(Bucket::kKey, "a", "1"); }
  auto snap = b->SnapshotToFile(dir.Sub("snap.db"));
  ASSERT_TRUE(snap.ok()) << snap.status().ToString();
  EXPECT_GT(snap->size_bytes, 0u);
  EXPECT_EQ(snap->sha256.size(), 32u);
  BackendOptions so = o;
  so.path = dir.Sub("snap.db");
  auto copy = OpenOrDie(so);
  EXPECT_EQ(Get(*copy, Bucket::kKey, "a"), "1");
}

TEST(Backend, HashIgnoresConsistentIndexAndMatchesAcrossReopen) {
  TempDir dir;
  BackendOptions o = ManualCommit(dir);
  uint32_t before;
  {
    auto b = OpenOrDie(o);
    BatchTx tx = b->BeginWrite();
    tx.Put(Bucket::kKey, "a", "1");
    WriteConsistentIndex(tx, {1, 1});
    tx.End();
    before = b->Hash().value();
    BatchTx tx2 = b->BeginWrite();
    tx2.Put(Bucket::kMeta, kConsistentIndexKey, EncodeUint64(99));
    tx2.End();
    EXPECT_EQ(b->Hash().value(), before);
  }
  auto b = OpenOrDie(o);
  EXPECT_EQ(b->Hash().value(), before);
  b->BeginWrite().Put(Bucket::kKey, "b", "2");
  EXPECT_NE(b->Hash().value(), before);
}

TEST(Backend, DefragKeepsDataAndReducesInUseSize) {
  TempDir dir;
  auto b = OpenOrDie(ManualCommit(dir));
  const std::string value(1000, 'x');
  for (int i = 0; i < 2000; ++i) b->BeginWrite().Put(Bucket::kKey, "k" + std::to_string(i), value);
  ASSERT_TRUE(b->ForceCommit().ok());
  const uint64_t full = b->SizeInUseBytes().value();
  for (int i = 0; i < 1990; ++i) b->BeginWrite().Delete(Bucket::kKey, "k" + std::to_string(i));
  ASSERT_TRUE(b->ForceCommit().ok());
  // Freed pages stop counting without a defrag; the file keeps its size until one.
  const uint64_t in_use = b->SizeInUseBytes().value();
  EXPECT_LT(in_use, full / 4);
  const uint64_t file_before = b->SizeBytes().value();
  ASSERT_TRUE(b->Defrag().ok());
  EXPECT_LT(b->SizeBytes().value(), file_before / 4);
  EXPECT_EQ(Get(*b, Bucket::kKey, "k1995"), value);
  EXPECT_EQ(Get(*b, Bucket::kKey, "k5"), std::nullopt);
  // Writes keep working on the new file and survive another commit.
  b->BeginWrite().Put(Bucket::kKey, "after", "1");
  ASSERT_TRUE(b->ForceCommit().ok());
  EXPECT_EQ(Get(*b, Bucket::kKey, "after"), "1");
}

// Revision keys arrive in order, batch after batch: their pages must end up nearly full,
// as in etcd's file, not half full as B-tree splits leave them.
TEST(Backend, KeysWrittenInOrderFillTheirPages) {
  TempDir dir;
  auto b = OpenOrDie(ManualCommit(dir));
  const std::string value(1000, 'x');
  auto key = [](int i) {
    std::string k = std::to_string(i);
    return std::string(8 - k.size(), '0') + k;
  };
  constexpr int kKeys = 6000;
  for (int batch = 0; batch < kKeys / 100; ++batch) {
    for (int i = batch * 100; i < (batch + 1) * 100; ++i) b->BeginWrite().Put(Bucket::kKey, key(i), value);
    ASSERT_TRUE(b->ForceCommit().ok());
  }
  const uint64_t data = uint64_t{kKeys} * (value.size() + 8);
  EXPECT_LT(b->SizeInUseBytes().value(), data * 13 / 10);
  // An older key rewritten later still lands (put normally).
  b->BeginWrite().Put(Bucket::kKey, key(5), "rewritten");
  ASSERT_TRUE(b->ForceCommit().ok());
  EXPECT_EQ(Get(*b, Bucket::kKey, key(5)), "rewritten");
  EXPECT_EQ(Get(*b, Bucket::kKey, key(kKeys - 1)), value);
}

long RssFileKb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("RssFile:", 0) == 0) return std::stol(line.substr(8));
  }
  return -1;
}

TEST(Backend, ReleasedMappedPagesLeaveTheProcessAndReadTheSameAgain) {
  TempDir dir;
  std::string value(4 << 20, '\0');
  for (size_t i = 0; i < value.size(); ++i) value[i] = static_cast<char>(i * 7 + i / 4096);
  {
    auto b = OpenOrDie(ManualCommit(dir));
    b->BeginWrite().Put(Bucket::kKey, "big", value);
    ASSERT_TRUE(b->ForceCommit().ok());
    // A buffered row lives on the heap: releasing it must leave it alone.
    b->BeginWrite().Put(Bucket::kKey, "buffered", value);
    auto tx = b->BeginRead();
    std::deque<std::string> keep;
    auto heap = tx->GetView(Bucket::kKey, "buffered", &keep);
    ASSERT_TRUE(heap.ok() && heap->has_value());
    ReleaseMappedPages(**heap);
    EXPECT_EQ(**heap, value);
  }
  auto b = OpenOrDie(ManualCommit(dir));  // reopened: "big" is read from the file's map
  auto tx = b->BeginRead();
  ASSERT_TRUE(tx.ok());
  std::deque<std::string> keep;
  auto view = tx->GetView(Bucket::kKey, "big", &keep);
  ASSERT_TRUE(view.ok() && view->has_value());
  ASSERT_EQ(**view, value);  // every page mapped
  const long mapped = RssFileKb();
  ReleaseMappedPages(**view);
  EXPECT_LT(RssFileKb(), mapped - 2048);
  EXPECT_EQ(**view, value);  // mapped again from the file
}

TEST(Backend, ReplaceWithInstallsAnotherBackendsFile) {
  TempDir dir;
  auto b = OpenOrDie(ManualCommit(dir));
  b->BeginWrite().Put(Bucket::kKey, "mine", "1");
  ASSERT_TRUE(b->ForceCommit().ok());

  BackendOptions other_opts = ManualCommit(dir);
  other_opts.path = dir.Sub("other");
  auto other = OpenOrDie(other_opts);
  other->BeginWrite().Put(Bucket::kKey, "theirs", "2");
  ASSERT_TRUE(other->SnapshotToFile(dir.Sub("received.db")).ok());
  other.reset();

  ASSERT_TRUE(b->ReplaceWith(dir.Sub("received.db")).ok());
  EXPECT_EQ(Get(*b, Bucket::kKey, "theirs"), "2");
  EXPECT_EQ(Get(*b, Bucket::kKey, "mine"), std::nullopt);
  b->BeginWrite().Put(Bucket::kKey, "after", "3");
  ASSERT_TRUE(b->ForceCommit().ok());
  b.reset();
  auto reopened = OpenOrDie(ManualCommit(dir));
  EXPECT_EQ(Get(*reopened, Bucket::kKey, "theirs"), "2");
  EXPECT_EQ(Get(*reopened, Bucket::kKey, "after"), "3");
}

TEST(Backend, ReadersNeverSeeHalfAnOperationWhileCommitsRun) {
  TempDir dir;
  BackendOptions o = ManualCommit(dir);
  o.batch_ops_max = 7;  // many commits while readers read
  auto b = OpenOrDie(o);
  std::atomic<bool> done{false};
  std::atomic<int> bad{0};
  std::atomic<int> reads{0};
  std::thread reader([&] {
    for (int i = 0; i < 200000 && !done; ++i) {
      auto tx = b->BeginRead();
      if (!tx.ok()) { ++bad; continue; }
      auto x = tx->Get(Bucket::kKey, "x").value();
      auto y = tx->Get(Bucket::kKey, "y").value();
      if (x != y) ++bad;
      ++reads;
    }
  });
  for (int i = 0; i < 1000; ++i) {
    BatchTx tx = b->BeginWrite();
    tx.Put(Bucket::kKey, "x", std::to_string(i));
    tx.Put(Bucket::kKey, "y", std::to_string(i));
  }
  done = true;
  reader.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_GT(reads.load(), 0);
  EXPECT_EQ(Get(*b, Bucket::kKey, "x"), "999");
}

// Regression: a writer waiting for the commit slot could seal the fresh empty buffer the
// committer had just swapped in, and the empty commit put buffer ids out of step.
TEST(Backend, TimerAndFullBatchSealsNeverCommitAnEmptyBatch) {
  TempDir dir;
  BackendOptions o = ManualCommit(dir);
  o.batch_interval_ms = 1;
  o.batch_ops_max = 3;
  auto b = OpenOrDie(o);
  for (int i = 0; i < 600; ++i) b->BeginWrite().Put(Bucket::kKey, std::to_string(i % 50), "v");
  ASSERT_TRUE(b->ForceCommit().ok());
  EXPECT_EQ(Get(*b, Bucket::kKey, "49"), "v");
}

TEST(Backend, BatchThatNetsToNothingStillCommits) {
  TempDir dir;
  auto b = OpenOrDie(ManualCommit(dir));
  {
    BatchTx tx = b->BeginWrite();
    tx.Put(Bucket::kLease, "l", "1");
    tx.Delete(Bucket::kLease, "l");
  }
  ASSERT_TRUE(b->ForceCommit().ok());
  b->BeginWrite().Put(Bucket::kLease, "m", "1");
  ASSERT_TRUE(b->ForceCommit().ok());
  EXPECT_EQ(Get(*b, Bucket::kLease, "m"), "1");
  EXPECT_EQ(Get(*b, Bucket::kLease, "l"), std::nullopt);
}

TEST(Backend, MapGrowsWhenFull) {
  TempDir dir;
  BackendOptions o = ManualCommit(dir);
  o.map_size_bytes = size_t{1} << 20;
  o.batch_ops_max = 100;
  auto b = OpenOrDie(o);
  const std::string value(10000, 'v');
  for (int i = 0; i < 1000; ++i) b->BeginWrite().Put(Bucket::kKey, "k" + std::to_string(i), value);
  ASSERT_TRUE(b->ForceCommit().ok());
  EXPECT_GT(b->SizeBytes().value(), uint64_t{8} << 20);
  EXPECT_EQ(Get(*b, Bucket::kKey, "k999"), value);
}

TEST(Backend, AllTenBucketsExistWithEtcdNames) {
  std::set<std::string> names;
  for (Bucket bucket : BucketsByName()) names.insert(std::string(BucketName(bucket)));
  EXPECT_EQ(names, (std::set<std::string>{"alarm", "auth", "authRoles", "authUsers", "cluster",
                                          "key", "lease", "members", "members_removed", "meta"}));
}

}  // namespace
}  // namespace etcdpp::backend
