// The gRPC encoding of watch responses from shared, pre-encoded events: the response
// without its events is serialized by protobuf, then each event's cached WatchResponse
// field 11 entry is appended. `events` has the highest field number of WatchResponse, so
// the result is byte for byte what protobuf would produce for the whole message.
#pragma once

#include <cstddef>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "etcdserverpb/rpc.pb.h"
#include "mvcc/watch_event.h"

namespace etcdpp::api {

// Encoded size of the events' field entries.
size_t EventFieldsBytes(std::span<const mvcc::WatchEventPtr> events);

// Appends to `out` the encoding of `head` (a WatchResponse whose events are empty) with
// `events` as its events; returns the bytes appended.
size_t AppendWatchResponse(const etcdserverpb::WatchResponse& head, std::span<const mvcc::WatchEventPtr> events,
                           std::string* out);
std::string EncodeWatchResponse(const etcdserverpb::WatchResponse& head,
                                std::span<const mvcc::WatchEventPtr> events);

// etcd's sendFragments cut points for a response of `n` events: the end index of each
// piece. `whole_bytes` is the encoded size of the whole response, `piece_head_bytes` that of
// a piece without events (fragment=true), `event_bytes(i)` what event i adds. A response
// under `limit_bytes`, or with fewer than two events, is one piece; otherwise each piece
// stays under the limit but always takes at least one event.
std::vector<size_t> FragmentEnds(size_t whole_bytes, size_t piece_head_bytes, size_t n,
                                 const std::function<size_t(size_t)>& event_bytes, size_t limit_bytes);

}  // namespace etcdpp::api
