// One node of the v2 store's tree: a directory (children by name) or a key-value file.
// Owned by its parent directory (the root by the Store); used only under the Store's lock.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "v2store/event.h"
#include "v2store/go_text.h"

namespace etcdpp::v2store {

struct Node {
  std::string path;  // absolute, cleaned: "/1/foo"
  uint64_t created_index = 0;
  uint64_t modified_index = 0;
  int64_t expire_unix_ns = kPermanent;
  std::string value;  // files only
  bool is_dir = false;
  // Ordered by name, which is also key order, so listings come out sorted for free.
  std::map<std::string, std::unique_ptr<Node>, std::less<>> children;
  Node* parent = nullptr;

  static std::unique_ptr<Node> MakeFile(std::string path, std::string value, uint64_t index,
                                        int64_t expire_unix_ns);
  static std::unique_ptr<Node> MakeDir(std::string path, uint64_t index, int64_t expire_unix_ns);

  bool permanent() const { return expire_unix_ns == kPermanent; }
  // The last path element starts with '_': not listed unless addressed directly.
  bool hidden() const;
  std::string_view name() const;
  Node* Child(std::string_view name) const;

  // The client view: files carry their value; directories list their visible children
  // (recursively when asked) in key order.
  NodeView View(bool recursive, int64_t now_unix_ns) const;
  // Fills expiration and ttl of `view` for a node with a TTL.
  void FillExpiration(NodeView& view, int64_t now_unix_ns) const;
};

// Seconds left until `expire_unix_ns`, rounded up (etcd reports 1..n, never n+1).
int64_t RemainingTtlSeconds(int64_t expire_unix_ns, int64_t now_unix_ns);

}  // namespace etcdpp::v2store
