// Crash and corruption behaviour of the WAL, driven through testing::FaultyFileSystem.
#include <gtest/gtest.h>

#include <random>

#include "base/file_system.h"
#include "testing/faulty_file_system.h"
#include "testing/temp_dir.h"
#include "wal/record_codec.h"
#include "wal/segment_name.h"
#include "wal/wal.h"
#include "wal/wal_dir.h"
#include "wal/wal_test_util.h"

namespace etcdpp::wal {
namespace {

using test::Indexes;
using test::MakeEntries;
using test::MakeState;

std::vector<uint64_t> Range(uint64_t first, uint64_t last) {
  std::vector<uint64_t> out;
  for (uint64_t i = first; i <= last; ++i) out.push_back(i);
  return out;
}

TEST(WalCrash, TornLastRecordAtEveryByteRecoversEveryCompleteRecord) {
  testing::TempDir tmp;
  testing::FaultyFileSystem fs;
  const std::string dir = tmp.Sub("wal");
  WalOptions opts;
  opts.segment_size_bytes = 64 * 1024;
  {
    auto w = Wal::Create(&fs, dir, "meta", opts);
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Save(MakeState(1, 1, 3), MakeEntries(1, 1, 3)).ok());
    ASSERT_TRUE((*w)->Close().ok());
  }
  // The record under test spans several 512-byte sectors, then a hard state record.
  const auto last = MakeEntries(1, 4, 1, 1500);
  std::string frame;
  Encoder().Append(RecordType::kEntry, last[0].SerializeAsString(), &frame);
  uint64_t expect_last = 3;
  uint64_t unsynced = 0;
  for (uint64_t keep = 0;; ++keep) {
    auto w = Wal::Open(&fs, dir, {}, opts);
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    auto c = (*w)->ReadAll();
    ASSERT_TRUE(c.ok()) << "keep=" << keep << ": " << c.status().ToString();
    ASSERT_EQ(Indexes(c->entries), Range(1, expect_last)) << "keep=" << keep - 1;
    if (keep > 0 && keep > unsynced) {
      EXPECT_EQ(c->state.commit(), 4u) << "whole batch kept";
      break;
    }
    ASSERT_EQ(c->state.commit(), 3u);
    fs.SetFailSyncs(true);
    EXPECT_FALSE((*w)->Save(MakeState(1, 1, 4), last).ok());
    fs.SetFailSyncs(false);
    unsynced = fs.UnsyncedBytes();
    ASSERT_GT(unsynced, frame.size());
    fs.Crash(keep);
    expect_last = keep >= frame.size() ? 4 : 3;
  }
  EXPECT_GT(unsynced, 0u);
}

TEST(WalCrash, TornTailIsAnErrorWhenRepairIsOff) {
  testing::TempDir tmp;
  testing::FaultyFileSystem fs;
  const std::string dir = tmp.Sub("wal");
  WalOptions opts;
  opts.segment_size_bytes = 64 * 1024;
  auto w = Wal::Create(&fs, dir, "meta", opts);
  ASSERT_TRUE((*w)->Save(MakeState(1, 1, 1), MakeEntries(1, 1, 1)).ok());
  fs.SetFailSyncs(true);
  EXPECT_FALSE((*w)->Save(MakeState(1, 1, 1), MakeEntries(1, 2, 1, 900)).ok());
  fs.SetFailSyncs(false);
  fs.Crash(100);
  opts.repair_torn_tail = false;
  auto strict = Wal::Open(&fs, dir, {}, opts);
  auto c = (*strict)->ReadAll();
  EXPECT_EQ(c.status().code(), StatusCode::kOutOfRange);
  EXPECT_NE(c.status().message().find("wal: unexpected EOF"), std::string::npos);
  strict->reset();
  ASSERT_TRUE(Repair(fs, dir).ok());
  opts.repair_torn_tail = false;
  auto after = Wal::Open(&fs, dir, {}, opts);
  auto again = (*after)->ReadAll();
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(Indexes(again->entries), Range(1, 1));
  EXPECT_TRUE(fs.Exists(base::JoinPath(dir, FormatSegmentName(0, 0) + ".broken")));
}

TEST(WalCrash, DroppingUnsyncedBytesNeverLosesASyncedRecord) {
  testing::TempDir tmp;
  testing::FaultyFileSystem fs;
  const std::string dir = tmp.Sub("wal");
  WalOptions opts;
  opts.segment_size_bytes = 8 * 1024;  // many cuts
  ASSERT_TRUE(Wal::Create(&fs, dir, "meta", opts).ok());
  std::mt19937_64 rng(42);
  uint64_t durable = 0;  // entries whose Save returned OK
  for (int round = 0; round < 40; ++round) {
    auto w = Wal::Open(&fs, dir, {}, opts);
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    auto c = (*w)->ReadAll();
    ASSERT_TRUE(c.ok()) << "round " << round << ": " << c.status().ToString();
    ASSERT_GE(c->entries.size(), durable) << "round " << round;
    ASSERT_EQ(Indexes(c->entries), Range(1, c->entries.size()));
    uint64_t next = c->entries.size() + 1;
    durable = c->entries.size();
    const int batches = static_cast<int>(rng() % 6);
    for (int b = 0; b < batches; ++b) {
      const uint64_t n = 1 + rng() % 5;
      ASSERT_TRUE((*w)->Save(MakeState(1, 1, next - 1), MakeEntries(1, next, n, 50 + rng() % 700)).ok());
      next += n;
      durable = next - 1;
    }
    // A last batch whose sync fails, then power loss with a random part of it on disk.
    fs.SetFailSyncs(true);
    (*w)->Save(MakeState(1, 1, next - 1), MakeEntries(1, next, 1 + rng() % 3, 300)).IgnoreError();
    fs.SetFailSyncs(false);
    const uint64_t unsynced = fs.UnsyncedBytes();
    fs.Crash(unsynced == 0 ? 0 : rng() % unsynced);
  }
  auto names = ListSegments(fs, dir);
  EXPECT_GT(names->size(), 2u);
}

TEST(WalCrash, CreateIsAllOrNothing) {
  testing::TempDir tmp;
  testing::FaultyFileSystem fs;
  const std::string dir = tmp.Sub("wal");
  fs.SetFailSyncs(true);
  EXPECT_FALSE(Wal::Create(&fs, dir, "meta").ok());
  fs.SetFailSyncs(false);
  fs.Crash();
  EXPECT_FALSE(Exist(fs, dir)) << "a half-built WAL never appears under its name";
  {
    auto w = Wal::Create(&fs, dir, "meta");
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    ASSERT_TRUE((*w)->Save(MakeState(1, 1, 1), MakeEntries(1, 1, 1)).ok());
  }
  fs.Crash();
  ASSERT_TRUE(Exist(fs, dir));
  auto w = Wal::Open(&fs, dir, {});
  auto c = (*w)->ReadAll();
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(Indexes(c->entries), Range(1, 1));
  EXPECT_EQ(c->metadata, "meta");
}

// Offsets just past each record of a single-segment WAL.
std::vector<uint64_t> RecordEnds(base::FileSystem& fs, const std::string& path) {
  auto f = fs.Open(path, base::OpenMode::kRead);
  Decoder d({{"seg", f->get()}});
  std::vector<uint64_t> ends;
  Record rec;
  while (*d.Next(&rec)) ends.push_back(d.last_valid_offset());
  return ends;
}

void FlipByte(base::FileSystem& fs, const std::string& path, uint64_t offset) {
  auto f = fs.Open(path, base::OpenMode::kReadWrite);
  char c;
  ASSERT_EQ(*(*f)->ReadAt(offset, 1, &c), 1u);
  c ^= 0x20;
  ASSERT_TRUE((*f)->WriteAt(offset, std::string_view(&c, 1)).ok());
}

TEST(WalCorruption, FlippedByteMidSegmentIsReportedWithSegmentAndOffset) {
  testing::TempDir tmp;
  base::PosixFileSystem fs;
  const std::string dir = tmp.Sub("wal");
  WalOptions opts;
  opts.segment_size_bytes = 1 << 20;
  auto w = Wal::Create(&fs, dir, "meta", opts);
  for (uint64_t i = 1; i <= 10; ++i) ASSERT_TRUE((*w)->Save(MakeState(1, 1, i), MakeEntries(1, i, 1, 100)).ok());
  ASSERT_TRUE((*w)->Close().ok());
  const std::string seg = FormatSegmentName(0, 0);
  const std::string path = base::JoinPath(dir, seg);
  const auto ends = RecordEnds(fs, path);
  ASSERT_GT(ends.size(), 12u);
  const uint64_t record_start = ends[10];
  FlipByte(fs, path, record_start + 40);

  auto opened = Wal::Open(&fs, dir, {}, opts);
  auto c = (*opened)->ReadAll();
  ASSERT_EQ(c.status().code(), StatusCode::kCorruption);
  EXPECT_EQ(c.status().message(), "wal: crc mismatch (segment " + seg + ", offset " +
                                      std::to_string(record_start) + ")");
  opened->reset();
  EXPECT_EQ(Repair(fs, dir).code(), StatusCode::kCorruption) << "repair never skips corruption";
  EXPECT_EQ(Verify(fs, dir, {}).code(), StatusCode::kCorruption);
}

TEST(WalCorruption, DamageInAnOlderSegmentIsCorruptionNotATornTail) {
  testing::TempDir tmp;
  base::PosixFileSystem fs;
  const std::string dir = tmp.Sub("wal");
  WalOptions opts;
  opts.segment_size_bytes = 4096;
  auto w = Wal::Create(&fs, dir, "meta", opts);
  for (uint64_t i = 1; i <= 40; ++i) ASSERT_TRUE((*w)->Save(MakeState(1, 1, i), MakeEntries(1, i, 1, 300)).ok());
  ASSERT_TRUE((*w)->Close().ok());
  auto names = ListSegments(fs, dir);
  ASSERT_GT(names->size(), 2u);
  const std::string path = base::JoinPath(dir, (*names)[0].name);
  const auto ends = RecordEnds(fs, path);
  // Zero a whole sector inside the last record of the first segment: a torn-looking hole
  // that is not at the end of the log.
  auto f = fs.Open(path, base::OpenMode::kReadWrite);
  const uint64_t at = ends[ends.size() - 2] + 8;
  ASSERT_TRUE((*f)->WriteAt(at, std::string(300, '\0')).ok());
  auto opened = Wal::Open(&fs, dir, {}, opts);
  auto c = (*opened)->ReadAll();
  EXPECT_EQ(c.status().code(), StatusCode::kCorruption) << c.status().ToString();
  EXPECT_NE(c.status().message().find((*names)[0].name), std::string::npos);
}

}  // namespace
}  // namespace etcdpp::wal
