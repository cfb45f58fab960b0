#include "server/errors.h"

#include <gtest/gtest.h>

namespace etcdpp::server {
namespace {

TEST(Errors, TableMessagesMapToTheirGrpcCodes) {
  EXPECT_EQ(GrpcCodeOf(errors::kCompacted.status()), GrpcCode::kOutOfRange);
  EXPECT_EQ(GrpcCodeOf(errors::kLeaseNotFound.status()), GrpcCode::kNotFound);
  EXPECT_EQ(GrpcCodeOf(errors::kNoLeader.status()), GrpcCode::kUnavailable);
  EXPECT_EQ(errors::kNoSpace.status().message(), "etcdserver: mvcc: database space exceeded");
}

TEST(Errors, TooManyRequestsTravelsAsUnknownLikeEtcd) {
  EXPECT_EQ(GrpcCodeOf(errors::kTooManyRequests.status()), GrpcCode::kUnknown);
  EXPECT_EQ(GrpcCodeOf(errors::kNotEnoughStartedMembers.status()), GrpcCode::kUnknown);
}

TEST(Errors, OtherStatusesFallBackOnTheirCode) {
  EXPECT_EQ(GrpcCodeOf(Status()), GrpcCode::kOk);
  EXPECT_EQ(GrpcCodeOf(InvalidArgument("bad")), GrpcCode::kInvalidArgument);
  EXPECT_EQ(GrpcCodeOf(Internal("boom")), GrpcCode::kUnknown);
  EXPECT_TRUE(errors::kTimeout.Is(errors::kTimeout.status()));
  EXPECT_FALSE(errors::kTimeout.Is(Unavailable("other")));
}

TEST(Errors, GatewayHttpStatusesMatchEtcd) {
  EXPECT_EQ(HttpStatusOf(GrpcCode::kInvalidArgument), 400);
  EXPECT_EQ(HttpStatusOf(GrpcCode::kFailedPrecondition), 412);
  EXPECT_EQ(HttpStatusOf(GrpcCode::kNotFound), 404);
  EXPECT_EQ(HttpStatusOf(GrpcCode::kUnknown), 500);
  EXPECT_EQ(HttpStatusOf(GrpcCode::kResourceExhausted), 429);
}

}  // namespace
}  // namespace etcdpp::server
