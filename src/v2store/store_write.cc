// Store: updates, compare-and-swap, deletes and TTL expiry.
//
// Stats note: etcd 3.4 counts some failures as successes (a read-only path in update,
// compareAndSwap and delete; a directory given a value in update; every failure of
// compareAndDelete after the lookup). /v2/stats/store shows those counters, so the same
// counting is kept (verified against etcd 3.4.23).
#include "v2store/store.h"

namespace etcdpp::v2store {
namespace {

// etcd's text for a failed comparison, naming what did not match.
std::string CompareFailCause(const Node& n, std::string_view prev_value, uint64_t prev_index,
                             bool value_ok, bool index_ok) {
  const std::string values = "[" + std::string(prev_value) + " != " + n.value + "]";
  const std::string indexes =
      "[" + std::to_string(prev_index) + " != " + std::to_string(n.modified_index) + "]";
  if (!value_ok && !index_ok) return values + " " + indexes;
  return value_ok ? indexes : values;
}

// Empty prev_value and zero prev_index are not compared.
std::optional<Error> Compare(const Node& n, std::string_view prev_value, uint64_t prev_index,
                             uint64_t current_index) {
  const bool index_ok = prev_index == 0 || n.modified_index == prev_index;
  const bool value_ok = prev_value.empty() || n.value == prev_value;
  if (index_ok && value_ok) return std::nullopt;
  return MakeError(ErrorCode::kTestFailed,
                   CompareFailCause(n, prev_value, prev_index, value_ok, index_ok),
                   current_index);
}

std::shared_ptr<Event> NewEvent(std::string_view action, std::string key, uint64_t modified,
                                uint64_t created) {
  auto e = std::make_shared<Event>();
  e->action = std::string(action);
  e->node.key = std::move(key);
  e->node.modified_index = modified;
  e->node.created_index = created;
  return e;
}

}  // namespace

StoreResult<EventPtr> Store::Update(std::string_view path, std::string_view value,
                                    const TtlOptions& ttl, int64_t now_unix_ns) {
  std::lock_guard lock(mu_);
  const std::string clean = AbsolutePath(path);
  auto fail = [&](Error err) -> StoreResult<EventPtr> {
    ++stats_.update_fail;
    return err;
  };
  auto fail_counted_as_success = [&](Error err) -> StoreResult<EventPtr> {
    ++stats_.update_success;
    return err;
  };
  if (ReadOnly(clean)) {
    return fail_counted_as_success(MakeError(ErrorCode::kRootReadOnly, "/", current_index_));
  }
  auto found = Lookup(clean);
  if (!found.ok()) return fail(std::move(found.error()));
  Node* n = *found;
  if (n->is_dir && !value.empty()) {
    return fail_counted_as_success(MakeError(ErrorCode::kNotFile, clean, current_index_));
  }
  const uint64_t next_index = current_index_ + 1;
  auto e = NewEvent(kActionUpdate, clean, next_index, n->created_index);
  e->etcd_index = next_index;
  e->prev_node = n->View(false, now_unix_ns);
  if (n->is_dir) {
    // A directory has no value, and etcd leaves its modified index alone too.
    e->node.dir = true;
  } else {
    if (!ttl.refresh) n->value = std::string(value);
    n->modified_index = next_index;
    e->node.value = n->value;
  }
  SetExpiry(n, ttl.expire_unix_ns);
  n->FillExpiration(e->node, now_unix_ns);
  current_index_ = next_index;
  ++stats_.update_success;
  if (ttl.refresh) {
    e->refresh = true;
    hub_.AddToHistory(e);
  } else {
    hub_.Notify(e);
  }
  return EventPtr(std::move(e));
}

StoreResult<EventPtr> Store::CompareAndSwap(std::string_view path, std::string_view prev_value,
                                            uint64_t prev_index, std::string_view value,
                                            const TtlOptions& ttl, int64_t now_unix_ns) {
  std::lock_guard lock(mu_);
  const std::string clean = AbsolutePath(path);
  auto fail = [&](Error err) -> StoreResult<EventPtr> {
    ++stats_.compare_and_swap_fail;
    return err;
  };
  if (ReadOnly(clean)) {
    ++stats_.compare_and_swap_success;
    return MakeError(ErrorCode::kRootReadOnly, "/", current_index_);
  }
  auto found = Lookup(clean);
  if (!found.ok()) return fail(std::move(found.error()));
  Node* n = *found;
  if (n->is_dir) return fail(MakeError(ErrorCode::kNotFile, clean, current_index_));
  if (auto err = Compare(*n, prev_value, prev_index, current_index_)) return fail(*err);

  ++current_index_;
  auto e = NewEvent(kActionCompareAndSwap, clean, current_index_, n->created_index);
  e->etcd_index = current_index_;
  e->prev_node = n->View(false, now_unix_ns);
  if (!ttl.refresh) n->value = std::string(value);
  n->modified_index = current_index_;
  SetExpiry(n, ttl.expire_unix_ns);
  e->node.value = n->value;
  n->FillExpiration(e->node, now_unix_ns);
  ++stats_.compare_and_swap_success;
  if (ttl.refresh) {
    e->refresh = true;
    hub_.AddToHistory(e);
  } else {
    hub_.Notify(e);
  }
  return EventPtr(std::move(e));
}

StoreResult<EventPtr> Store::Delete(std::string_view path, bool dir, bool recursive,
                                    int64_t now_unix_ns) {
  std::lock_guard lock(mu_);
  const std::string clean = AbsolutePath(path);
  auto fail = [&](Error err) -> StoreResult<EventPtr> {
    ++stats_.delete_fail;
    return err;
  };
  if (ReadOnly(clean)) {
    ++stats_.delete_success;
    return MakeError(ErrorCode::kRootReadOnly, "/", current_index_);
  }
  if (recursive) dir = true;
  auto found = Lookup(clean);
  if (!found.ok()) return fail(std::move(found.error()));
  Node* n = *found;
  if (n->is_dir && !dir) return fail(MakeError(ErrorCode::kNotFile, n->path, current_index_));
  if (n->is_dir && !recursive && !n->children.empty()) {
    return fail(MakeError(ErrorCode::kDirNotEmpty, n->path, current_index_));
  }
  const uint64_t next_index = current_index_ + 1;
  auto e = NewEvent(kActionDelete, clean, next_index, n->created_index);
  e->etcd_index = next_index;
  e->prev_node = n->View(false, now_unix_ns);
  e->node.dir = n->is_dir;
  std::vector<std::string> removed;
  Detach(n, removed);
  current_index_ = next_index;
  ++stats_.delete_success;
  Publish(e, removed);
  return EventPtr(std::move(e));
}

StoreResult<EventPtr> Store::CompareAndDelete(std::string_view path, std::string_view prev_value,
                                              uint64_t prev_index, int64_t now_unix_ns) {
  std::lock_guard lock(mu_);
  const std::string clean = AbsolutePath(path);
  auto fail = [&](Error err) -> StoreResult<EventPtr> {
    ++stats_.compare_and_delete_fail;
    return err;
  };
  auto found = Lookup(clean);
  if (!found.ok()) return fail(std::move(found.error()));
  Node* n = *found;
  auto fail_counted_as_success = [&](Error err) -> StoreResult<EventPtr> {
    ++stats_.compare_and_delete_success;
    return err;
  };
  if (n->is_dir) {
    return fail_counted_as_success(MakeError(ErrorCode::kNotFile, clean, current_index_));
  }
  if (auto err = Compare(*n, prev_value, prev_index, current_index_)) {
    return fail_counted_as_success(*err);
  }

  ++current_index_;
  auto e = NewEvent(kActionCompareAndDelete, clean, current_index_, n->created_index);
  e->etcd_index = current_index_;
  e->prev_node = n->View(false, now_unix_ns);
  std::vector<std::string> removed;
  Detach(n, removed);
  ++stats_.compare_and_delete_success;
  Publish(e, removed);
  return EventPtr(std::move(e));
}

void Store::DeleteExpiredKeys(int64_t cutoff_unix_ns) {
  std::lock_guard lock(mu_);
  // Each pass removes at least the first node of the index, so this ends.
  while (!ttl_index_.empty()) {
    Node* n = *ttl_index_.begin();
    if (n->expire_unix_ns > cutoff_unix_ns) break;
    ++current_index_;
    auto e = NewEvent(kActionExpire, n->path, current_index_, n->created_index);
    e->etcd_index = current_index_;
    e->prev_node = n->View(false, cutoff_unix_ns);
    e->node.dir = n->is_dir;
    std::vector<std::string> removed;
    Detach(n, removed);
    ++stats_.expire_count;
    Publish(e, removed);
  }
}

}  // namespace etcdpp::v2store
