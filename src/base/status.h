// Status and Result<T>: how every etcdpp module reports operating errors.
//
// A Status is a code plus a message; the OK status allocates nothing. Result<T> holds
// either a value or a non-OK Status. Both are plain values, safe to move between
// threads. Programmer errors are not Statuses: they are ETCDPP_CHECK failures (check.h).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "base/check.h"

namespace etcdpp {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,
  kNotFound,
  kAlreadyExists,
  kFailedPrecondition,
  kOutOfRange,
  kResourceExhausted,
  kUnavailable,
  kDeadlineExceeded,
  kCancelled,
  kCorruption,
  kIoError,
  kUnimplemented,
  kInternal,
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message);

  static Status Ok() { return Status(); }

  bool ok() const { return rep_ == nullptr; }
  StatusCode code() const { return rep_ ? rep_->code : StatusCode::kOk; }
  const std::string& message() const;
  // "CodeName: message", or "OK".
  std::string ToString() const;

  // Marks a status as deliberately dropped.
  void IgnoreError() const {}

 private:
  struct Rep {
    StatusCode code;
    std::string message;
  };
  std::shared_ptr<const Rep> rep_;  // immutable, so copies may share it
};

inline Status InvalidArgument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
inline Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
inline Status AlreadyExists(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
inline Status FailedPrecondition(std::string m) { return {StatusCode::kFailedPrecondition, std::move(m)}; }
inline Status OutOfRange(std::string m) { return {StatusCode::kOutOfRange, std::move(m)}; }
inline Status ResourceExhausted(std::string m) { return {StatusCode::kResourceExhausted, std::move(m)}; }
inline Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
inline Status Corruption(std::string m) { return {StatusCode::kCorruption, std::move(m)}; }
inline Status IoError(std::string m) { return {StatusCode::kIoError, std::move(m)}; }
inline Status Unimplemented(std::string m) { return {StatusCode::kUnimplemented, std::move(m)}; }
inline Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {  // NOLINT: implicit by design
    ETCDPP_CHECK(!std::get<Status>(v_).ok(), "Result built from an OK status");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return checked(); }
  const T& value() const& { return const_cast<Result*>(this)->checked(); }
  T&& value() && { return std::move(checked()); }
  T* operator->() { return &checked(); }
  const T* operator->() const { return &const_cast<Result*>(this)->checked(); }
  T& operator*() & { return checked(); }
  const T& operator*() const& { return const_cast<Result*>(this)->checked(); }

 private:
  T& checked() {
    ETCDPP_CHECK(ok(), "value() of a failed Result: " + std::get<Status>(v_).ToString());
    return std::get<T>(v_);
  }
  std::variant<T, Status> v_;
};

}  // namespace etcdpp

// Returns the status of `expr` from the enclosing function when it is not OK.
#define ETCDPP_RETURN_IF_ERROR(expr)                  \
  do {                                                \
    ::etcdpp::Status etcdpp_status_ = (expr);         \
    if (!etcdpp_status_.ok()) return etcdpp_status_;  \
  } while (0)

#define ETCDPP_CONCAT_INNER_(a, b) a##b
#define ETCDPP_CONCAT_(a, b) ETCDPP_CONCAT_INNER_(a, b)
// Declares `lhs` from a Result expression, or returns its status from the enclosing function.
#define ETCDPP_ASSIGN_OR_RETURN(lhs, expr) \
  ETCDPP_ASSIGN_OR_RETURN_IMPL_(ETCDPP_CONCAT_(etcdpp_result_, __LINE__), lhs, expr)
#define ETCDPP_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                  \
  if (!tmp.ok()) return tmp.status();                 \
  lhs = std::move(tmp).value()
