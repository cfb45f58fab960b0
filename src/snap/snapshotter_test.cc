#include "snap/snapshotter.h"

#include <gtest/gtest.h>

#include "base/crc32c.h"
#include "testing/faulty_file_system.h"
#include "testing/temp_dir.h"

namespace etcdpp::snap {
namespace {

raftpb::Snapshot MakeSnap(uint64_t term, uint64_t index, std::string data) {
  raftpb::Snapshot s;
  s.set_data(std::move(data));
  s.mutable_metadata()->set_term(term);
  s.mutable_metadata()->set_index(index);
  s.mutable_metadata()->mutable_conf_state()->add_voters(1);
  return s;
}

class SnapshotterTest : public ::testing::Test {
 protected:
  std::string dir() const { return tmp_.path().string(); }
  std::string Path(const std::string& name) const { return tmp_.Sub(name); }
  testing::TempDir tmp_;
  base::PosixFileSystem fs_;
  Snapshotter snapper_{&fs_, tmp_.path().string()};
};

TEST_F(SnapshotterTest, SavesEtcdNamedFileAndLoadsIt) {
  ASSERT_TRUE(snapper_.SaveSnap(MakeSnap(2, 0x18, "v2 store")).ok());
  EXPECT_TRUE(fs_.Exists(Path("0000000000000002-0000000000000018.snap")));
  auto loaded = snapper_.Load();
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->data(), "v2 store");
  EXPECT_EQ(loaded->metadata().index(), 0x18u);
  EXPECT_EQ(loaded->metadata().conf_state().voters(0), 1u);
}

TEST_F(SnapshotterTest, FileIsSnappbEnvelopeWithCrc32cOfData) {
  const auto snap = MakeSnap(1, 5, "x");
  ASSERT_TRUE(snapper_.SaveSnap(snap).ok());
  auto bytes = base::ReadWholeFile(fs_, Path(SnapFileName(1, 5)));
  const std::string data = snap.SerializeAsString();
  ASSERT_EQ(bytes->size(), 1 + 5 + 1 + 1 + data.size());
  EXPECT_EQ((*bytes)[0], 0x08);
  EXPECT_EQ(bytes->substr(bytes->size() - data.size()), data);
  uint32_t crc = 0;
  for (int i = 0; i < 5; ++i) crc |= static_cast<uint32_t>((*bytes)[1 + i] & 0x7f) << (7 * i);
  EXPECT_EQ(crc, base::Crc32c(data));
}

TEST_F(SnapshotterTest, EmptySnapshotIsNotSaved) {
  ASSERT_TRUE(snapper_.SaveSnap(raftpb::Snapshot()).ok());
  EXPECT_TRUE(fs_.ListDir(dir())->empty());
  EXPECT_EQ(snapper_.Load().status().message(), kErrNoSnapshot);
}

TEST_F(SnapshotterTest, BrokenNewestIsRenamedAndOlderLoaded) {
  ASSERT_TRUE(snapper_.SaveSnap(MakeSnap(1, 10, "old")).ok());
  ASSERT_TRUE(snapper_.SaveSnap(MakeSnap(1, 20, "new")).ok());
  const std::string newest = Path(SnapFileName(1, 20));
  auto bytes = *base::ReadWholeFile(fs_, newest);
  bytes[bytes.size() - 3] ^= 1;
  ASSERT_TRUE(base::WriteAndSyncFile(fs_, newest, bytes, 0644).ok());
  auto loaded = snapper_.Load();
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->data(), "old");
  EXPECT_FALSE(fs_.Exists(newest));
  EXPECT_TRUE(fs_.Exists(newest + ".broken"));
  EXPECT_EQ(ReadSnapFile(fs_, newest + ".broken").status().message(), std::string(kErrCrcMismatch) + ": " + newest + ".broken");
}

TEST_F(SnapshotterTest, EmptyFileIsBroken) {
  ASSERT_TRUE(base::WriteAndSyncFile(fs_, Path(SnapFileName(1, 3)), "", 0644).ok());
  EXPECT_EQ(snapper_.Load().status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(fs_.Exists(Path(SnapFileName(1, 3)) + ".broken"));
}

TEST_F(SnapshotterTest, LoadNewestAvailableOnlyMatchesWalPositions) {
  ASSERT_TRUE(snapper_.SaveSnap(MakeSnap(1, 10, "a")).ok());
  ASSERT_TRUE(snapper_.SaveSnap(MakeSnap(2, 20, "b")).ok());
  walpb::Snapshot w;
  w.set_term(1);
  w.set_index(10);
  std::vector<walpb::Snapshot> walsnaps{w};
  auto loaded = snapper_.LoadNewestAvailable(walsnaps);
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->data(), "a");
  EXPECT_TRUE(fs_.Exists(Path(SnapFileName(2, 20)))) << "a valid file that does not match stays";
}

TEST_F(SnapshotterTest, CrashDuringSaveLeavesPreviousSnapshotLoadable) {
  testing::FaultyFileSystem ffs;
  Snapshotter s(&ffs, dir());
  ASSERT_TRUE(s.SaveSnap(MakeSnap(1, 10, "durable")).ok());
  ffs.SetFailSyncs(true);
  EXPECT_FALSE(s.SaveSnap(MakeSnap(1, 20, std::string(5000, 'z'))).ok());
  ffs.SetFailSyncs(false);
  ffs.Crash(700);
  auto loaded = Snapshotter(&ffs, dir()).Load();
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->data(), "durable");
}

TEST_F(SnapshotterTest, DbFileWriterCommitsUnderIndexName) {
  auto w = snapper_.BeginDbFile(0x1f);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Append("bolt").ok());
  ASSERT_TRUE((*w)->Append("data").ok());
  EXPECT_EQ(snapper_.FindDbFile(0x1f).status().message(), kErrNoDbSnapshot);
  auto path = (*w)->Commit();
  ASSERT_TRUE(path.ok());
  EXPECT_EQ(*path, Path("000000000000001f.snap.db"));
  EXPECT_EQ(*base::ReadWholeFile(fs_, *path), "boltdata");
  EXPECT_EQ(*snapper_.FindDbFile(0x1f), *path);
  EXPECT_EQ(fs_.ListDir(dir())->size(), 1u) << "no temporary file left";
}

TEST_F(SnapshotterTest, AbandonedDbFileIsRemovedAndLeftoversCleaned) {
  { auto w = snapper_.BeginDbFile(7); ASSERT_TRUE((*w)->Append("partial").ok()); }
  EXPECT_TRUE(fs_.ListDir(dir())->empty());
  ASSERT_TRUE(base::WriteAndSyncFile(fs_, Path("db.tmp.0000000000000009"), "x", 0600).ok());
  EXPECT_FALSE(snapper_.Load().ok());
  EXPECT_FALSE(fs_.Exists(Path("db.tmp.0000000000000009")));
}

TEST_F(SnapshotterTest, ReleaseSnapDbsRemovesOlderBackends) {
  for (uint64_t i : {5, 10, 15}) {
    auto w = snapper_.BeginDbFile(i);
    ASSERT_TRUE((*w)->Append("db").ok());
    ASSERT_TRUE((*w)->Commit().ok());
  }
  ASSERT_TRUE(snapper_.ReleaseSnapDbs(MakeSnap(1, 10, "")).ok());
  EXPECT_FALSE(fs_.Exists(snapper_.DbFilePath(5)));
  EXPECT_TRUE(fs_.Exists(snapper_.DbFilePath(10)));
  EXPECT_TRUE(fs_.Exists(snapper_.DbFilePath(15)));
}

TEST_F(SnapshotterTest, PurgeKeepsNewestSnapFiles) {
  for (uint64_t i = 1; i <= 5; ++i) ASSERT_TRUE(snapper_.SaveSnap(MakeSnap(1, i * 10, "d")).ok());
  std::vector<std::string> removed;
  ASSERT_TRUE(snapper_.PurgeSnapFiles(2, &removed).ok());
  EXPECT_EQ(removed.size(), 3u);
  EXPECT_EQ(snapper_.Load()->metadata().index(), 50u);
  EXPECT_TRUE(fs_.Exists(Path(SnapFileName(1, 40))));
}

}  // namespace
}  // namespace etcdpp::snap
