// WaitRegistry: the waiters of proposals in flight, keyed by request ID. An I/O thread
// registers a callback before proposing; the apply thread triggers it with the result
// once the entry is applied, or the raft thread fails it (timeout, dropped proposal).
// Whichever comes first wins; the callback runs exactly once, on the triggering thread,
// and must not block (it posts the response back to its connection).
//
// Thread-safe: one short mutex around the map.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>

#include <google/protobuf/message.h>

#include "base/status.h"
#include "v2store/error.h"
#include "v2store/event.h"

namespace etcdpp::server {

struct ApplyResult {
  Status status;
  std::unique_ptr<google::protobuf::Message> response;  // null on error
  // A v2 request: the store's event (null for SYNC and etcd's /0 membership paths) or
  // the store's error (status stays ok: it is an answer, not a failure of the member).
  v2store::EventPtr v2_event = nullptr;
  std::optional<v2store::Error> v2_error = std::nullopt;
};

using ApplyCallback = std::function<void(ApplyResult)>;

class WaitRegistry {
 public:
  void Register(uint64_t id, ApplyCallback callback);
  // Runs and removes the waiter of `id`; false if there is none (already triggered,
  // timed out, or the entry came from another member).
  bool Trigger(uint64_t id, ApplyResult result);
  bool IsRegistered(uint64_t id) const;
  // Fails every waiter (server stopping).
  void FailAll(const Status& status);
  size_t size() const;

 private:
  mutable std::mutex mu_;  // guards waiters_
  std::unordered_map<uint64_t, ApplyCallback> waiters_;
};

}  // namespace etcdpp::server
