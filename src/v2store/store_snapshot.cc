// Store: the snapshot JSON etcd writes into raft snapshots (json.Marshal of its store),
// and the store stats. Format: docs/formats/v2store.md.
#include <nlohmann/json.hpp>

#include "v2store/store.h"

namespace etcdpp::v2store {
namespace {

using Json = nlohmann::json;

void AppendUint(std::string& out, std::string_view name, uint64_t v) {
  out += '"';
  out += name;
  out += "\":";
  out += std::to_string(v);
}

void AppendSavedNode(std::string& out, const Node& n) {
  out += "{\"Path\":";
  AppendJsonString(out, n.path);
  out += ',';
  AppendUint(out, "CreatedIndex", n.created_index);
  out += ',';
  AppendUint(out, "ModifiedIndex", n.modified_index);
  out += ",\"ExpireTime\":";
  AppendJsonString(out, FormatRfc3339Nano(n.expire_unix_ns));
  out += ",\"Value\":";
  AppendJsonString(out, n.value);
  out += ",\"Children\":";
  if (!n.is_dir) {
    out += "null}";
    return;
  }
  out += '{';
  bool first = true;
  for (const auto& [name, child] : n.children) {
    if (!first) out += ',';
    first = false;
    AppendJsonString(out, name);
    out += ':';
    AppendSavedNode(out, *child);
  }
  out += "}}";
}

uint64_t UintField(const Json& obj, const char* name) {
  auto it = obj.find(name);
  if (it == obj.end() || !it->is_number_unsigned()) return 0;
  return it->get<uint64_t>();
}

std::string StringField(const Json& obj, const char* name) {
  auto it = obj.find(name);
  if (it == obj.end() || !it->is_string()) return {};
  return it->get<std::string>();
}

// Node trees nest at most as deep as keys do; the bound only stops hostile input.
constexpr int kMaxDepth = 512;

Result<std::unique_ptr<Node>> ParseSavedNode(const Json& j, Node* parent, int depth) {
  if (!j.is_object() || depth > kMaxDepth) return Corruption("v2store: malformed node in snapshot");
  auto n = std::make_unique<Node>();
  n->path = StringField(j, "Path");
  n->created_index = UintField(j, "CreatedIndex");
  n->modified_index = UintField(j, "ModifiedIndex");
  n->value = StringField(j, "Value");
  n->parent = parent;
  const std::string expire = StringField(j, "ExpireTime");
  if (!expire.empty()) {
    auto t = ParseRfc3339(expire);
    if (!t) return Corruption("v2store: bad ExpireTime in snapshot: " + expire);
    n->expire_unix_ns = *t;
  }
  auto children = j.find("Children");
  if (children != j.end() && children->is_object()) {
    n->is_dir = true;
    for (const auto& [name, child_json] : children->items()) {
      ETCDPP_ASSIGN_OR_RETURN(auto child, ParseSavedNode(child_json, n.get(), depth + 1));
      n->children.emplace(name, std::move(child));
    }
  }
  return n;
}

NodeView ParseNodeView(const Json& j, int depth) {
  NodeView v;
  if (!j.is_object() || depth > kMaxDepth) return v;
  v.key = StringField(j, "key");
  if (auto it = j.find("value"); it != j.end() && it->is_string()) v.value = it->get<std::string>();
  if (auto it = j.find("dir"); it != j.end() && it->is_boolean()) v.dir = it->get<bool>();
  if (auto it = j.find("expiration"); it != j.end() && it->is_string()) {
    v.expiration_unix_ns = ParseRfc3339(it->get<std::string>());
  }
  if (auto it = j.find("ttl"); it != j.end() && it->is_number_integer()) {
    v.ttl_seconds = it->get<int64_t>();
  }
  if (auto it = j.find("nodes"); it != j.end() && it->is_array()) {
    for (const auto& child : *it) v.nodes.push_back(ParseNodeView(child, depth + 1));
  }
  v.modified_index = UintField(j, "modifiedIndex");
  v.created_index = UintField(j, "createdIndex");
  return v;
}

EventPtr ParseEvent(const Json& j) {
  if (!j.is_object()) return nullptr;
  auto e = std::make_shared<Event>();
  e->action = StringField(j, "action");
  if (auto it = j.find("node"); it != j.end()) e->node = ParseNodeView(*it, 0);
  if (auto it = j.find("prevNode"); it != j.end() && it->is_object()) {
    e->prev_node = ParseNodeView(*it, 0);
  }
  if (auto it = j.find("refresh"); it != j.end() && it->is_boolean()) e->refresh = it->get<bool>();
  return e;
}

Status ParseHistory(const Json& hub, EventHistory& history) {
  auto eh = hub.find("EventHistory");
  if (eh == hub.end() || !eh->is_object()) return Status::Ok();
  auto queue = eh->find("Queue");
  if (queue == eh->end() || !queue->is_object()) return Status::Ok();
  auto events = queue->find("Events");
  std::vector<EventPtr> slots;
  if (events != queue->end() && events->is_array()) {
    for (const auto& ej : *events) slots.push_back(ParseEvent(ej));
  }
  const size_t capacity = UintField(*queue, "Capacity");
  if (capacity == 0 || capacity > (1u << 20)) return Corruption("v2store: bad event queue capacity");
  slots.resize(capacity);
  if (!history.Restore(std::move(slots), UintField(*queue, "Size"), UintField(*queue, "Front"),
                       UintField(*queue, "Back"), UintField(*eh, "StartIndex"),
                       UintField(*eh, "LastIndex"))) {
    return Corruption("v2store: inconsistent event history in snapshot");
  }
  return Status::Ok();
}

StoreStats ParseStats(const Json& j) {
  StoreStats s;
  s.gets_success = UintField(j, "getsSuccess");
  s.gets_fail = UintField(j, "getsFail");
  s.sets_success = UintField(j, "setsSuccess");
  s.sets_fail = UintField(j, "setsFail");
  s.delete_success = UintField(j, "deleteSuccess");
  s.delete_fail = UintField(j, "deleteFail");
  s.update_success = UintField(j, "updateSuccess");
  s.update_fail = UintField(j, "updateFail");
  s.create_success = UintField(j, "createSuccess");
  s.create_fail = UintField(j, "createFail");
  s.compare_and_swap_success = UintField(j, "compareAndSwapSuccess");
  s.compare_and_swap_fail = UintField(j, "compareAndSwapFail");
  s.compare_and_delete_success = UintField(j, "compareAndDeleteSuccess");
  s.compare_and_delete_fail = UintField(j, "compareAndDeleteFail");
  s.expire_count = UintField(j, "expireCount");
  s.watchers = UintField(j, "watchers");
  return s;
}

}  // namespace

std::string StoreStats::ToJson() const {
  std::string out = "{";
  const std::pair<const char*, uint64_t> fields[] = {
      {"getsSuccess", gets_success},
      {"getsFail", gets_fail},
      {"setsSuccess", sets_success},
      {"setsFail", sets_fail},
      {"deleteSuccess", delete_success},
      {"deleteFail", delete_fail},
      {"updateSuccess", update_success},
      {"updateFail", update_fail},
      {"createSuccess", create_success},
      {"createFail", create_fail},
      {"compareAndSwapSuccess", compare_and_swap_success},
      {"compareAndSwapFail", compare_and_swap_fail},
      {"compareAndDeleteSuccess", compare_and_delete_success},
      {"compareAndDeleteFail", compare_and_delete_fail},
      {"expireCount", expire_count},
      {"watchers", watchers},
  };
  bool first = true;
  for (const auto& [name, value] : fields) {
    if (!first) out += ',';
    first = false;
    AppendUint(out, name, value);
  }
  out += '}';
  return out;
}

std::string Store::Save() const {
  std::lock_guard lock(mu_);
  return SaveLocked();
}

std::string Store::SaveLocked() const {
  std::string out = "{\"Root\":";
  AppendSavedNode(out, *root_);
  const EventHistory& h = hub_.history();
  out += ",\"WatcherHub\":{\"EventHistory\":{\"Queue\":{\"Events\":[";
  EventJsonOptions opts;
  opts.with_refresh = true;
  for (size_t i = 0; i < h.slots().size(); ++i) {
    if (i) out += ',';
    const EventPtr& e = h.slots()[i];
    out += e ? EventToJson(*e, opts) : "null";
  }
  out += "],";
  AppendUint(out, "Size", h.size());
  out += ',';
  AppendUint(out, "Front", h.front());
  out += ',';
  AppendUint(out, "Back", h.back());
  out += ',';
  AppendUint(out, "Capacity", h.capacity());
  out += "},";
  AppendUint(out, "StartIndex", h.start_index());
  out += ',';
  AppendUint(out, "LastIndex", h.last_index());
  out += "}},";
  AppendUint(out, "CurrentIndex", current_index_);
  out += ",\"Stats\":" + stats_.ToJson() + ",\"CurrentVersion\":";
  out += std::to_string(current_version_);
  out += '}';
  return out;
}

Status Store::Recover(std::string_view json) {
  std::lock_guard lock(mu_);
  return RecoverLocked(json);
}

Status Store::RecoverLocked(std::string_view json) {
  const Json j = Json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return Corruption("v2store: snapshot is not valid JSON");
  auto root_json = j.find("Root");
  if (root_json == j.end()) return Corruption("v2store: snapshot has no Root");
  ETCDPP_ASSIGN_OR_RETURN(auto root, ParseSavedNode(*root_json, nullptr, 0));
  if (!root->is_dir) return Corruption("v2store: snapshot root is not a directory");
  EventHistory history;
  if (auto hub = j.find("WatcherHub"); hub != j.end() && hub->is_object()) {
    ETCDPP_RETURN_IF_ERROR(ParseHistory(*hub, history));
  }
  // Parsed completely: swap in. Fields a snapshot lacks keep their values, as in etcd.
  root_ = std::move(root);
  hub_.history() = std::move(history);
  if (j.contains("CurrentIndex")) current_index_ = UintField(j, "CurrentIndex");
  if (auto s = j.find("Stats"); s != j.end() && s->is_object()) stats_ = ParseStats(*s);
  if (auto v = j.find("CurrentVersion"); v != j.end() && v->is_number_integer()) {
    current_version_ = v->get<int>();
  }
  ttl_index_.clear();
  RebuildTtlIndex(root_.get());
  return Status::Ok();
}

void Store::RebuildTtlIndex(Node* n) {
  if (!n->permanent()) ttl_index_.insert(n);
  for (const auto& [name, child] : n->children) RebuildTtlIndex(child.get());
}

StoreStats Store::stats() const {
  std::lock_guard lock(mu_);
  StoreStats s = stats_;
  s.watchers = hub_.watcher_count();
  return s;
}

std::string Store::StatsJson() const {
  std::lock_guard lock(mu_);
  stats_.watchers = hub_.watcher_count();
  return stats_.ToJson();
}

}  // namespace etcdpp::v2store
