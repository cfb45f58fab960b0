#include "base/flag_set.h"

#include <gtest/gtest.h>

namespace etcdpp {
namespace {

using std::chrono::nanoseconds;
using namespace std::chrono_literals;

struct Target {
  std::string name = "default";
  bool flag = false;
  int64_t count = 7;
  uint64_t size = 0;
  nanoseconds wait = 5s;
};

class FlagSetTest : public ::testing::Test {
 protected:
  FlagSetTest() : flags_("prog") {
    flags_.String("name", &t_.name);
    flags_.Bool("flag", &t_.flag);
    flags_.Int("count", &t_.count);
    flags_.Uint("size", &t_.size);
    flags_.Duration("wait", &t_.wait);
  }
  FlagSet::Outcome Parse(std::vector<std::string> args) { return flags_.Parse(args); }

  Target t_;
  FlagSet flags_;
};

TEST_F(FlagSetTest, AcceptsOneOrTwoDashesWithEqualsOrSeparateValue) {
  ASSERT_EQ(Parse({"-name", "a", "--count=3", "--size", "9", "-wait=1h2m3.5s"}), FlagSet::Outcome::kOk);
  EXPECT_EQ(t_.name, "a");
  EXPECT_EQ(t_.count, 3);
  EXPECT_EQ(t_.size, 9u);
  EXPECT_EQ(t_.wait, 1h + 2min + 3500ms);
  EXPECT_TRUE(flags_.IsSet("name"));
  EXPECT_FALSE(flags_.IsSet("flag"));
}

TEST_F(FlagSetTest, BareBoolIsTrueAndBoolDoesNotConsumeNextArgument) {
  ASSERT_EQ(Parse({"--flag", "false"}), FlagSet::Outcome::kOk);
  EXPECT_TRUE(t_.flag);
  EXPECT_EQ(flags_.positional(), std::vector<std::string>{"false"});
}

TEST_F(FlagSetTest, BoolTakesValueOnlyAfterEquals) {
  t_.flag = true;
  ASSERT_EQ(Parse({"--flag=false"}), FlagSet::Outcome::kOk);
  EXPECT_FALSE(t_.flag);
  ASSERT_EQ(Parse({"--flag=T"}), FlagSet::Outcome::kOk);
  EXPECT_TRUE(t_.flag);
}

TEST_F(FlagSetTest, DoubleDashEndsFlags) {
  ASSERT_EQ(Parse({"--name", "x", "--", "--count", "1"}), FlagSet::Outcome::kOk);
  EXPECT_EQ(flags_.positional(), (std::vector<std::string>{"--count", "1"}));
  EXPECT_EQ(t_.count, 7);
}

TEST_F(FlagSetTest, StopsAtFirstNonFlagAndSingleDash) {
  ASSERT_EQ(Parse({"foo", "--name", "x"}), FlagSet::Outcome::kOk);
  EXPECT_EQ(flags_.positional().size(), 3u);
  EXPECT_EQ(t_.name, "default");
  ASSERT_EQ(Parse({"-"}), FlagSet::Outcome::kOk);
  EXPECT_EQ(flags_.positional(), std::vector<std::string>{"-"});
}

TEST_F(FlagSetTest, UnknownFlagUsesGoMessage) {
  ASSERT_EQ(Parse({"--nosuch"}), FlagSet::Outcome::kError);
  EXPECT_EQ(flags_.error(), "flag provided but not defined: -nosuch");
  ASSERT_EQ(Parse({"-nosuch=1"}), FlagSet::Outcome::kError);
  EXPECT_EQ(flags_.error(), "flag provided but not defined: -nosuch");
}

TEST_F(FlagSetTest, HelpWhenHOrHelpIsNotDefined) {
  EXPECT_EQ(Parse({"-h"}), FlagSet::Outcome::kHelp);
  EXPECT_EQ(Parse({"--help"}), FlagSet::Outcome::kHelp);
}

TEST_F(FlagSetTest, BadSyntaxAndMissingArgument) {
  ASSERT_EQ(Parse({"---x"}), FlagSet::Outcome::kError);
  EXPECT_EQ(flags_.error(), "bad flag syntax: ---x");
  ASSERT_EQ(Parse({"-=x"}), FlagSet::Outcome::kError);
  EXPECT_EQ(flags_.error(), "bad flag syntax: -=x");
  ASSERT_EQ(Parse({"--name"}), FlagSet::Outcome::kError);
  EXPECT_EQ(flags_.error(), "flag needs an argument: -name");
}

TEST_F(FlagSetTest, BadValuesUseGoMessages) {
  ASSERT_EQ(Parse({"--count", "abc"}), FlagSet::Outcome::kError);
  EXPECT_EQ(flags_.error(), "invalid value \"abc\" for flag -count: parse error");
  ASSERT_EQ(Parse({"--size=-1"}), FlagSet::Outcome::kError);
  EXPECT_EQ(flags_.error(), "invalid value \"-1\" for flag -size: parse error");
  ASSERT_EQ(Parse({"--size=99999999999999999999"}), FlagSet::Outcome::kError);
  EXPECT_EQ(flags_.error(), "invalid value \"99999999999999999999\" for flag -size: value out of range");
  ASSERT_EQ(Parse({"--flag=maybe"}), FlagSet::Outcome::kError);
  EXPECT_EQ(flags_.error(), "invalid boolean value \"maybe\" for -flag: parse error");
  ASSERT_EQ(Parse({"--wait", "5"}), FlagSet::Outcome::kError);
  EXPECT_EQ(flags_.error(), "invalid value \"5\" for flag -wait: parse error");
}

TEST(GoInt, BasePrefixesAndUnderscores) {
  EXPECT_EQ(*ParseGoInt("0x10", 64), 16);
  EXPECT_EQ(*ParseGoInt("010", 64), 8);
  EXPECT_EQ(*ParseGoInt("0o17", 64), 15);
  EXPECT_EQ(*ParseGoInt("0b101", 64), 5);
  EXPECT_EQ(*ParseGoInt("-1_000", 64), -1000);
  EXPECT_EQ(*ParseGoInt("+5", 64), 5);
  EXPECT_FALSE(ParseGoInt("1__0", 64).ok());
  EXPECT_FALSE(ParseGoInt("_1", 64).ok());
  EXPECT_FALSE(ParseGoInt("0x", 64).ok());
  EXPECT_EQ(*ParseGoInt("-9223372036854775808", 64), INT64_MIN);
  EXPECT_EQ(ParseGoInt("9223372036854775808", 64).status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(ParseGoUint("4294967296", 32).status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(*ParseGoUint("4294967295", 32), 4294967295u);
  EXPECT_FALSE(ParseGoUint("+1", 64).ok());
}

TEST(GoDuration, ParsesGoSyntax) {
  EXPECT_EQ(*ParseGoDuration("300ms"), 300ms);
  EXPECT_EQ(*ParseGoDuration("1.5h"), 90min);
  EXPECT_EQ(*ParseGoDuration("-2m"), -2min);
  EXPECT_EQ(*ParseGoDuration("0"), 0ns);
  EXPECT_EQ(*ParseGoDuration("1us"), 1us);
  EXPECT_EQ(*ParseGoDuration("1\u00b5s"), 1us);
  EXPECT_EQ(*ParseGoDuration(".5s"), 500ms);
  EXPECT_FALSE(ParseGoDuration("").ok());
  EXPECT_FALSE(ParseGoDuration("5").ok());
  EXPECT_FALSE(ParseGoDuration("5x").ok());
  EXPECT_FALSE(ParseGoDuration(".s").ok());
  EXPECT_FALSE(ParseGoDuration("9999999999h").ok());
}

TEST(GoDuration, FormatsLikeGo) {
  EXPECT_EQ(FormatGoDuration(0ns), "0s");
  EXPECT_EQ(FormatGoDuration(100ms), "100ms");
  EXPECT_EQ(FormatGoDuration(2h), "2h0m0s");
  EXPECT_EQ(FormatGoDuration(1h + 2min + 3500ms), "1h2m3.5s");
  EXPECT_EQ(FormatGoDuration(1500ns), "1.5\u00b5s");
  EXPECT_EQ(FormatGoDuration(-5s), "-5s");
}

TEST_F(FlagSetTest, EnvFillsFlagsNotGivenAndReportsConflicts) {
  ASSERT_EQ(Parse({"--name", "cli"}), FlagSet::Outcome::kOk);
  FlagSet::EnvReport report;
  Status s = flags_.SetFromEnv("P", {"P_COUNT=5", "P_FOO=1", "P_NAME=env", "P_SIZE=", "HOME=/x"}, &report);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(t_.count, 5);
  EXPECT_EQ(t_.name, "cli");
  ASSERT_EQ(report.used.size(), 1u);
  EXPECT_EQ(report.used[0].first, "P_COUNT");
  EXPECT_EQ(report.unrecognized, std::vector<std::string>{"P_FOO=1"});
  EXPECT_EQ(report.conflicting, "P_NAME");
}

TEST_F(FlagSetTest, EnvBadValueNamesTheVariable) {
  ASSERT_EQ(Parse({}), FlagSet::Outcome::kOk);
  FlagSet::EnvReport report;
  Status s = flags_.SetFromEnv("P", {"P_COUNT=x"}, &report);
  EXPECT_EQ(s.message(), "invalid value \"x\" for P_COUNT: parse error");
  EXPECT_TRUE(report.unrecognized.empty());
}

TEST(FlagSetEnvKey, UpperSnakeWithPrefix) {
  EXPECT_EQ(FlagSet::EnvKey("ETCD", "initial-cluster-state"), "ETCD_INITIAL_CLUSTER_STATE");
}

}  // namespace
}  // namespace etcdpp
