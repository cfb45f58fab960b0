// WatchEvent: one event of one revision, built once and shared (read-only) by every
// watcher and stream that receives it. Next to the event it keeps the event's encoding as
// an entry of etcdserverpb.WatchResponse's repeated field 11 `events` (tag, length, body),
// so a stream writes the same bytes to each of its clients without copying or re-encoding
// a protobuf per watcher. The variant with prev_kv (only some watchers ask for it) is
// built on first request and shared the same way.
//
// Threads: immutable once built, except the lazily built prev_kv variant, which any
// number of threads may request at once (the first builds it, the others wait).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "mvccpb/kv.pb.h"

namespace etcdpp::mvcc {

class WatchEvent;
using WatchEventPtr = std::shared_ptr<const WatchEvent>;

// The field number of `events` in etcdserverpb.WatchResponse.
inline constexpr int kWatchResponseEventsField = 11;

// Appends `ev` to `out` as one WatchResponse field 11 entry (tag, length, body).
void AppendEventField(const mvccpb::Event& ev, std::string* out);

class WatchEvent {
 public:
  // The previous value of an event's key (as of the revision before the event), or
  // nullopt when there is none or it was compacted.
  using PrevKvLookup = std::function<std::optional<mvccpb::KeyValue>(const mvccpb::Event&)>;

  static WatchEventPtr Make(mvccpb::Event ev);

  explicit WatchEvent(mvccpb::Event ev);
  WatchEvent(const WatchEvent&) = delete;
  WatchEvent& operator=(const WatchEvent&) = delete;

  const mvccpb::Event& event() const { return event_; }
  const mvccpb::KeyValue& kv() const { return event_.kv(); }
  mvccpb::Event::EventType type() const { return event_.type(); }
  bool has_prev_kv() const { return event_.has_prev_kv(); }
  const mvccpb::KeyValue& prev_kv() const { return event_.prev_kv(); }
  int64_t revision() const { return event_.kv().mod_revision(); }

  // The WatchResponse field 11 entry of event().
  const std::string& field() const { return field_; }

  // The same event with prev_kv set, from `lookup` on the first call; every later call
  // returns that same variant (the lookup is not repeated). `self` must own this event.
  // Without a previous value, `self` itself.
  static WatchEventPtr WithPrevKv(const WatchEventPtr& self, const PrevKvLookup& lookup);

 private:
  const mvccpb::Event event_;
  const std::string field_;
  mutable std::once_flag prev_once_;
  mutable std::unique_ptr<const WatchEvent> with_prev_;  // set once under prev_once_
};

}  // namespace etcdpp::mvcc
