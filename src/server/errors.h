// The one table of etcd's client-visible errors: exact message, gRPC status code, and
// (through the code) the HTTP status the JSON gateway answers with.
//
// Errors travel through the server as Status values whose message is the etcd text; the
// API layer turns a Status into a gRPC code with GrpcCodeOf(). Clients (clientv3,
// etcdctl) map errors back by message, so the strings must stay byte-exact.
#pragma once

#include <string_view>

#include "base/grpc_code.h"
#include "base/status.h"

namespace etcdpp::server {

using GrpcCode = ::etcdpp::GrpcCode;

struct EtcdError {
  std::string_view message;
  GrpcCode code;

  // A Status carrying this error's message (and a matching StatusCode).
  Status status() const;
  bool Is(const Status& s) const { return !s.ok() && s.message() == message; }
};

namespace errors {
inline constexpr EtcdError kEmptyKey{"etcdserver: key is not provided", GrpcCode::kInvalidArgument};
inline constexpr EtcdError kKeyNotFound{"etcdserver: key not found", GrpcCode::kInvalidArgument};
inline constexpr EtcdError kValueProvided{"etcdserver: value is provided", GrpcCode::kInvalidArgument};
inline constexpr EtcdError kLeaseProvided{"etcdserver: lease is provided", GrpcCode::kInvalidArgument};
inline constexpr EtcdError kTooManyOps{"etcdserver: too many operations in txn request", GrpcCode::kInvalidArgument};
inline constexpr EtcdError kDuplicateKey{"etcdserver: duplicate key given in txn request", GrpcCode::kInvalidArgument};
inline constexpr EtcdError kInvalidMemberUrls{"etcdserver: given member URLs are invalid", GrpcCode::kInvalidArgument};
inline constexpr EtcdError kRequestTooLarge{"etcdserver: request is too large", GrpcCode::kInvalidArgument};
inline constexpr EtcdError kUserEmpty{"etcdserver: user name is empty", GrpcCode::kInvalidArgument};
inline constexpr EtcdError kRoleEmpty{"etcdserver: role name is empty", GrpcCode::kInvalidArgument};
inline constexpr EtcdError kAuthFailed{"etcdserver: authentication failed, invalid user ID or password", GrpcCode::kInvalidArgument};
inline constexpr EtcdError kInvalidAuthMgmt{"etcdserver: invalid auth management", GrpcCode::kInvalidArgument};
inline constexpr EtcdError kAuthOldRevision{"etcdserver: revision of auth store is old", GrpcCode::kInvalidArgument};

inline constexpr EtcdError kCompacted{"etcdserver: mvcc: required revision has been compacted", GrpcCode::kOutOfRange};
inline constexpr EtcdError kFutureRev{"etcdserver: mvcc: required revision is a future revision", GrpcCode::kOutOfRange};
inline constexpr EtcdError kLeaseTtlTooLarge{"etcdserver: too large lease TTL", GrpcCode::kOutOfRange};

inline constexpr EtcdError kNoSpace{"etcdserver: mvcc: database space exceeded", GrpcCode::kResourceExhausted};
// etcd sends these two as code Unknown: clients match them by message.
inline constexpr EtcdError kTooManyRequests{"etcdserver: too many requests", GrpcCode::kUnknown};
inline constexpr EtcdError kNotEnoughStartedMembers{
    "etcdserver: re-configuration failed due to not enough started members", GrpcCode::kUnknown};

inline constexpr EtcdError kLeaseNotFound{"etcdserver: requested lease not found", GrpcCode::kNotFound};
inline constexpr EtcdError kMemberNotFound{"etcdserver: member not found", GrpcCode::kNotFound};

inline constexpr EtcdError kLeaseExists{"etcdserver: lease already exists", GrpcCode::kFailedPrecondition};
inline constexpr EtcdError kMemberExists{"etcdserver: member ID already exist", GrpcCode::kFailedPrecondition};
inline constexpr EtcdError kPeerUrlExists{"etcdserver: Peer URLs already exists", GrpcCode::kFailedPrecondition};
inline constexpr EtcdError kMemberNotLearner{"etcdserver: can only promote a learner member", GrpcCode::kFailedPrecondition};
inline constexpr EtcdError kLearnerNotReady{
    "etcdserver: can only promote a learner member which is in sync with leader", GrpcCode::kFailedPrecondition};
inline constexpr EtcdError kTooManyLearners{"etcdserver: too many learner members in cluster", GrpcCode::kFailedPrecondition};
inline constexpr EtcdError kRootUserNotExist{"etcdserver: root user does not exist", GrpcCode::kFailedPrecondition};
inline constexpr EtcdError kRootRoleNotExist{"etcdserver: root user does not have root role", GrpcCode::kFailedPrecondition};
inline constexpr EtcdError kUserAlreadyExist{"etcdserver: user name already exists", GrpcCode::kFailedPrecondition};
inline constexpr EtcdError kUserNotFound{"etcdserver: user name not found", GrpcCode::kFailedPrecondition};
inline constexpr EtcdError kRoleAlreadyExist{"etcdserver: role name already exists", GrpcCode::kFailedPrecondition};
inline constexpr EtcdError kRoleNotFound{"etcdserver: role name not found", GrpcCode::kFailedPrecondition};
inline constexpr EtcdError kRoleNotGranted{"etcdserver: role is not granted to the user", GrpcCode::kFailedPrecondition};
inline constexpr EtcdError kPermissionNotGranted{"etcdserver: permission is not granted to the role", GrpcCode::kFailedPrecondition};
inline constexpr EtcdError kAuthNotEnabled{"etcdserver: authentication is not enabled", GrpcCode::kFailedPrecondition};
inline constexpr EtcdError kNotLeader{"etcdserver: not leader", GrpcCode::kFailedPrecondition};
inline constexpr EtcdError kBadLeaderTransferee{"etcdserver: bad leader transferee", GrpcCode::kFailedPrecondition};

inline constexpr EtcdError kPermissionDenied{"etcdserver: permission denied", GrpcCode::kPermissionDenied};
inline constexpr EtcdError kInvalidAuthToken{"etcdserver: invalid auth token", GrpcCode::kUnauthenticated};

inline constexpr EtcdError kNoLeader{"etcdserver: no leader", GrpcCode::kUnavailable};
inline constexpr EtcdError kLeaderChanged{"etcdserver: leader changed", GrpcCode::kUnavailable};
inline constexpr EtcdError kNotCapable{"etcdserver: not capable", GrpcCode::kUnavailable};
inline constexpr EtcdError kStopped{"etcdserver: server stopped", GrpcCode::kUnavailable};
inline constexpr EtcdError kTimeout{"etcdserver: request timed out", GrpcCode::kUnavailable};
inline constexpr EtcdError kTimeoutDueToLeaderFail{
    "etcdserver: request timed out, possibly due to previous leader failure", GrpcCode::kUnavailable};
inline constexpr EtcdError kTimeoutDueToConnectionLost{
    "etcdserver: request timed out, possibly due to connection lost", GrpcCode::kUnavailable};
inline constexpr EtcdError kTimeoutWaitAppliedIndex{
    "etcdserver: request timed out, waiting for the applied index took too long", GrpcCode::kUnavailable};
inline constexpr EtcdError kUnhealthy{"etcdserver: unhealthy cluster", GrpcCode::kUnavailable};
inline constexpr EtcdError kLearnerNotSupported{"etcdserver: rpc not supported for learner", GrpcCode::kUnavailable};
inline constexpr EtcdError kTimeoutLeaderTransfer{
    "etcdserver: request timed out, leader transfer took too long", GrpcCode::kUnknown};

inline constexpr EtcdError kCorrupt{"etcdserver: corrupt cluster", GrpcCode::kDataLoss};
inline constexpr EtcdError kWatchCanceled{"etcdserver: watch canceled", GrpcCode::kCancelled};
inline constexpr EtcdError kDuplicateWatchId{"mvcc: duplicate watch ID provided on the WatchStream", GrpcCode::kUnknown};
}  // namespace errors

// The gRPC code a Status travels with: the table's code when the message is one of
// etcd's errors, otherwise derived from the StatusCode (Unknown when nothing fits).
GrpcCode GrpcCodeOf(const Status& status);

// The HTTP status the JSON gateway uses for a gRPC code (grpc-gateway v1's mapping).
int HttpStatusOf(GrpcCode code);

}  // namespace etcdpp::server
