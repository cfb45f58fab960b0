// ReadTx::ReleaseMappedPages: pages a scan brought into the RSS through the memory map
// leave it, and the data reads the same afterwards.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "backend/test_backend.h"
#include "testing/temp_dir.h"

namespace etcdpp::backend {
namespace {

constexpr int kValues = 48;
constexpr size_t kValueBytes = 1 << 20;

// This process's resident file-backed memory, from /proc/self/status.
uint64_t RssFileKb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("RssFile:", 0) == 0) return std::stoull(line.substr(8));
  }
  return 0;
}

// Reads every byte of every value through the map; returns a checksum of them.
uint64_t ReadAll(const ReadTx& tx) {
  uint64_t sum = 0;
  EXPECT_TRUE(tx.Range(Bucket::kKey, "", "", 0, [&](std::string_view, std::string_view v) {
                  for (char c : v) sum = sum * 31 + static_cast<unsigned char>(c);
                  return true;
                }).ok());
  return sum;
}

TEST(ReadTx, ReleaseMappedPagesDropsScannedPagesFromTheRss) {
  etcdpp::testing::TempDir dir;
  BackendOptions o;
  o.path = dir.Sub("db");
  o.batch_interval_ms = 0;
  o.map_size_bytes = size_t{1} << 30;
  auto b = testing_backend::OpenOrDie(o);
  {
    BatchTx tx = b->BeginWrite();
    for (int i = 0; i < kValues; ++i) {
      tx.Put(Bucket::kKey, "k" + std::to_string(100 + i), std::string(kValueBytes, static_cast<char>('a' + i % 26)));
    }
  }
  ASSERT_TRUE(b->ForceCommit().ok());
  auto tx = b->BeginRead();
  ASSERT_TRUE(tx.ok());
  const uint64_t sum = ReadAll(*tx);
  const uint64_t scanned_kb = RssFileKb();
  tx->ReleaseMappedPages();
  const uint64_t released_kb = RssFileKb();
  // Most of the values' pages left (some may be mapped by other files' readers).
  EXPECT_GT(scanned_kb, released_kb + kValues * kValueBytes / 1024 / 2)
      << "scanned " << scanned_kb << " KiB, released " << released_kb << " KiB";
  EXPECT_EQ(ReadAll(*tx), sum);
}

}  // namespace
}  // namespace etcdpp::backend
