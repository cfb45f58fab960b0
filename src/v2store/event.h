// Events of the v2 store: what one operation did (action, the node after it, the node
// before it), as the keys API returns them and as the event history keeps them.
//
// Events are immutable once built; the store hands them out as shared_ptr<const Event> so
// the history, every watcher and the API layer share one copy across threads.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace etcdpp::v2store {

// etcd's action names, as they appear in JSON.
inline constexpr std::string_view kActionGet = "get";
inline constexpr std::string_view kActionCreate = "create";
inline constexpr std::string_view kActionSet = "set";
inline constexpr std::string_view kActionUpdate = "update";
inline constexpr std::string_view kActionDelete = "delete";
inline constexpr std::string_view kActionCompareAndSwap = "compareAndSwap";
inline constexpr std::string_view kActionCompareAndDelete = "compareAndDelete";
inline constexpr std::string_view kActionExpire = "expire";

// The client view of one node (etcd's NodeExtern). Zero/empty fields are omitted in JSON.
struct NodeView {
  std::string key;
  std::optional<std::string> value;  // files only
  bool dir = false;
  std::optional<int64_t> expiration_unix_ns;  // nodes with a TTL
  int64_t ttl_seconds = 0;                    // remaining seconds, rounded up
  std::vector<NodeView> nodes;                // listed children of a directory
  uint64_t modified_index = 0;
  uint64_t created_index = 0;

  bool operator==(const NodeView&) const = default;
};

struct Event {
  std::string action;
  NodeView node;
  std::optional<NodeView> prev_node;
  // The store index when the event was produced (X-Etcd-Index); not part of the JSON.
  uint64_t etcd_index = 0;
  // A TTL refresh: kept in the history but never delivered to watchers.
  bool refresh = false;

  uint64_t index() const { return node.modified_index; }
  // A set or create that made a new node (HTTP 201).
  bool IsCreated() const;
};

using EventPtr = std::shared_ptr<const Event>;

// How to write an event as JSON.
struct EventJsonOptions {
  // Removed from the start of every key (etcd's "/1" user prefix for API responses).
  std::string_view trim_prefix;
  // Include "refresh":true (only the snapshot form does; API responses never do).
  bool with_refresh = false;
  // noValueOnSuccess: drop node and prevNode.
  bool omit_nodes = false;
};

void AppendNodeJson(std::string& out, const NodeView& node, std::string_view trim_prefix);
// {"action":…,"node":{…},"prevNode":{…}} in etcd's field order, no trailing newline.
std::string EventToJson(const Event& event, const EventJsonOptions& options = {});

}  // namespace etcdpp::v2store
