#include "server/tail_storage.h"

#include <gtest/gtest.h>

#include "raft/errors.h"
#include "raft/util.h"
#include "testing/temp_dir.h"
#include "wal/wal.h"
#include "wal/wal_dir.h"
#include "wal/wal_test_util.h"

namespace etcdpp::server {
namespace {

using wal::test::Indexes;
using wal::test::MakeEntries;
using wal::test::MakeState;

constexpr size_t kDataBytes = 1000;

// A WAL and a TailStorage fed as the raft thread feeds them: persist, then append.
class TailStorageTest : public ::testing::Test {
 protected:
  void Open(uint64_t tail_bytes, uint64_t read_ahead_bytes = 1) {
    wal::WalOptions wo;
    wo.segment_size_bytes = 16 * 1024;
    wo.no_fsync = true;
    auto w = wal::Wal::Create(&fs_, dir(), "meta", wo);
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    wal_ = std::move(w).value();
    TailStorageOptions so;
    so.tail_bytes = tail_bytes;
    so.read_ahead_bytes = read_ahead_bytes;
    so.fs = &fs_;
    so.wal_dir = dir();
    storage_ = std::make_unique<TailStorage>(std::move(so));
  }
  // Persists and appends count entries of term from first, committing and handing to
  // the apply thread everything up to commit.
  void Write(uint64_t term, uint64_t first, uint64_t count, uint64_t commit) {
    auto ents = MakeEntries(term, first, count, kDataBytes);
    const raftpb::HardState hs = MakeState(term, 1, commit);
    ASSERT_TRUE(wal_->Save(hs, ents).ok());
    storage_->SetHardState(hs);
    ASSERT_TRUE(storage_->Append(std::move(ents)).ok());
    storage_->MarkHandedToApply(commit);
  }
  std::string dir() const { return tmp_.Sub("wal"); }
  static uint64_t EntryBytes() { return raft::EntrySize(MakeEntries(1, 1, 1, kDataBytes)[0]); }

  testing::TempDir tmp_;
  base::PosixFileSystem fs_;
  std::unique_ptr<wal::Wal> wal_;
  std::unique_ptr<TailStorage> storage_;
};

std::vector<uint64_t> Range(uint64_t lo, uint64_t hi) {
  std::vector<uint64_t> out;
  for (uint64_t i = lo; i < hi; ++i) out.push_back(i);
  return out;
}

// [lo, hi) in pieces of at most max_bytes, as a leader asks for them (a read may stop
// short at the read-back/memory border).
Result<std::vector<raftpb::Entry>> ReadRange(TailStorage& s, uint64_t lo, uint64_t hi, uint64_t max_bytes) {
  std::vector<raftpb::Entry> got;
  for (int n = 0; lo < hi && n < 1000; ++n) {
    ETCDPP_ASSIGN_OR_RETURN(auto part, s.GetEntries(lo, hi, max_bytes));
    if (part.empty()) break;
    lo = part.back().index() + 1;
    for (auto& e : part) got.push_back(std::move(e));
  }
  return got;
}

TEST_F(TailStorageTest, KeepsOnlyTheNewestEntriesWithinTheByteBound) {
  Open(10 * EntryBytes());
  for (uint64_t i = 1; i <= 100; i += 5) Write(1, i, 5, i + 4);
  EXPECT_LE(storage_->tail_bytes(), 10 * EntryBytes());
  EXPECT_EQ(storage_->tail_first_index(), 91u);
  EXPECT_EQ(*storage_->FirstIndex(), 1u);
  EXPECT_EQ(*storage_->LastIndex(), 100u);
}

TEST_F(TailStorageTest, ReadBackFromTheWalEqualsWhatWasAppended) {
  Open(10 * EntryBytes());
  for (uint64_t i = 1; i <= 100; i += 5) Write(1, i, 5, i + 4);
  // Across the read-back/memory border, in pieces as a leader asks for them.
  auto got = ReadRange(*storage_, 1, 101, 7 * EntryBytes());
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(Indexes(*got), Range(1, 101));
  for (const auto& e : *got) {
    EXPECT_EQ(e.SerializeAsString(), MakeEntries(1, e.index(), 1, kDataBytes)[0].SerializeAsString());
  }
  EXPECT_GT(storage_->read_back_entries(), 0u);
}

TEST_F(TailStorageTest, ReadBackRespectsTheByteBoundButReturnsAtLeastOneEntry) {
  Open(4 * EntryBytes());
  Write(1, 1, 20, 20);
  auto one = storage_->GetEntries(2, 21, 1);
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(Indexes(*one), std::vector<uint64_t>{2});
  auto three = storage_->GetEntries(3, 21, 3 * EntryBytes());
  ASSERT_TRUE(three.ok());
  EXPECT_EQ(Indexes(*three), Range(3, 6));
}

TEST_F(TailStorageTest, TermsBelowTheTailNeedNoDisk) {
  Open(3 * EntryBytes());
  Write(1, 1, 10, 10);
  Write(2, 11, 10, 20);
  Write(5, 21, 10, 30);
  EXPECT_EQ(storage_->term_runs(), 4u);  // the compaction point's run and three terms
  // The WAL is gone: terms still answer from the runs.
  wal_.reset();
  std::filesystem::remove_all(dir());
  EXPECT_EQ(*storage_->Term(0), 0u);
  EXPECT_EQ(*storage_->Term(1), 1u);
  EXPECT_EQ(*storage_->Term(10), 1u);
  EXPECT_EQ(*storage_->Term(11), 2u);
  EXPECT_EQ(*storage_->Term(20), 2u);
  EXPECT_EQ(*storage_->Term(21), 5u);
  EXPECT_EQ(*storage_->Term(30), 5u);
  EXPECT_TRUE(raft::IsUnavailable(storage_->Term(31).status()));
  // And a read below the tail now finds nothing: compacted, so raft sends a snapshot.
  EXPECT_TRUE(raft::IsCompacted(storage_->GetEntries(5, 10, 1 << 20).status()));
}

TEST_F(TailStorageTest, BelowWhatTheWalHoldsIsCompacted) {
  Open(5 * EntryBytes());
  for (uint64_t i = 1; i <= 200; i += 10) Write(1, i, 10, i + 9);
  // Release and purge the segments before index 150, as a snapshot there would.
  ASSERT_TRUE(wal_->ReleaseLockTo(150).ok());
  std::vector<std::string> removed;
  ASSERT_TRUE(wal::PurgeSegments(fs_, dir(), 1, &removed).ok());
  ASSERT_FALSE(removed.empty());
  EXPECT_TRUE(raft::IsCompacted(storage_->GetEntries(2, 10, 1 << 20).status()));
  // What the WAL still has is read back.
  auto late = ReadRange(*storage_, 190, 201, 1 << 20);
  ASSERT_TRUE(late.ok()) << late.status().ToString();
  EXPECT_EQ(Indexes(*late), Range(190, 201));
}

TEST_F(TailStorageTest, KeepsEntriesNotYetCommittedOrHandedToApply) {
  Open(2 * EntryBytes());
  auto ents = MakeEntries(1, 1, 10, kDataBytes);
  ASSERT_TRUE(wal_->Save(MakeState(1, 1, 3), ents).ok());
  storage_->SetHardState(MakeState(1, 1, 3));
  ASSERT_TRUE(storage_->Append(ents).ok());
  // Nothing handed to apply yet: everything stays.
  EXPECT_EQ(storage_->tail_first_index(), 1u);
  storage_->MarkHandedToApply(3);
  EXPECT_EQ(storage_->tail_first_index(), 4u);  // 4.. are not committed
  storage_->SetHardState(MakeState(1, 1, 10));
  storage_->MarkHandedToApply(10);
  EXPECT_EQ(storage_->tail_first_index(), 9u);
}

TEST_F(TailStorageTest, RewriteOfUncommittedEntriesReplacesTermsAndEntries) {
  Open(1 << 20);
  Write(1, 1, 10, 5);
  Write(2, 8, 5, 5);  // a new leader replaces 8..10 and adds up to 12
  EXPECT_EQ(*storage_->LastIndex(), 12u);
  EXPECT_EQ(*storage_->Term(7), 1u);
  EXPECT_EQ(*storage_->Term(8), 2u);
  auto got = storage_->GetEntries(7, 13, 1 << 20);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(Indexes(*got), Range(7, 13));
  EXPECT_EQ((*got)[1].term(), 2u);
}

TEST_F(TailStorageTest, CompactAndSnapshotMoveTheFirstIndex) {
  Open(3 * EntryBytes());
  Write(1, 1, 10, 10);
  Write(3, 11, 10, 20);
  auto snap = storage_->CreateSnapshot(15, nullptr, "data");
  ASSERT_TRUE(snap.ok());
  EXPECT_EQ(snap->metadata().term(), 3u);
  ASSERT_TRUE(storage_->Compact(12).ok());
  EXPECT_EQ(*storage_->FirstIndex(), 13u);
  EXPECT_EQ(*storage_->Term(12), 3u);
  EXPECT_TRUE(raft::IsCompacted(storage_->Term(11).status()));
  EXPECT_TRUE(raft::IsCompacted(storage_->GetEntries(12, 14, 1 << 20).status()));
  auto got = ReadRange(*storage_, 13, 21, 1 << 20);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(Indexes(*got), Range(13, 21));

  raftpb::Snapshot received;
  received.mutable_metadata()->set_index(40);
  received.mutable_metadata()->set_term(4);
  ASSERT_TRUE(storage_->ApplySnapshot(received).ok());
  EXPECT_EQ(*storage_->FirstIndex(), 41u);
  EXPECT_EQ(*storage_->LastIndex(), 40u);
  EXPECT_EQ(*storage_->Term(40), 4u);
  EXPECT_TRUE(raft::IsSnapOutOfDate(storage_->ApplySnapshot(received)));
}

}  // namespace
}  // namespace etcdpp::server
