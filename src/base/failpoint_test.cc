#include "base/failpoint.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>

namespace etcdpp::base {
namespace {

// Death tests run in a child process, so each child reads ETCDPP_FAILPOINTS afresh as long
// as this process never used a failpoint before forking.
TEST(FailpointDeathTest, ArmedPointKillsTheProcessWithSigkill) {
  EXPECT_EXIT(
      {
        ::setenv("ETCDPP_FAILPOINTS", "a,defragBeforeCopy", 1);
        Failpoint("defragBeforeCopy");
      },
      ::testing::KilledBySignal(SIGKILL), "failpoint defragBeforeCopy reached");
}

TEST(FailpointDeathTest, UnarmedPointsReturn) {
  EXPECT_EXIT(
      {
        ::setenv("ETCDPP_FAILPOINTS", "a,,defragBeforeCopy", 1);
        Failpoint("defrag");
        Failpoint("defragBeforeCopyX");
        if (!FailpointArmed("a") || FailpointArmed("")) ::_exit(1);
        ::_exit(0);
      },
      ::testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace etcdpp::base
