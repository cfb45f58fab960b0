#include "base/file_system.h"

#include <gtest/gtest.h>

#include "testing/faulty_file_system.h"
#include "testing/temp_dir.h"

namespace etcdpp::base {
namespace {

TEST(PosixFileSystem, WriteReadAllocateTruncate) {
  testing::TempDir dir;
  PosixFileSystem fs;
  auto f = fs.Open(dir.Sub("a"), OpenMode::kCreate);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  ASSERT_TRUE((*f)->WriteAt(0, "hello").ok());
  ASSERT_TRUE((*f)->Allocate(4096).ok());
  EXPECT_EQ(*(*f)->Size(), 4096u);
  char buf[8] = {};
  EXPECT_EQ(*(*f)->ReadAt(0, 5, buf), 5u);
  EXPECT_EQ(std::string(buf, 5), "hello");
  ASSERT_TRUE((*f)->Truncate(3).ok());
  EXPECT_EQ(*ReadWholeFile(fs, dir.Sub("a")), "hel");
  ASSERT_TRUE((*f)->Sync().ok());
}

TEST(PosixFileSystem, SecondLockOnSameFileFails) {
  testing::TempDir dir;
  PosixFileSystem fs;
  auto a = fs.Open(dir.Sub("l"), OpenMode::kCreate);
  auto b = fs.Open(dir.Sub("l"), OpenMode::kReadWrite);
  ASSERT_TRUE((*a)->TryLock().ok());
  Status s = (*b)->TryLock();
  EXPECT_EQ(s.message(), "fileutil: file already locked");
  ASSERT_TRUE((*a)->Close().ok());
  EXPECT_TRUE((*b)->TryLock().ok());
}

TEST(PosixFileSystem, ListDirIsSortedAndMissingDirIsNotFound) {
  testing::TempDir dir;
  PosixFileSystem fs;
  for (const char* n : {"b", "c", "a"}) ASSERT_TRUE(WriteAndSyncFile(fs, dir.Sub(n), "x", 0600).ok());
  EXPECT_EQ(*fs.ListDir(dir.path().string()), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(fs.ListDir(dir.Sub("nope")).status().code(), StatusCode::kNotFound);
}

TEST(PurgeOldFiles, KeepsNewestAndStopsAtLockedFile) {
  testing::TempDir dir;
  PosixFileSystem fs;
  for (const char* n : {"1.wal", "2.wal", "3.wal", "4.wal", "x.snap"})
    ASSERT_TRUE(WriteAndSyncFile(fs, dir.Sub(n), "x", 0600).ok());
  auto held = fs.Open(dir.Sub("2.wal"), OpenMode::kReadWrite);
  ASSERT_TRUE((*held)->TryLock().ok());
  std::vector<std::string> removed;
  ASSERT_TRUE(PurgeOldFiles(fs, dir.path().string(), ".wal", 1, &removed).ok());
  EXPECT_EQ(removed, std::vector<std::string>{"1.wal"});
  ASSERT_TRUE((*held)->Close().ok());
  removed.clear();
  ASSERT_TRUE(PurgeOldFiles(fs, dir.path().string(), ".wal", 1, &removed).ok());
  EXPECT_EQ(removed, (std::vector<std::string>{"2.wal", "3.wal"}));
  EXPECT_TRUE(fs.Exists(dir.Sub("4.wal")));
  EXPECT_TRUE(fs.Exists(dir.Sub("x.snap")));
}

TEST(FaultyFileSystem, CrashDropsUnsyncedBytesAndKeepsSynced) {
  testing::TempDir dir;
  testing::FaultyFileSystem fs;
  ASSERT_TRUE(fs.SyncDir(dir.path().string()).ok());
  auto f = fs.Open(dir.Sub("f"), OpenMode::kCreate);
  ASSERT_TRUE(fs.SyncDir(dir.path().string()).ok());
  ASSERT_TRUE((*f)->WriteAt(0, "synced").ok());
  ASSERT_TRUE((*f)->Sync().ok());
  ASSERT_TRUE((*f)->WriteAt(6, "-lost").ok());
  ASSERT_TRUE((*f)->WriteAt(0, "SY").ok());
  EXPECT_EQ(fs.UnsyncedBytes(), 7u);
  fs.Crash();
  EXPECT_EQ(*ReadWholeFile(fs, dir.Sub("f")), "synced");
  EXPECT_FALSE((*f)->WriteAt(0, "x").ok()) << "handles from before the crash are dead";
}

TEST(FaultyFileSystem, CrashCanKeepTornPrefix) {
  testing::TempDir dir;
  testing::FaultyFileSystem fs;
  auto f = fs.Open(dir.Sub("f"), OpenMode::kCreate);
  ASSERT_TRUE(fs.SyncDir(dir.path().string()).ok());
  ASSERT_TRUE((*f)->WriteAt(0, "abcdef").ok());
  ASSERT_TRUE((*f)->WriteAt(6, "ghij").ok());
  fs.Crash(8);
  EXPECT_EQ(*ReadWholeFile(fs, dir.Sub("f")), "abcdefgh");
}

TEST(FaultyFileSystem, CrashUndoesUnsyncedCreateAndRename) {
  testing::TempDir dir;
  testing::FaultyFileSystem fs;
  ASSERT_TRUE(WriteAndSyncFile(fs, dir.Sub("a.tmp"), "data", 0600).ok());
  ASSERT_TRUE(fs.SyncDir(dir.path().string()).ok());
  ASSERT_TRUE(fs.Rename(dir.Sub("a.tmp"), dir.Sub("a")).ok());
  ASSERT_TRUE(WriteAndSyncFile(fs, dir.Sub("b"), "data", 0600).ok());
  fs.Crash();
  EXPECT_TRUE(fs.Exists(dir.Sub("a.tmp")));
  EXPECT_FALSE(fs.Exists(dir.Sub("a")));
  EXPECT_FALSE(fs.Exists(dir.Sub("b")));
}

TEST(FaultyFileSystem, InjectedSyncFailureIsReported) {
  testing::TempDir dir;
  testing::FaultyFileSystem fs;
  auto f = fs.Open(dir.Sub("f"), OpenMode::kCreate);
  fs.SetFailSyncs(true);
  EXPECT_EQ((*f)->Sync().code(), StatusCode::kIoError);
}

}  // namespace
}  // namespace etcdpp::base
