// The v2 keys API's client-visible errors (etcd's v2error): numeric code, fixed message,
// request-specific cause, the store index at the time of failure, and the HTTP status the
// API answers with. Plain values; any thread.
//
// StoreResult<T> carries either a value or such an Error. It is separate from base's
// Result because these errors are data sent to clients (code, cause and index end up in
// the JSON body), not operating failures of the member.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "base/check.h"

namespace etcdpp::v2store {

// etcd's v2 error codes; values are part of the wire contract.
enum class ErrorCode : int {
  kKeyNotFound = 100,
  kTestFailed = 101,
  kNotFile = 102,
  kNoMorePeer = 103,
  kNotDir = 104,
  kNodeExist = 105,
  kKeyIsPreserved = 106,
  kRootReadOnly = 107,
  kDirNotEmpty = 108,
  kExistingPeerAddr = 109,
  kUnauthorized = 110,

  kValueRequired = 200,
  kPrevValueRequired = 201,
  kTtlNaN = 202,
  kIndexNaN = 203,
  kValueOrTtlRequired = 204,
  kTimeoutNaN = 205,
  kNameRequired = 206,
  kIndexOrValueRequired = 207,
  kIndexValueMutex = 208,
  kInvalidField = 209,
  kInvalidForm = 210,
  kRefreshValue = 211,
  kRefreshTtlRequired = 212,

  kRaftInternal = 300,
  kLeaderElect = 301,

  kWatcherCleared = 400,
  kEventIndexCleared = 401,
  kStandbyInternal = 402,
  kInvalidActiveSize = 403,
  kInvalidRemoveDelay = 404,

  kClientInternal = 500,
};

// The fixed message etcd pairs with `code` ("" for an unknown code).
std::string_view ErrorMessage(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::kKeyNotFound;
  std::string cause;
  uint64_t index = 0;

  // The HTTP status the keys API answers with: 404, 412, 403, 401, 500 or 400.
  int HttpStatus() const;
  std::string_view message() const { return ErrorMessage(code); }
  // {"errorCode":N,"message":"…","cause":"…","index":N} as etcd encodes it (cause omitted
  // when empty), without the trailing newline.
  std::string ToJson() const;
  // "Key not found (/foo)": the Go error string, used in logs and wrapped errors.
  std::string ToString() const;
};

inline Error MakeError(ErrorCode code, std::string cause, uint64_t index) {
  return Error{code, std::move(cause), index};
}

template <typename T>
class [[nodiscard]] StoreResult {
 public:
  StoreResult(T value) : v_(std::move(value)) {}     // NOLINT: implicit by design
  StoreResult(Error error) : v_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Error& error() const {
    ETCDPP_CHECK(!ok(), "error() of a successful StoreResult");
    return std::get<Error>(v_);
  }
  Error& error() {
    ETCDPP_CHECK(!ok(), "error() of a successful StoreResult");
    return std::get<Error>(v_);
  }
  T& value() & { return checked(); }
  const T& value() const& { return const_cast<StoreResult*>(this)->checked(); }
  T&& value() && { return std::move(checked()); }
  T* operator->() { return &checked(); }
  const T* operator->() const { return &const_cast<StoreResult*>(this)->checked(); }
  T& operator*() & { return checked(); }
  const T& operator*() const& { return const_cast<StoreResult*>(this)->checked(); }

 private:
  T& checked() {
    ETCDPP_CHECK(ok(), "value() of a failed StoreResult: " + std::get<Error>(v_).ToString());
    return std::get<T>(v_);
  }
  std::variant<T, Error> v_;
};

}  // namespace etcdpp::v2store
