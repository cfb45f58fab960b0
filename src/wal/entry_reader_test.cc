#include "wal/entry_reader.h"

#include <gtest/gtest.h>

#include "testing/temp_dir.h"
#include "wal/segment_name.h"
#include "wal/wal.h"
#include "wal/wal_dir.h"
#include "wal/wal_test_util.h"

namespace etcdpp::wal {
namespace {

using test::Indexes;
using test::MakeEntries;
using test::MakeState;

class EntryReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    opts_.segment_size_bytes = 4096;
    auto w = Wal::Create(&fs_, dir(), "meta", opts_);
    ASSERT_TRUE(w.ok());
    wal_ = std::move(w).value();
    for (uint64_t i = 1; i <= 100; i += 4) {
      ASSERT_TRUE(wal_->Save(MakeState(1, 1, i), MakeEntries(1, i, 4, 150)).ok());
    }
  }
  std::string dir() const { return tmp_.Sub("wal"); }

  testing::TempDir tmp_;
  base::PosixFileSystem fs_;
  WalOptions opts_;
  std::unique_ptr<Wal> wal_;
};

std::vector<uint64_t> Range(uint64_t lo, uint64_t hi) {
  std::vector<uint64_t> out;
  for (uint64_t i = lo; i < hi; ++i) out.push_back(i);
  return out;
}

TEST_F(EntryReaderTest, ReadsARangeSpanningSegmentsWhileTheWalIsOpen) {
  ASSERT_GT(ListSegments(fs_, dir())->size(), 3u);
  EntryReader reader(&fs_, dir());
  auto got = reader.Read(30, 71, 1 << 20);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(Indexes(*got), Range(30, 71));
  EXPECT_EQ((*got)[0].data(), MakeEntries(1, 30, 1, 150)[0].data());
  auto tail = reader.Read(95, 1000, 1 << 20);
  EXPECT_EQ(Indexes(*tail), Range(95, 101));
}

TEST_F(EntryReaderTest, LaterRewritesOfUncommittedEntriesWin) {
  // 101..110 written at term 1 with commit 100; a new leader at term 2 replaces 105..
  // across a segment cut, then commits.
  ASSERT_TRUE(wal_->Save(MakeState(1, 1, 100), MakeEntries(1, 101, 10, 150)).ok());
  for (uint64_t i = 105; i < 125; i += 5) ASSERT_TRUE(wal_->Save(MakeState(2, 2, 104), MakeEntries(2, i, 5, 150)).ok());
  ASSERT_TRUE(wal_->Save(MakeState(2, 2, 124), {}).ok());
  EntryReader reader(&fs_, dir());
  auto got = reader.Read(100, 112, 1 << 20);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(Indexes(*got), Range(100, 112));
  EXPECT_EQ((*got)[4].term(), 1u);
  EXPECT_EQ((*got)[5].term(), 2u);
  EXPECT_EQ((*got)[11].term(), 2u);
}

TEST_F(EntryReaderTest, UncommittedEntriesRewrittenAfterACommitOfEarlierOnesStillWin) {
  // Commit reaches 100 only after 101..103 are written, then rewritten at term 2.
  ASSERT_TRUE(wal_->Save(MakeState(1, 1, 100), MakeEntries(1, 101, 3, 150)).ok());
  ASSERT_TRUE(wal_->Save(MakeState(2, 2, 100), MakeEntries(2, 102, 2, 150)).ok());
  ASSERT_TRUE(wal_->Save(MakeState(2, 2, 103), {}).ok());
  EntryReader reader(&fs_, dir());
  auto got = reader.Read(99, 104, 1 << 20);
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(Indexes(*got), Range(99, 104));
  EXPECT_EQ((*got)[2].term(), 1u);
  EXPECT_EQ((*got)[3].term(), 2u);
  EXPECT_EQ((*got)[4].term(), 2u);
}

TEST_F(EntryReaderTest, StopsAtTheByteBudget) {
  EntryReader reader(&fs_, dir());
  auto got = reader.Read(10, 90, 1000);
  ASSERT_TRUE(got.ok());
  const uint64_t each = MakeEntries(1, 10, 1, 150)[0].ByteSizeLong();
  EXPECT_EQ(got->size(), (1000 + each - 1) / each) << "the entry crossing the budget is the last";
  EXPECT_EQ(got->front().index(), 10u);
  auto one = reader.Read(10, 90, 1);
  EXPECT_EQ(one->size(), 1u);
}

TEST_F(EntryReaderTest, PurgedOrUnwrittenEntriesAreNotFound) {
  EntryReader reader(&fs_, dir());
  EXPECT_EQ(reader.Read(200, 210, 1 << 20).status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(wal_->ReleaseLockTo(80).ok());
  ASSERT_TRUE(PurgeSegments(fs_, dir(), 1).ok());
  EXPECT_EQ(reader.Read(5, 10, 1 << 20).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(Indexes(*reader.Read(85, 87, 1 << 20)), Range(85, 87));
}

}  // namespace
}  // namespace etcdpp::wal
