// ETCDPP_CHECK(cond[, message]): assertions that stay on in release builds. A failed
// check is a programmer error: it prints file:line, the condition and the message to
// stderr and aborts.
#pragma once

#include <string_view>

namespace etcdpp::internal {
[[noreturn]] void CheckFailed(const char* file, int line, const char* condition, std::string_view message);
inline std::string_view CheckMessage() { return {}; }
inline std::string_view CheckMessage(std::string_view message) { return message; }
}  // namespace etcdpp::internal

#define ETCDPP_CHECK(cond, ...)                                          \
  do {                                                                   \
    if (!(cond)) [[unlikely]]                                            \
      ::etcdpp::internal::CheckFailed(__FILE__, __LINE__, #cond,         \
                                      ::etcdpp::internal::CheckMessage(__VA_ARGS__)); \
  } while (0)
