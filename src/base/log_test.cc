#include "base/log.h"

#include <fstream>
#include <regex>
#include <sstream>

#include <gtest/gtest.h>

#include "testing/temp_dir.h"

namespace etcdpp {
namespace {

// 2026-11-25 12:34:56.789012 in the process's local time zone.
std::chrono::system_clock::time_point FixedTime() {
  std::tm tm{};
  tm.tm_year = 2026 - 1900;
  tm.tm_mon = 10;
  tm.tm_mday = 25;
  tm.tm_hour = 12;
  tm.tm_min = 34;
  tm.tm_sec = 56;
  tm.tm_isdst = -1;
  return std::chrono::system_clock::from_time_t(std::mktime(&tm)) + std::chrono::microseconds(789012);
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(Logger, CapnslogShape) {
  Logger logger(FixedTime);
  EXPECT_EQ(logger.Format(LogLevel::kNotice, "etcdmain", "hello", "unused", {}),
            "2026-11-25 12:34:56.789012 N | etcdmain: hello");
}

TEST(Logger, ZapShapeWithFields) {
  Logger logger(FixedTime);
  ASSERT_TRUE(logger.Configure({LogFormat::kZap, LogLevel::kInfo, {"stderr"}}).ok());
  std::string line = logger.Format(LogLevel::kWarn, "etcdmain", "unused", "failed \"x\"",
                                   {LogField::Str("error", "a\nb"), LogField::Int("n", -3),
                                    LogField::Strs("urls", {"u1", "u2"})});
  std::regex shape(
      R"re(\{"level":"warn","ts":"2026-11-25T12:34:56\.789(Z|[+-]\d{4})","caller":"etcdmain","msg":"failed \\"x\\"","error":"a\\nb","n":-3,"urls":\["u1","u2"\]\})re");
  EXPECT_TRUE(std::regex_match(line, shape)) << line;
}

TEST(Logger, LevelFiltersAndFileOutput) {
  testing::TempDir dir;
  const std::string path = dir.Sub("etcd.log");
  Logger logger(FixedTime);
  ASSERT_TRUE(logger.Configure({LogFormat::kCapnslog, LogLevel::kWarn, {path}}).ok());
  logger.Info("etcdserver", "hidden");
  logger.Notice("etcdserver", "hidden too");
  logger.Warn("etcdserver", "shown", {LogField::Str("k", "v")});
  logger.Flush();
  EXPECT_EQ(ReadAll(path), "2026-11-25 12:34:56.789012 W | etcdserver: shown k=v\n");
}

TEST(Logger, RaftLinesUseGoLogShapeUnderCapnslog) {
  testing::TempDir dir;
  const std::string path = dir.Sub("raft.log");
  Logger logger(FixedTime);
  ASSERT_TRUE(logger.Configure({LogFormat::kCapnslog, LogLevel::kInfo, {path}}).ok());
  logger.Raft(LogLevel::kInfo, "61f97220ab052a12 became follower at term 1");
  logger.Raft(LogLevel::kDebug, "hidden");
  logger.Flush();
  EXPECT_EQ(ReadAll(path), "raft2026/11/25 12:34:56 INFO: 61f97220ab052a12 became follower at term 1\n");
}

TEST(Logger, UnopenableFileKeepsOldOutputs) {
  testing::TempDir dir;
  const std::string path = dir.Sub("missing/etcd.log");
  Logger logger;
  Status s = logger.Configure({LogFormat::kZap, LogLevel::kInfo, {path}});
  EXPECT_EQ(s.message(), "open sink \"" + path + "\": open " + path + ": no such file or directory");
  EXPECT_EQ(logger.format(), LogFormat::kCapnslog);
}

TEST(LogLevel, EtcdWords) {
  EXPECT_EQ(*ParseLogLevel("debug"), LogLevel::kDebug);
  EXPECT_EQ(*ParseLogLevel("warn"), LogLevel::kWarn);
  EXPECT_EQ(*ParseLogLevel("panic"), LogLevel::kCritical);
  EXPECT_EQ(*ParseLogLevel("dpanic"), LogLevel::kCritical);
  EXPECT_EQ(ParseLogLevel("foo").status().message(), "unknown level \"foo\"");
}

TEST(JsonQuote, EscapesControlCharacters) { EXPECT_EQ(JsonQuote("a\"\\\x01"), "\"a\\\"\\\\\\u0001\""); }

}  // namespace
}  // namespace etcdpp
