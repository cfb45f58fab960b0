#include "cmd/etcd/etcd_main.h"

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "cmd/etcd/help_text.h"
#include "cmd/etcd/unsupported.h"
#include "testing/temp_dir.h"

namespace etcdpp::etcdmain {
namespace {

// Runs LoadCommandLine with captured stdout/stderr (log lines still go to the logger's
// stderr, which these tests do not read).
struct CliRun {
  std::ostringstream out, err;
  Logger logger;
  Loaded loaded;

  CliRun(std::vector<std::string> args, std::vector<std::string> environ = {}) {
    loaded = LoadCommandLine(args, environ, logger, {out, err});
  }
  const embed::Config& config() const { return loaded.command_line.config; }
};

TEST(EtcdCommandLine, HelpPrintsUsageOnStderrAndFlagsOnStdout) {
  CliRun r({"--help"});
  EXPECT_EQ(r.loaded.exit_status, 0);
  EXPECT_EQ(r.err.str(), std::string(kUsage) + "\n");
  EXPECT_EQ(r.out.str(), std::string(kFlags) + "\n");
}

TEST(EtcdCommandLine, UnknownFlagExitsTwoWithGoMessageAndUsage) {
  CliRun r({"--nosuch"});
  EXPECT_EQ(r.loaded.exit_status, 2);
  EXPECT_EQ(r.err.str(), "flag provided but not defined: -nosuch\n" + std::string(kUsage) + "\n");
}

TEST(EtcdCommandLine, PositionalArgumentExitsOne) {
  CliRun r({"--name", "a", "foo"});
  EXPECT_EQ(r.loaded.exit_status, 1);
}

TEST(EtcdCommandLine, VersionWinsOverEnvConflicts) {
  CliRun r({"--version", "--name", "b"}, {"ETCD_NAME=a"});
  EXPECT_EQ(r.loaded.exit_status, 0);
  EXPECT_TRUE(r.out.str().starts_with("etcd Version: 3.4.23\nGit SHA: "));
  EXPECT_NE(r.out.str().find("\netcdpp Version: "), std::string::npos);
}

TEST(EtcdCommandLine, EnvFillsUnsetFlags) {
  CliRun r({"--name", "n1"}, {"ETCD_SNAPSHOT_COUNT=42", "ETCD_PRE_VOTE=true", "ETCD_UNKNOWN=1"});
  ASSERT_FALSE(r.loaded.exit_status.has_value());
  EXPECT_EQ(r.config().name, "n1");
  EXPECT_EQ(r.config().snapshot_count, 42u);
  EXPECT_TRUE(r.config().pre_vote);
}

TEST(EtcdCommandLine, SameSettingInEnvAndFlagIsFatal) {
  CliRun r({"--name", "b"}, {"ETCD_NAME=a"});
  EXPECT_EQ(r.loaded.exit_status, 1);
}

TEST(EtcdCommandLine, EmptyEnvValueIsUnsetButStillConflictsWithFlag) {
  CliRun unset({}, {"ETCD_NAME="});
  EXPECT_FALSE(unset.loaded.exit_status.has_value());
  EXPECT_EQ(unset.config().name, "default");
  CliRun conflict({"--name", "b"}, {"ETCD_NAME="});
  EXPECT_EQ(conflict.loaded.exit_status, 1);
}

TEST(EtcdCommandLine, BadEnvValueExitsOne) {
  CliRun r({}, {"ETCD_HEARTBEAT_INTERVAL=fast"});
  EXPECT_EQ(r.loaded.exit_status, 1);
}

TEST(EtcdCommandLine, ListenClientUrlsAloneIsRefused) {
  CliRun r({"--listen-client-urls", "http://127.0.0.1:2379"});
  EXPECT_EQ(r.loaded.exit_status, 1);
  CliRun ok({"--listen-client-urls", "http://127.0.0.1:2379", "--advertise-client-urls", "http://127.0.0.1:2379"});
  EXPECT_FALSE(ok.loaded.exit_status.has_value());
}

TEST(EtcdCommandLine, BadSelectiveValueExitsTwo) {
  CliRun r({"--initial-cluster-state", "foo"});
  EXPECT_EQ(r.loaded.exit_status, 2);
  EXPECT_TRUE(r.err.str().starts_with("invalid value \"foo\" for flag -initial-cluster-state: invalid value\n"));
}

TEST(EtcdCommandLine, IgnoredLegacyFlagsAreAccepted) {
  CliRun r({"--v", "--peer-heartbeat-interval=5", "--name", "x"});
  EXPECT_FALSE(r.loaded.exit_status.has_value());
  EXPECT_EQ(r.config().name, "x");
}

class ConfigFileTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& text) {
    std::string path = dir_.Sub("etcd.yml");
    std::ofstream(path) << text;
    return path;
  }
  testing::TempDir dir_;
};

TEST_F(ConfigFileTest, FileWinsOverFlagsAndEnv) {
  std::string path = Write("name: fromfile\nsnapshot-count: 7\n");
  CliRun r({"--config-file", path, "--name", "flag", "--snapshot-count", "9"}, {"ETCD_NAME=env", "ETCD_PRE_VOTE=true"});
  ASSERT_FALSE(r.loaded.exit_status.has_value());
  EXPECT_EQ(r.config().name, "fromfile");
  EXPECT_EQ(r.config().snapshot_count, 7u);
  EXPECT_FALSE(r.config().pre_vote);
}

TEST_F(ConfigFileTest, EnvNamesTheFile) {
  std::string path = Write("name: fromfile\nproxy: readonly\n");
  CliRun r({}, {"ETCD_CONFIG_FILE=" + path});
  ASSERT_FALSE(r.loaded.exit_status.has_value());
  EXPECT_EQ(r.config().name, "fromfile");
  EXPECT_EQ(r.loaded.command_line.proxy.proxy, "readonly");
}

TEST_F(ConfigFileTest, MalformedUrlIsPrintedBareWithExitOne) {
  std::string path = Write("listen-peer-urls: http://foo\n");
  CliRun r({"--config-file", path});
  EXPECT_EQ(r.loaded.exit_status, 1);
  EXPECT_EQ(r.err.str(),
            "unexpected error setting up listen-peer-urls: URL address does not have the form \"host:port\": http://foo\n");
}

TEST(EtcdCommandLine, RaftLogTailBytesIsOursAndDefaultsTo16MiB) {
  CliRun defaults({"--name", "n1"});
  ASSERT_FALSE(defaults.loaded.exit_status.has_value());
  EXPECT_EQ(defaults.config().experimental_raft_log_tail_bytes, uint64_t{16} << 20);
  CliRun set({"--experimental-raft-log-tail-bytes", "8388608"}, {});
  ASSERT_FALSE(set.loaded.exit_status.has_value()) << set.err.str();
  EXPECT_EQ(set.config().experimental_raft_log_tail_bytes, 8388608u);
}

TEST_F(ConfigFileTest, RaftLogTailBytesFromTheFile) {
  std::string path = Write("experimental-raft-log-tail-bytes: 1048576\n");
  CliRun r({"--config-file", path});
  ASSERT_FALSE(r.loaded.exit_status.has_value()) << r.err.str();
  EXPECT_EQ(r.config().experimental_raft_log_tail_bytes, 1048576u);
}

TEST_F(ConfigFileTest, InvalidSettingExitsOne) {
  std::string path = Write("heartbeat-interval: 0\n");
  CliRun r({"--config-file", path});
  EXPECT_EQ(r.loaded.exit_status, 1);
}

TEST(EtcdFlags, EveryFlagInHelpIsDefined) {
  FlagSet flags("etcd");
  CommandLine cl;
  Logger logger;
  DefineEtcdFlags(flags, cl, logger);
  std::istringstream help(kFlags);
  int listed = 0;
  for (std::string line; std::getline(help, line);) {
    if (!line.starts_with("  --")) continue;
    std::string name = line.substr(4, line.find(' ', 4) - 4);
    EXPECT_NE(flags.Lookup(name), nullptr) << name;
    ++listed;
  }
  EXPECT_EQ(listed, 80);  // etcd 3.4.23 lists 80 flags
  for (const char* hidden : {"log-output", "enable-grpc-gateway", "unsafe-no-fsync", "config-file", "version",
                             "experimental-enable-lease-checkpoint-persist", "snapshot", "vv"}) {
    EXPECT_NE(flags.Lookup(hidden), nullptr) << hidden;
  }
}

TEST(Unsupported, NamesFirstUsedSetting) {
  CommandLine cl;
  EXPECT_EQ(FirstUnsupportedSetting(cl), std::nullopt);
  cl.config.name = "x";
  cl.config.pre_vote = true;
  EXPECT_EQ(FirstUnsupportedSetting(cl), std::nullopt);
  cl.config.enable_v2 = true;
  EXPECT_EQ(FirstUnsupportedSetting(cl), std::nullopt);
  cl.config.experimental_enable_v2v3 = "/v2v3";
  EXPECT_EQ(FirstUnsupportedSetting(cl), "--experimental-enable-v2v3");
}

TEST(EtcdMain, RefusesUnsupportedBeforeStartingMember) {
  std::ostringstream out, err;
  Logger logger;
  bool started = false;
  int status = EtcdMain({"--force-new-cluster"}, {}, logger, {out, err}, [&](const embed::Config&) {
    started = true;
    return 0;
  });
  EXPECT_EQ(status, 1);
  EXPECT_FALSE(started);
  EXPECT_NE(err.str().find("etcd: --force-new-cluster is not supported yet by etcdpp\n"), std::string::npos);
}

TEST(EtcdMain, SubcommandsAreRefusedByName) {
  std::ostringstream out, err;
  Logger logger;
  int status = EtcdMain({"grpc-proxy", "start"}, {}, logger, {out, err}, [](const embed::Config&) { return 0; });
  EXPECT_EQ(status, 1);
  EXPECT_EQ(err.str(), "etcd: grpc-proxy is not supported yet by etcdpp\n");
}

TEST(EtcdMain, HandsDerivedConfigToMember) {
  std::ostringstream out, err;
  Logger logger;
  embed::Config seen;
  int status = EtcdMain({"--name", "infra1", "--initial-advertise-peer-urls", "http://127.0.0.1:12380"}, {}, logger,
                        {out, err}, [&](const embed::Config& c) {
                          seen = c;
                          return 7;
                        });
  EXPECT_EQ(status, 7);
  EXPECT_EQ(seen.data_dir, "infra1.etcd");
  EXPECT_EQ(seen.initial_cluster, "infra1=http://127.0.0.1:12380");
  EXPECT_EQ(seen.logger, &logger);
}

}  // namespace
}  // namespace etcdpp::etcdmain
