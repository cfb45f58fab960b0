// Store: construction, lookups, reads, creation and the shared machinery of writes.
// Modifying operations other than create/set live in store_write.cc, snapshots in
// store_snapshot.cc.
#include "v2store/store.h"

#include <algorithm>
#include <cstdio>

namespace etcdpp::v2store {
namespace {

// Expiry times before 2000 are treated as "no TTL": they come from zeroed or mangled
// times (etcd's rule, kept so both compute the same tree).
constexpr int64_t kMinExpireUnixNs = 946'684'800LL * 1'000'000'000LL;

std::string UniqueName(uint64_t index) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%020llu", static_cast<unsigned long long>(index));
  return buf;
}

}  // namespace

Store::Store(std::vector<std::string> namespaces) {
  root_ = Node::MakeDir("/", 0, kPermanent);
  read_only_.push_back("/");
  for (const std::string& ns : namespaces) {
    std::string path = AbsolutePath(ns);
    auto dir = Node::MakeDir(path, 0, kPermanent);
    dir->parent = root_.get();
    root_->children.emplace(std::string(dir->name()), std::move(dir));
    read_only_.push_back(std::move(path));
  }
}

uint64_t Store::index() const {
  std::lock_guard lock(mu_);
  return current_index_;
}

int Store::version() const {
  std::lock_guard lock(mu_);
  return current_version_;
}

bool Store::ReadOnly(std::string_view clean_path) const {
  return std::find(read_only_.begin(), read_only_.end(), clean_path) != read_only_.end();
}

StoreResult<Node*> Store::Lookup(std::string_view path) const {
  const std::string clean = AbsolutePath(path);
  Node* cur = root_.get();
  size_t pos = 1;
  while (pos < clean.size()) {
    size_t slash = clean.find('/', pos);
    if (slash == std::string::npos) slash = clean.size();
    const std::string_view name = std::string_view(clean).substr(pos, slash - pos);
    if (!cur->is_dir) return MakeError(ErrorCode::kNotDir, cur->path, current_index_);
    Node* child = cur->Child(name);
    if (child == nullptr) {
      return MakeError(ErrorCode::kKeyNotFound, JoinPath(cur->path, name), current_index_);
    }
    cur = child;
    pos = slash + 1;
  }
  return cur;
}

StoreResult<Node*> Store::MakeParents(std::string_view dir_path) {
  Node* cur = root_.get();
  size_t pos = 1;
  while (pos < dir_path.size()) {
    size_t slash = dir_path.find('/', pos);
    if (slash == std::string::npos) slash = dir_path.size();
    const std::string_view name = dir_path.substr(pos, slash - pos);
    pos = slash + 1;
    if (name.empty()) break;
    Node* child = cur->Child(name);
    if (child == nullptr) {
      // Intermediate directories take the index the operation is about to use.
      auto dir = Node::MakeDir(JoinPath(cur->path, name), current_index_ + 1, kPermanent);
      dir->parent = cur;
      child = dir.get();
      cur->children.emplace(std::string(name), std::move(dir));
    } else if (!child->is_dir) {
      return MakeError(ErrorCode::kNotDir, child->path, current_index_);
    }
    cur = child;
  }
  return cur;
}

StoreResult<EventPtr> Store::Get(std::string_view path, bool recursive, bool /*sorted*/,
                                 int64_t now_unix_ns) {
  // Children are kept in key order, so every listing is already sorted.
  std::lock_guard lock(mu_);
  auto found = Lookup(path);
  if (!found.ok()) {
    ++stats_.gets_fail;
    return std::move(found.error());
  }
  const Node* n = *found;
  auto e = std::make_shared<Event>();
  e->action = kActionGet;
  e->etcd_index = current_index_;
  e->node = n->View(false, now_unix_ns);
  e->node.key = std::string(path);
  if (n->is_dir) {
    for (const auto& [name, child] : n->children) {
      if (!child->hidden()) e->node.nodes.push_back(child->View(recursive, now_unix_ns));
    }
  }
  ++stats_.gets_success;
  return EventPtr(std::move(e));
}

StoreResult<EventPtr> Store::Create(std::string_view path, bool dir, std::string_view value,
                                    bool unique, const TtlOptions& ttl, int64_t now_unix_ns) {
  std::lock_guard lock(mu_);
  auto result = CreateLocked(std::string(path), dir, value, unique, /*replace=*/false,
                             ttl.expire_unix_ns, kActionCreate, now_unix_ns);
  if (!result.ok()) {
    ++stats_.create_fail;
    return result;
  }
  ++stats_.create_success;
  hub_.Notify(*result);
  return result;
}

StoreResult<EventPtr> Store::Set(std::string_view path, bool dir, std::string_view value,
                                 const TtlOptions& ttl, int64_t now_unix_ns) {
  std::lock_guard lock(mu_);
  auto existing = Lookup(path);
  if (!existing.ok() && existing.error().code != ErrorCode::kKeyNotFound) {
    ++stats_.sets_fail;
    return std::move(existing.error());
  }
  std::string new_value(value);
  if (ttl.refresh) {
    if (!existing.ok()) {
      ++stats_.sets_fail;
      return std::move(existing.error());
    }
    new_value = (*existing)->value;
  }
  auto result = CreateLocked(std::string(path), dir, new_value, /*unique=*/false,
                             /*replace=*/true, ttl.expire_unix_ns, kActionSet, now_unix_ns);
  if (!result.ok()) {
    ++stats_.sets_fail;
    return result;
  }
  ++stats_.sets_success;
  auto e = std::const_pointer_cast<Event>(*result);
  if (ttl.refresh) {
    e->refresh = true;
    hub_.AddToHistory(e);
  } else {
    hub_.Notify(e);
  }
  return result;
}

StoreResult<EventPtr> Store::CreateLocked(std::string path, bool dir, std::string_view value,
                                          bool unique, bool replace, int64_t expire_unix_ns,
                                          std::string_view action, int64_t now_unix_ns) {
  const uint64_t next_index = current_index_ + 1;
  if (unique) path += "/" + UniqueName(next_index);
  path = AbsolutePath(path);
  if (ReadOnly(path)) return MakeError(ErrorCode::kRootReadOnly, "/", current_index_);
  if (expire_unix_ns < kMinExpireUnixNs) expire_unix_ns = kPermanent;

  const size_t slash = path.rfind('/');
  const std::string_view dir_path = std::string_view(path).substr(0, slash + 1);
  const std::string name = path.substr(slash + 1);
  auto parent = MakeParents(dir_path);
  if (!parent.ok()) {
    ++stats_.sets_fail;  // etcd counts a failed parent walk as a failed set too
    return std::move(parent.error());
  }
  Node* d = *parent;

  auto e = std::make_shared<Event>();
  e->action = std::string(action);
  e->node.key = path;
  e->node.modified_index = e->node.created_index = next_index;
  if (Node* old = d->Child(name)) {
    if (!replace) return MakeError(ErrorCode::kNodeExist, path, current_index_);
    if (old->is_dir) return MakeError(ErrorCode::kNotFile, path, current_index_);
    e->prev_node = old->View(false, now_unix_ns);
    std::vector<std::string> ignored;
    Detach(old, ignored);
  }
  std::unique_ptr<Node> n;
  if (dir) {
    e->node.dir = true;
    n = Node::MakeDir(path, next_index, expire_unix_ns);
  } else {
    e->node.value = std::string(value);
    n = Node::MakeFile(path, std::string(value), next_index, expire_unix_ns);
  }
  n->parent = d;
  Node* added = n.get();
  d->children.emplace(name, std::move(n));
  if (!added->permanent()) {
    ttl_index_.insert(added);
    added->FillExpiration(e->node, now_unix_ns);
  }
  current_index_ = next_index;
  e->etcd_index = current_index_;
  return EventPtr(std::move(e));
}

void Store::Detach(Node* n, std::vector<std::string>& removed_paths) {
  ForgetTtls(n);
  // Deepest first, as the watchers of each removed node are told.
  std::vector<const Node*> stack{n};
  std::vector<const Node*> order;
  while (!stack.empty()) {
    const Node* cur = stack.back();
    stack.pop_back();
    order.push_back(cur);
    for (const auto& [name, child] : cur->children) stack.push_back(child.get());
  }
  for (auto it = order.rbegin(); it != order.rend(); ++it) removed_paths.push_back((*it)->path);
  if (n->parent != nullptr) n->parent->children.erase(std::string(n->name()));
}

void Store::ForgetTtls(Node* n) {
  if (ttl_index_.empty()) return;
  if (!n->permanent()) ttl_index_.erase(n);
  for (const auto& [name, child] : n->children) ForgetTtls(child.get());
}

void Store::SetExpiry(Node* n, int64_t expire_unix_ns) {
  if (!n->permanent()) ttl_index_.erase(n);
  n->expire_unix_ns = expire_unix_ns;
  if (!n->permanent()) ttl_index_.insert(n);
}

void Store::Publish(const std::shared_ptr<Event>& e,
                    const std::vector<std::string>& removed_paths) {
  for (const std::string& p : removed_paths) hub_.NotifyWatchers(e, p, /*deleted=*/true);
  hub_.Notify(e);
}

StoreResult<WatcherPtr> Store::Watch(std::string_view key, bool recursive, bool stream,
                                     uint64_t since_index) {
  std::lock_guard lock(mu_);
  if (since_index == 0) since_index = current_index_ + 1;
  return hub_.Watch(AbsolutePath(key), recursive, stream, since_index, current_index_);
}

bool Store::HasTtlKeys() const {
  std::lock_guard lock(mu_);
  return !ttl_index_.empty();
}

size_t Store::watcher_count() const {
  std::lock_guard lock(mu_);
  return hub_.watcher_count();
}

}  // namespace etcdpp::v2store
