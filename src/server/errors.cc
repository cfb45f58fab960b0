#include "server/errors.h"

#include <array>

namespace etcdpp::server {
namespace {

using namespace errors;
using G = GrpcCode;

// Every table entry, for message lookup.
constexpr std::array kAllErrors = {
    &kEmptyKey, &kKeyNotFound, &kValueProvided, &kLeaseProvided, &kTooManyOps, &kDuplicateKey,
    &kInvalidMemberUrls, &kRequestTooLarge, &kUserEmpty, &kRoleEmpty, &kAuthFailed,
    &kInvalidAuthMgmt, &kAuthOldRevision, &kCompacted, &kFutureRev, &kLeaseTtlTooLarge, &kNoSpace,
    &kTooManyRequests, &kNotEnoughStartedMembers, &kLeaseNotFound, &kMemberNotFound, &kLeaseExists,
    &kMemberExists, &kPeerUrlExists, &kMemberNotLearner, &kLearnerNotReady, &kTooManyLearners,
    &kRootUserNotExist, &kRootRoleNotExist, &kUserAlreadyExist, &kUserNotFound, &kRoleAlreadyExist,
    &kRoleNotFound, &kRoleNotGranted, &kPermissionNotGranted, &kAuthNotEnabled, &kNotLeader,
    &kBadLeaderTransferee, &kPermissionDenied, &kInvalidAuthToken, &kNoLeader, &kLeaderChanged,
    &kNotCapable, &kStopped, &kTimeout, &kTimeoutDueToLeaderFail, &kTimeoutDueToConnectionLost,
    &kTimeoutWaitAppliedIndex, &kUnhealthy, &kLearnerNotSupported, &kTimeoutLeaderTransfer,
    &kCorrupt, &kWatchCanceled, &kDuplicateWatchId,
};

StatusCode StatusCodeFor(GrpcCode code) {
  switch (code) {
    case G::kInvalidArgument: return StatusCode::kInvalidArgument;
    case G::kNotFound: return StatusCode::kNotFound;
    case G::kAlreadyExists: return StatusCode::kAlreadyExists;
    case G::kFailedPrecondition: return StatusCode::kFailedPrecondition;
    case G::kOutOfRange: return StatusCode::kOutOfRange;
    case G::kResourceExhausted: return StatusCode::kResourceExhausted;
    case G::kUnavailable: return StatusCode::kUnavailable;
    case G::kDeadlineExceeded: return StatusCode::kDeadlineExceeded;
    case G::kCancelled: return StatusCode::kCancelled;
    case G::kDataLoss: return StatusCode::kCorruption;
    case G::kUnimplemented: return StatusCode::kUnimplemented;
    default: return StatusCode::kInternal;
  }
}

}  // namespace

Status EtcdError::status() const { return Status(StatusCodeFor(code), std::string(message)); }

GrpcCode GrpcCodeOf(const Status& status) {
  if (status.ok()) return G::kOk;
  for (const EtcdError* e : kAllErrors) {
    if (e->message == status.message()) return e->code;
  }
  switch (status.code()) {
    case StatusCode::kInvalidArgument: return G::kInvalidArgument;
    case StatusCode::kNotFound: return G::kNotFound;
    case StatusCode::kAlreadyExists: return G::kAlreadyExists;
    case StatusCode::kFailedPrecondition: return G::kFailedPrecondition;
    case StatusCode::kOutOfRange: return G::kOutOfRange;
    case StatusCode::kResourceExhausted: return G::kResourceExhausted;
    case StatusCode::kUnavailable: return G::kUnavailable;
    case StatusCode::kDeadlineExceeded: return G::kDeadlineExceeded;
    case StatusCode::kCancelled: return G::kCancelled;
    case StatusCode::kUnimplemented: return G::kUnimplemented;
    case StatusCode::kCorruption: return G::kDataLoss;
    default: return G::kUnknown;
  }
}

int HttpStatusOf(GrpcCode code) {
  switch (code) {
    case G::kOk: return 200;
    case G::kCancelled: return 408;
    case G::kUnknown: return 500;
    case G::kInvalidArgument: return 400;
    case G::kDeadlineExceeded: return 504;
    case G::kNotFound: return 404;
    case G::kAlreadyExists: return 409;
    case G::kPermissionDenied: return 403;
    case G::kUnauthenticated: return 401;
    case G::kResourceExhausted: return 429;
    case G::kFailedPrecondition: return 412;
    case G::kAborted: return 409;
    case G::kOutOfRange: return 400;
    case G::kUnimplemented: return 501;
    case G::kInternal: return 500;
    case G::kUnavailable: return 503;
    case G::kDataLoss: return 500;
  }
  return 500;
}

}  // namespace etcdpp::server
