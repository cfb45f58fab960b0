// The client-visible errors mvcc returns, with etcd's exact messages. The api layer maps
// them to gRPC codes and adds the "etcdserver: " prefix where etcd's rpctypes table does.
#pragma once

#include "base/status.h"

namespace etcdpp::mvcc {

inline constexpr std::string_view kCompactedMessage = "mvcc: required revision has been compacted";
inline constexpr std::string_view kFutureRevMessage = "mvcc: required revision is a future revision";
inline constexpr std::string_view kLeaseNotFoundMessage = "etcdserver: requested lease not found";
inline constexpr std::string_view kKeyNotFoundMessage = "etcdserver: key not found";

inline Status ErrCompacted() { return OutOfRange(std::string(kCompactedMessage)); }
inline Status ErrFutureRev() { return OutOfRange(std::string(kFutureRevMessage)); }
inline Status ErrLeaseNotFound() { return NotFound(std::string(kLeaseNotFoundMessage)); }
inline Status ErrKeyNotFound() { return InvalidArgument(std::string(kKeyNotFoundMessage)); }

inline bool IsCompacted(const Status& s) { return !s.ok() && s.message() == kCompactedMessage; }
inline bool IsFutureRev(const Status& s) { return !s.ok() && s.message() == kFutureRevMessage; }

}  // namespace etcdpp::mvcc
