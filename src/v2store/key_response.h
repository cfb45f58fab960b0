// The v2 keys API's response side: status, headers and body exactly as etcd writes them
// for an event, an error, or a watch. Pure functions; any thread. The API layer adds
// X-Etcd-Cluster-ID and the CORS headers, and drops the body for HEAD.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "v2store/error.h"
#include "v2store/event.h"
#include "v2store/watcher.h"

namespace etcdpp::v2store {

struct HttpResponse {
  int status = 200;
  // In the order Go writes them (sorted by name).
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// 201 for a set/create that made a node, else 200; keys lose the internal "/1" prefix;
// body is the event JSON and a newline. X-Etcd-Index is the event's store index.
HttpResponse RenderEvent(const Event& event, uint64_t raft_index, uint64_t raft_term,
                         bool no_value_on_success);

// The error's HTTP status, X-Etcd-Index = error index, JSON body and a newline. Store
// paths in the cause lose the "/1" prefix.
HttpResponse RenderError(const Error& error);

// A server-side failure (timeout, stopped, …) as etcd reports it: 300 "Raft Internal
// Error" (HTTP 500) with the server's error text as the cause and index 0.
Error ServerError(std::string_view message);

// The head of a watch response, sent (and flushed) at once: 200 with X-Etcd-Index = the
// watcher's start index. Each event then follows as RenderWatchEvent; a one-shot watch
// ends after one event, a stream when the watcher closes or the client goes away.
HttpResponse RenderWatchStart(const Watcher& watcher, uint64_t raft_index, uint64_t raft_term);
std::string RenderWatchEvent(const Event& event);

}  // namespace etcdpp::v2store
