#include "wal/wal.h"

#include <gtest/gtest.h>

#include "base/file_system.h"
#include "testing/faulty_file_system.h"
#include "testing/temp_dir.h"
#include "wal/segment_name.h"
#include "wal/wal_dir.h"
#include "wal/wal_test_util.h"

namespace etcdpp::wal {
namespace {

using test::Indexes;
using test::MakeEntries;
using test::MakeEntry;
using test::MakeState;

walpb::Snapshot Snap(uint64_t index, uint64_t term) {
  walpb::Snapshot s;
  s.set_index(index);
  s.set_term(term);
  return s;
}

class WalTest : public ::testing::Test {
 protected:
  std::string dir() const { return tmp_.Sub("wal"); }
  std::unique_ptr<Wal> CreateWal(WalOptions opts = {}) {
    auto w = Wal::Create(&fs_, dir(), "meta", opts);
    EXPECT_TRUE(w.ok()) << w.status().ToString();
    return std::move(w).value();
  }
  Wal::Contents Reopen(const walpb::Snapshot& at = {}, WalOptions opts = {}) {
    auto w = Wal::Open(&fs_, dir(), at, opts);
    EXPECT_TRUE(w.ok()) << w.status().ToString();
    auto c = (*w)->ReadAll();
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    EXPECT_TRUE((*w)->Close().ok());
    return c.ok() ? std::move(c).value() : Wal::Contents{};
  }

  testing::TempDir tmp_;
  base::PosixFileSystem fs_;
};

TEST_F(WalTest, CreateWritesEtcdHeaderAndPreallocates) {
  auto w = CreateWal();
  ASSERT_TRUE(w->Close().ok());
  const std::string path = base::JoinPath(dir(), "0000000000000000-0000000000000000.wal");
  auto bytes = base::ReadWholeFile(fs_, path);
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(bytes->size(), kSegmentSizeBytes);
  // crc record: 4 bytes of body padded to 8, pad length in the top byte.
  const std::string expect("\x04\0\0\0\0\0\0\x84\x08\x04\x10\0\0\0\0\0", 16);
  EXPECT_EQ(bytes->substr(0, 16), expect);
  EXPECT_FALSE(fs_.Exists(dir() + ".tmp"));
}

TEST_F(WalTest, CreateRefusesDirWithWal) {
  CreateWal()->Close().IgnoreError();
  auto again = Wal::Create(&fs_, dir(), "meta");
  EXPECT_EQ(again.status().code(), StatusCode::kAlreadyExists);
}

TEST_F(WalTest, ReplaysMetadataStateAndEntries) {
  auto w = CreateWal();
  ASSERT_TRUE(w->Save(MakeState(1, 1, 2), MakeEntries(1, 1, 3)).ok());
  ASSERT_TRUE(w->Save(MakeState(2, 1, 3), MakeEntries(2, 4, 2)).ok());
  EXPECT_EQ(w->last_index(), 5u);
  ASSERT_TRUE(w->Close().ok());
  auto c = Reopen();
  EXPECT_EQ(c.metadata, "meta");
  EXPECT_EQ(c.state.term(), 2u);
  EXPECT_EQ(c.state.commit(), 3u);
  EXPECT_EQ(Indexes(c.entries), (std::vector<uint64_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(c.entries[3].term(), 2u);
  EXPECT_EQ(c.entries[4].data(), MakeEntries(2, 5, 1)[0].data());
}

TEST_F(WalTest, ConflictingEntriesReplaceTheSuffix) {
  auto w = CreateWal();
  ASSERT_TRUE(w->Save(MakeState(1, 1, 1), MakeEntries(1, 1, 5)).ok());
  ASSERT_TRUE(w->Save(MakeState(2, 2, 1), MakeEntries(2, 3, 1)).ok());
  ASSERT_TRUE(w->Close().ok());
  auto c = Reopen();
  ASSERT_EQ(Indexes(c.entries), (std::vector<uint64_t>{1, 2, 3}));
  EXPECT_EQ(c.entries[2].term(), 2u);
}

TEST_F(WalTest, ReplayIntoASinkHandsEveryEntryInWriteOrderAndKeepsNone) {
  auto w = CreateWal();
  ASSERT_TRUE(w->Save(MakeState(1, 1, 1), MakeEntries(1, 1, 5)).ok());
  ASSERT_TRUE(w->Save(MakeState(2, 2, 3), MakeEntries(2, 3, 1)).ok());
  ASSERT_TRUE(w->Close().ok());
  auto r = Wal::Open(&fs_, dir(), {}, {});
  ASSERT_TRUE(r.ok());
  std::vector<std::pair<uint64_t, uint64_t>> seen;  // (index, term)
  auto c = (*r)->ReadAll([&](raftpb::Entry&& e) {
    seen.emplace_back(e.index(), e.term());
    return Status::Ok();
  });
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_TRUE(c->entries.empty());
  EXPECT_EQ(c->state.commit(), 3u);
  EXPECT_EQ(seen, (std::vector<std::pair<uint64_t, uint64_t>>{{1, 1}, {2, 1}, {3, 1}, {4, 1}, {5, 1}, {3, 2}}));
  ASSERT_TRUE((*r)->Close().ok());
}

TEST_F(WalTest, AppendsAfterReplayContinueTheCrcChain) {
  CreateWal()->Close().IgnoreError();
  {
    auto w = Wal::Open(&fs_, dir(), {});
    ASSERT_TRUE((*w)->ReadAll().ok());
    ASSERT_TRUE((*w)->Save(MakeState(1, 1, 1), MakeEntries(1, 1, 2)).ok());
    ASSERT_TRUE((*w)->Close().ok());
  }
  EXPECT_EQ(Indexes(Reopen().entries), (std::vector<uint64_t>{1, 2}));
  EXPECT_TRUE(Verify(fs_, dir(), {}).ok());
}

TEST_F(WalTest, ReplayRestoresLastIndexForTheNextAppend) {
  auto w = CreateWal();
  ASSERT_TRUE(w->Save(MakeState(1, 1, 3), MakeEntries(1, 1, 3)).ok());
  ASSERT_TRUE(w->Close().ok());
  auto reopened = Wal::Open(&fs_, dir(), {});
  ASSERT_TRUE((*reopened)->ReadAll().ok());
  EXPECT_EQ((*reopened)->last_index(), 3u);
}

TEST_F(WalTest, OpenAtSnapshotReturnsOnlyLaterEntries) {
  auto w = CreateWal();
  ASSERT_TRUE(w->Save(MakeState(1, 1, 5), MakeEntries(1, 1, 5)).ok());
  ASSERT_TRUE(w->SaveSnapshot(Snap(3, 1)).ok());
  ASSERT_TRUE(w->Save(MakeState(1, 1, 6), MakeEntries(1, 6, 1)).ok());
  ASSERT_TRUE(w->Close().ok());
  EXPECT_EQ(Indexes(Reopen(Snap(3, 1)).entries), (std::vector<uint64_t>{4, 5, 6}));

  auto missing = Wal::Open(&fs_, dir(), Snap(4, 1));
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ((*missing)->ReadAll().status().message(), "wal: snapshot not found");
  missing->reset();
  auto mismatch = Wal::Open(&fs_, dir(), Snap(3, 7));
  EXPECT_EQ((*mismatch)->ReadAll().status().message(), "wal: snapshot mismatch");
}

TEST_F(WalTest, ValidSnapshotEntriesOnlyUpToCommit) {
  auto w = CreateWal();
  ASSERT_TRUE(w->Save(MakeState(1, 1, 2), MakeEntries(1, 1, 5)).ok());
  ASSERT_TRUE(w->SaveSnapshot(Snap(2, 1)).ok());
  ASSERT_TRUE(w->SaveSnapshot(Snap(4, 1)).ok());
  ASSERT_TRUE(w->Close().ok());
  auto snaps = ValidSnapshotEntries(fs_, dir());
  ASSERT_TRUE(snaps.ok());
  ASSERT_EQ(snaps->size(), 2u);  // {0,0} and {2,1}; {4,1} is beyond commit 2
  EXPECT_EQ((*snaps)[1].index(), 2u);
}

TEST_F(WalTest, SaveSyncsOncePerCallOnlyWhenRaftRequires) {
  testing::FaultyFileSystem ffs;
  auto w = Wal::Create(&ffs, dir(), "meta");
  ASSERT_TRUE(w.ok());
  const uint64_t before = ffs.sync_count();
  ASSERT_TRUE((*w)->Save(MakeState(1, 1, 0), MakeEntries(1, 1, 100)).ok());
  EXPECT_EQ(ffs.sync_count(), before + 1);
  ASSERT_TRUE((*w)->Save(MakeState(1, 1, 50), {}).ok());  // commit only: no sync needed
  EXPECT_EQ(ffs.sync_count(), before + 1);
  ASSERT_TRUE((*w)->Save(MakeState(2, 1, 50), {}).ok());  // term change: sync
  EXPECT_EQ(ffs.sync_count(), before + 2);
  EXPECT_EQ(ffs.UnsyncedBytes(), 0u);
}

TEST_F(WalTest, FailedSyncIsReportedAndSticky) {
  testing::FaultyFileSystem ffs;
  auto w = Wal::Create(&ffs, dir(), "meta");
  ASSERT_TRUE(w.ok());
  ffs.SetFailSyncs(true);
  EXPECT_EQ((*w)->Save(MakeState(1, 1, 0), MakeEntries(1, 1, 1)).code(), StatusCode::kIoError);
  ffs.SetFailSyncs(false);
  EXPECT_FALSE((*w)->Save(MakeState(1, 1, 0), MakeEntries(1, 2, 1)).ok());
}

TEST_F(WalTest, OversizedEntryIsRefusedWithoutWriting) {
  auto w = CreateWal();
  const auto big = MakeEntries(1, 1, 1, kMaxRecordBytes);
  EXPECT_EQ(w->Save(MakeState(1, 1, 0), big).code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(w->Save(MakeState(1, 1, 1), MakeEntries(1, 1, 1)).ok()) << "not a durability failure";
  ASSERT_TRUE(w->Close().ok());
  EXPECT_EQ(Reopen().entries.size(), 1u);
}

TEST_F(WalTest, CutsSegmentsAndReplaysAcrossThem) {
  WalOptions opts;
  opts.segment_size_bytes = 4096;
  auto w = CreateWal(opts);
  for (uint64_t i = 1; i <= 60; i += 3) ASSERT_TRUE(w->Save(MakeState(1, 1, i), MakeEntries(1, i, 3, 200)).ok());
  auto names = ListSegments(fs_, dir());
  ASSERT_TRUE(names.ok());
  ASSERT_GT(names->size(), 3u);
  for (size_t i = 1; i < names->size(); ++i) {
    EXPECT_EQ((*names)[i].seq, i);
    EXPECT_GT((*names)[i].index, (*names)[i - 1].index);
  }
  ASSERT_TRUE(w->Close().ok());
  auto c = Reopen({}, opts);
  ASSERT_EQ(c.entries.size(), 60u);
  EXPECT_EQ(c.entries.back().index(), 60u);
  EXPECT_EQ(c.state.commit(), 58u);
  // No leftover preallocation files.
  auto all = fs_.ListDir(dir());
  for (const auto& n : *all) EXPECT_TRUE(ParseSegmentName(n).has_value()) << n;
}

TEST_F(WalTest, OpenAtLaterSnapshotSkipsOlderSegments) {
  WalOptions opts;
  opts.segment_size_bytes = 4096;
  auto w = CreateWal(opts);
  for (uint64_t i = 1; i <= 60; i += 3) ASSERT_TRUE(w->Save(MakeState(1, 1, i), MakeEntries(1, i, 3, 200)).ok());
  ASSERT_TRUE(w->SaveSnapshot(Snap(50, 1)).ok());
  ASSERT_TRUE(w->Close().ok());
  auto reopened = Wal::Open(&fs_, dir(), Snap(50, 1), opts);
  ASSERT_TRUE(reopened.ok());
  const auto locked = (*reopened)->LockedSegments();
  auto names = ListSegments(fs_, dir());
  EXPECT_LT(locked.size(), names->size());
  auto c = (*reopened)->ReadAll();
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(Indexes(c->entries), (std::vector<uint64_t>{51, 52, 53, 54, 55, 56, 57, 58, 59, 60}));
}

TEST_F(WalTest, ReleaseLockToLetsPurgeRemoveOnlyReleasedSegments) {
  WalOptions opts;
  opts.segment_size_bytes = 4096;
  auto w = CreateWal(opts);
  for (uint64_t i = 1; i <= 120; i += 3) ASSERT_TRUE(w->Save(MakeState(1, 1, i), MakeEntries(1, i, 3, 200)).ok());
  const auto all = *ListSegments(fs_, dir());
  ASSERT_GT(all.size(), 4u);
  std::vector<std::string> removed;
  ASSERT_TRUE(PurgeSegments(fs_, dir(), 1, &removed).ok());
  EXPECT_TRUE(removed.empty()) << "every segment is still locked";

  ASSERT_TRUE(w->ReleaseLockTo(90).ok());
  const auto locked = w->LockedSegments();
  auto holding = SearchSegment(all, 90);
  ASSERT_TRUE(holding.has_value());
  EXPECT_EQ(locked.front(), all[*holding].name);
  ASSERT_TRUE(PurgeSegments(fs_, dir(), 1, &removed).ok());
  EXPECT_EQ(removed.size(), *holding);
  EXPECT_TRUE(fs_.Exists(base::JoinPath(dir(), all[*holding].name)));
  ASSERT_TRUE(w->Close().ok());
}

TEST_F(WalTest, ExistAndFileNotFound) {
  EXPECT_FALSE(Exist(fs_, dir()));
  CreateWal()->Close().IgnoreError();
  EXPECT_TRUE(Exist(fs_, dir()));
  auto none = Wal::Open(&fs_, tmp_.Sub("nowal"), {});
  EXPECT_FALSE(none.ok());
}

TEST(SegmentName, FormatsAndParsesLikeEtcd) {
  EXPECT_EQ(FormatSegmentName(1, 0x1f), "0000000000000001-000000000000001f.wal");
  auto n = ParseSegmentName("00000000000000ab-0000000000000010.wal");
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(n->seq, 0xabu);
  EXPECT_EQ(n->index, 0x10u);
  EXPECT_FALSE(ParseSegmentName("0.tmp").has_value());
  EXPECT_FALSE(ParseSegmentName("00000000000000ab-0000000000000010.wal.broken").has_value());
}

}  // namespace
}  // namespace etcdpp::wal
