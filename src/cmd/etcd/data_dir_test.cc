#include "cmd/etcd/data_dir.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "testing/temp_dir.h"

namespace etcdpp::etcdmain {
namespace {

TEST(DataDir, MissingDirectoryIsEmpty) {
  testing::TempDir dir;
  Logger logger;
  EXPECT_EQ(*IdentifyDataDir(dir.Sub("absent"), logger), DataDirKind::kEmpty);
}

TEST(DataDir, MemberDirectoryMakesAMember) {
  testing::TempDir dir;
  std::filesystem::create_directories(dir.Sub("member/wal"));
  std::ofstream(dir.Sub("stray.txt")) << "x";  // warned about, not fatal
  Logger logger;
  EXPECT_EQ(*IdentifyDataDir(dir.path().string(), logger), DataDirKind::kMember);
}

TEST(DataDir, MemberAndProxyTogetherAreRefused) {
  testing::TempDir dir;
  std::filesystem::create_directories(dir.Sub("member"));
  std::filesystem::create_directories(dir.Sub("proxy"));
  Logger logger;
  Result<DataDirKind> kind = IdentifyDataDir(dir.path().string(), logger);
  EXPECT_EQ(kind.status().message(), "invalid datadir. Both member and proxy directories exist.");
}

}  // namespace
}  // namespace etcdpp::etcdmain
