#include "backend/bolt_file.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <map>
#include <tuple>

#include "backend/backend.h"
#include "testing/temp_dir.h"

namespace etcdpp::backend {
namespace {

using etcdpp::testing::TempDir;
using Dump = std::map<std::tuple<std::string, std::string>, std::string>;

std::unique_ptr<Backend> OpenAt(const std::string& path) {
  BackendOptions o;
  o.path = path;
  o.batch_interval_ms = 0;
  o.map_size_bytes = size_t{1} << 30;
  auto b = Backend::Open(o);
  EXPECT_TRUE(b.ok()) << b.status().ToString();
  return std::move(b).value();
}

Dump DumpBackend(Backend& b) {
  Dump out;
  auto tx = b.BeginRead();
  EXPECT_TRUE(tx.ok());
  for (Bucket bucket : BucketsByName()) {
    EXPECT_TRUE(tx->Range(bucket, "", "", 0, [&](std::string_view k, std::string_view v) {
                  out[{std::string(BucketName(bucket)), std::string(k)}] = std::string(v);
                  return true;
                }).ok());
  }
  return out;
}

// Small and large values (overflow pages), enough keys for branch levels.
void Fill(Backend& b) {
  BatchTx tx = b.BeginWrite();
  for (int i = 0; i < 3000; ++i) {
    char key[32];
    std::snprintf(key, sizeof key, "key-%06d", i);
    tx.Put(Bucket::kKey, key, std::string(i % 100 == 0 ? 9000 : 40, static_cast<char>('a' + i % 26)));
  }
  tx.Put(Bucket::kMeta, "consistent_index", std::string("\0\0\0\0\0\0\0\x07", 8));
  tx.Put(Bucket::kAlarm, "x", "");
  tx.End();
  ASSERT_TRUE(b.ForceCommit().ok());
}

TEST(BoltFile, WrittenFileReadsBackEveryBucketAndKeyInOrder) {
  TempDir dir;
  auto b = OpenAt(dir.Sub("db"));
  Fill(*b);
  const Dump want = DumpBackend(*b);
  auto tx = b->BeginRead();
  ASSERT_TRUE(tx.ok());
  auto size = WriteBoltFile(*tx, dir.Sub("snap.db"));
  tx->End();
  ASSERT_TRUE(size.ok()) << size.status().ToString();
  EXPECT_EQ(*size % 4096, 0u);
  EXPECT_TRUE(IsBoltFile(dir.Sub("snap.db")));
  EXPECT_FALSE(IsBoltFile(dir.Sub("db")));

  Dump got;
  std::string last_bucket, last_key;
  ASSERT_TRUE(ReadBoltFile(dir.Sub("snap.db"), [&](std::string_view bucket, std::string_view k, std::string_view v) {
                if (bucket == last_bucket) EXPECT_LT(last_key, std::string(k));
                EXPECT_LE(last_bucket, std::string(bucket));
                last_bucket = bucket;
                last_key = k;
                got[{std::string(bucket), std::string(k)}] = std::string(v);
                return Status();
              }).ok());
  EXPECT_EQ(got, want);
}

TEST(BoltFile, ConvertReplacesTheBoltFileWithABackendOfTheSameContent) {
  TempDir dir;
  Dump want;
  {
    auto b = OpenAt(dir.Sub("src"));
    Fill(*b);
    want = DumpBackend(*b);
    auto tx = b->BeginRead();
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE(WriteBoltFile(*tx, dir.Sub("db")).ok());
  }
  ASSERT_TRUE(ConvertBoltToBackend(dir.Sub("db")).ok());
  EXPECT_FALSE(IsBoltFile(dir.Sub("db")));
  auto b = OpenAt(dir.Sub("db"));
  EXPECT_EQ(DumpBackend(*b), want);
}

TEST(BoltFile, TruncatedFileIsRefused) {
  TempDir dir;
  {
    auto b = OpenAt(dir.Sub("src"));
    Fill(*b);
    auto tx = b->BeginRead();
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE(WriteBoltFile(*tx, dir.Sub("snap.db")).ok());
  }
  ASSERT_EQ(::truncate(dir.Sub("snap.db").c_str(), 3 * 4096), 0);
  Status s = ReadBoltFile(dir.Sub("snap.db"), [](auto, auto, auto) { return Status(); });
  EXPECT_FALSE(s.ok());
}

}  // namespace
}  // namespace etcdpp::backend
