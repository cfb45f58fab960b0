// GrpcStatus: the outcome of one gRPC call as it travels in the grpc-status and
// grpc-message trailers. A plain value; safe to move between threads.
#pragma once

#include <string>
#include <string_view>

#include "base/grpc_code.h"

namespace etcdpp::net {

using GrpcCode = ::etcdpp::GrpcCode;

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
