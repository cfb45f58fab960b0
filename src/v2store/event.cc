#include "v2store/event.h"

#include "v2store/go_text.h"

namespace etcdpp::v2store {
namespace {

void AppendField(std::string& out, bool& first, std::string_view name) {
  if (!first) out += ',';
  first = false;
  out += '"';
  out += name;
  out += "\":";
}

std::string_view TrimPrefix(std::string_view key, std::string_view prefix) {
  if (!prefix.empty() && key.substr(0, prefix.size()) == prefix) key.remove_prefix(prefix.size());
  return key;
}

}  // namespace

bool Event::IsCreated() const {
  if (action == kActionCreate) return true;
  return action == kActionSet && !prev_node.has_value();
}

void AppendNodeJson(std::string& out, const NodeView& node, std::string_view trim_prefix) {
  out += '{';
  bool first = true;
  const std::string_view key = TrimPrefix(node.key, trim_prefix);
  if (!key.empty()) {
    AppendField(out, first, "key");
    AppendJsonString(out, key);
  }
  if (node.value) {
    AppendField(out, first, "value");
    AppendJsonString(out, *node.value);
  }
  if (node.dir) {
    AppendField(out, first, "dir");
    out += "true";
  }
  if (node.expiration_unix_ns) {
    AppendField(out, first, "expiration");
    AppendJsonString(out, FormatRfc3339Nano(*node.expiration_unix_ns));
  }
  if (node.ttl_seconds != 0) {
    AppendField(out, first, "ttl");
    out += std::to_string(node.ttl_seconds);
  }
  if (!node.nodes.empty()) {
    AppendField(out, first, "nodes");
    out += '[';
    for (size_t i = 0; i < node.nodes.size(); ++i) {
      if (i) out += ',';
      AppendNodeJson(out, node.nodes[i], trim_prefix);
    }
    out += ']';
  }
  if (node.modified_index != 0) {
    AppendField(out, first, "modifiedIndex");
    out += std::to_string(node.modified_index);
  }
  if (node.created_index != 0) {
    AppendField(out, first, "createdIndex");
    out += std::to_string(node.created_index);
  }
  out += '}';
}

std::string EventToJson(const Event& event, const EventJsonOptions& options) {
  std::string out = "{\"action\":";
  AppendJsonString(out, event.action);
  if (!options.omit_nodes) {
    out += ",\"node\":";
    AppendNodeJson(out, event.node, options.trim_prefix);
    if (event.prev_node) {
      out += ",\"prevNode\":";
      AppendNodeJson(out, *event.prev_node, options.trim_prefix);
    }
  }
  if (options.with_refresh && event.refresh) out += ",\"refresh\":true";
  out += '}';
  return out;
}

}  // namespace etcdpp::v2store
