// WaitUntil: polls a predicate until it holds or a deadline passes. Tests wait for
// conditions this way, never with a bare sleep.
#pragma once

#include <chrono>
#include <thread>

namespace etcdpp::testing {

// Returns true as soon as pred() is true; false if it is still false at the deadline.
template <typename Pred>
bool WaitUntil(Pred pred, std::chrono::milliseconds timeout = std::chrono::seconds(10),
               std::chrono::milliseconds poll = std::chrono::milliseconds(5)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(poll);
  }
  return true;
}

}  // namespace etcdpp::testing
