// GrpcStatus: the outcome of one gRPC call as it travels in the grpc-status and
// grpc-message trailers. A plain value; safe to move between threads.
#pragma once

#include <string>
#include <string_view>

namespace etcdpp::net {

// Numbering is the gRPC wire protocol's.
enum class GrpcCode : int {
  kOk = 0,
  kCancelled = 1,
  kUnknown = 2,
  kInvalidArgument = 3,
  kDeadlineExceeded = 4,
  kNotFound = 5,
  kAlreadyExists = 6,
  kPermissionDenied = 7,
  kResourceExhausted = 8,
  kFailedPrecondition = 9,
  kAborted = 10,
  kOutOfRange = 11,
  kUnimplemented = 12,
  kInternal = 13,
  kUnavailable = 14,
  kDataLoss = 15,
  kUnauthenticated = 16,
};

struct GrpcStatus {
  GrpcCode code = GrpcCode::kOk;
  std::string message;

  static GrpcStatus Ok() { return {}; }
  bool ok() const { return code == GrpcCode::kOk; }
};

inline bool operator==(const GrpcStatus& a, const GrpcStatus& b) {
  return a.code == b.code && a.message == b.message;
}

}  // namespace etcdpp::net
