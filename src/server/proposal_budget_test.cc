#include "server/proposal_budget.h"

#include <gtest/gtest.h>

namespace etcdpp::server {
namespace {

TEST(ProposalBudget, RefusesWhatWouldPassTheBoundUntilBytesAreReleased) {
  ProposalBudget budget(10);
  EXPECT_TRUE(budget.TryAcquire(6));
  EXPECT_FALSE(budget.TryAcquire(5));
  EXPECT_EQ(budget.used_bytes(), 6u);
  EXPECT_TRUE(budget.TryAcquire(4));
  budget.Release(6);
  EXPECT_TRUE(budget.TryAcquire(5));
  EXPECT_EQ(budget.used_bytes(), 9u);
}

TEST(ProposalBudget, OneRequestLargerThanTheBoundPassesWhenIdle) {
  ProposalBudget budget(10);
  EXPECT_TRUE(budget.TryAcquire(25));
  EXPECT_FALSE(budget.TryAcquire(1));
  budget.Release(25);
  EXPECT_EQ(budget.used_bytes(), 0u);
}

}  // namespace
}  // namespace etcdpp::server
