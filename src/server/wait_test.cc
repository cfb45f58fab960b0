#include "server/wait.h"

#include <gtest/gtest.h>

namespace etcdpp::server {
namespace {

TEST(WaitRegistry, TriggersEachWaiterOnce) {
  WaitRegistry w;
  int calls = 0;
  Status seen;
  w.Register(7, [&](ApplyResult r) {
    ++calls;
    seen = r.status;
  });
  EXPECT_TRUE(w.IsRegistered(7));
  EXPECT_TRUE(w.Trigger(7, ApplyResult{NotFound("x"), nullptr}));
  EXPECT_FALSE(w.Trigger(7, ApplyResult{}));
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(seen.message(), "x");
  EXPECT_EQ(w.size(), 0u);
}

TEST(WaitRegistry, FailAllReachesEveryWaiter) {
  WaitRegistry w;
  int failed = 0;
  for (uint64_t id = 1; id <= 3; ++id) {
    w.Register(id, [&](ApplyResult r) { failed += r.status.ok() ? 0 : 1; });
  }
  w.FailAll(Unavailable("stopping"));
  EXPECT_EQ(failed, 3);
  EXPECT_FALSE(w.Trigger(2, ApplyResult{}));
}

}  // namespace
}  // namespace etcdpp::server
