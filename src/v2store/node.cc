#include "v2store/node.h"

namespace etcdpp::v2store {

std::unique_ptr<Node> Node::MakeFile(std::string path, std::string value, uint64_t index,
                                     int64_t expire_unix_ns) {
  auto n = std::make_unique<Node>();
  n->path = std::move(path);
  n->value = std::move(value);
  n->created_index = n->modified_index = index;
  n->expire_unix_ns = expire_unix_ns;
  return n;
}

std::unique_ptr<Node> Node::MakeDir(std::string path, uint64_t index, int64_t expire_unix_ns) {
  auto n = std::make_unique<Node>();
  n->path = std::move(path);
  n->is_dir = true;
  n->created_index = n->modified_index = index;
  n->expire_unix_ns = expire_unix_ns;
  return n;
}

std::string_view Node::name() const {
  std::string_view p = path;
  const size_t slash = p.rfind('/');
  return slash == std::string_view::npos ? p : p.substr(slash + 1);
}

bool Node::hidden() const {
  const std::string_view n = name();
  return !n.empty() && n[0] == '_';
}

Node* Node::Child(std::string_view child_name) const {
  auto it = children.find(child_name);
  return it == children.end() ? nullptr : it->second.get();
}

int64_t RemainingTtlSeconds(int64_t expire_unix_ns, int64_t now_unix_ns) {
  constexpr int64_t kNanosPerSecond = 1'000'000'000;
  const int64_t left = expire_unix_ns - now_unix_ns;
  int64_t ttl = left / kNanosPerSecond;
  if (left % kNanosPerSecond > 0) ++ttl;
  return ttl;
}

void Node::FillExpiration(NodeView& view, int64_t now_unix_ns) const {
  if (permanent()) return;
  view.expiration_unix_ns = expire_unix_ns;
  view.ttl_seconds = RemainingTtlSeconds(expire_unix_ns, now_unix_ns);
}

NodeView Node::View(bool recursive, int64_t now_unix_ns) const {
  NodeView view;
  view.key = path;
  view.modified_index = modified_index;
  view.created_index = created_index;
  FillExpiration(view, now_unix_ns);
  if (!is_dir) {
    view.value = value;
    return view;
  }
  view.dir = true;
  if (!recursive) return view;
  view.nodes.reserve(children.size());
  for (const auto& [child_name, child] : children) {
    if (child->hidden()) continue;
    view.nodes.push_back(child->View(true, now_unix_ns));
  }
  return view;
}

}  // namespace etcdpp::v2store
