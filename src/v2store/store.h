// etcd's v2 key-value store: a tree of directories and files with created/modified
// indexes, TTLs, hidden keys, an index that every write advances, an event history and
// watchers. The member keeps one per process: writes arrive as replicated v2 requests
// (applier.h) on the apply thread; local reads and watches come from I/O threads.
//
// Thread-safety: every method may be called from any thread; one mutex serializes them
// (the store is small and v2 traffic light). Watchers are handed out as shared objects
// the consumer drains at its own pace (watcher.h).
//
// Time: the store has no clock. Writes take the absolute expiry computed by the proposer
// (TtlOptions), reads take `now` only to report remaining TTLs, and expiry happens when
// the caller applies DeleteExpiredKeys (etcd's replicated SYNC request), so every member
// expires the same keys at the same index.
//
// Snapshot JSON (Save/Recover) is etcd's; see docs/formats/v2store.md.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "v2store/error.h"
#include "v2store/event.h"
#include "v2store/node.h"
#include "v2store/stats.h"
#include "v2store/watcher_hub.h"

namespace etcdpp::v2store {

// etcd's namespaces inside the store: cluster state under /0, user keys under /1
// (/v2/keys/foo is /1/foo here).
inline constexpr std::string_view kClusterPrefix = "/0";
inline constexpr std::string_view kKeysPrefix = "/1";

struct TtlOptions {
  int64_t expire_unix_ns = kPermanent;  // kPermanent: no TTL (or clear it)
  bool refresh = false;                 // keep the value, only move the expiry
};

class Store {
 public:
  static constexpr int kDefaultVersion = 2;

  // `namespaces` become permanent, read-only top directories (a member passes
  // {kClusterPrefix, kKeysPrefix}); "/" is always read-only.
  explicit Store(std::vector<std::string> namespaces = {});
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  uint64_t index() const;
  int version() const;

  StoreResult<EventPtr> Get(std::string_view path, bool recursive, bool sorted,
                            int64_t now_unix_ns);
  // Creates or replaces a file, or creates a directory (a directory is never replaced).
  StoreResult<EventPtr> Set(std::string_view path, bool dir, std::string_view value,
                            const TtlOptions& ttl, int64_t now_unix_ns);
  // Creates a node that must not exist; `unique` appends a child named after the new
  // index ("%020d") to `path` (POST's in-order keys).
  StoreResult<EventPtr> Create(std::string_view path, bool dir, std::string_view value,
                               bool unique, const TtlOptions& ttl, int64_t now_unix_ns);
  // Changes the value (files) and TTL of an existing node.
  StoreResult<EventPtr> Update(std::string_view path, std::string_view value,
                               const TtlOptions& ttl, int64_t now_unix_ns);
  // Update of a file whose value and/or modified index match (empty/0: not compared).
  StoreResult<EventPtr> CompareAndSwap(std::string_view path, std::string_view prev_value,
                                       uint64_t prev_index, std::string_view value,
                                       const TtlOptions& ttl, int64_t now_unix_ns);
  // A directory needs `dir` (empty only) or `recursive`.
  StoreResult<EventPtr> Delete(std::string_view path, bool dir, bool recursive,
                               int64_t now_unix_ns);
  StoreResult<EventPtr> CompareAndDelete(std::string_view path, std::string_view prev_value,
                                         uint64_t prev_index, int64_t now_unix_ns);
  // Watches `key` (and below it when recursive) from `since_index` (0: the next index).
  StoreResult<WatcherPtr> Watch(std::string_view key, bool recursive, bool stream,
                                uint64_t since_index);
  // Removes every node whose expiry is at or before `cutoff_unix_ns`, one expire event
  // (and one index) each, earliest first.
  void DeleteExpiredKeys(int64_t cutoff_unix_ns);
  bool HasTtlKeys() const;

  // The whole state as etcd's snapshot JSON (tree, history, index, stats, version).
  std::string Save() const;
  // Replaces the state with a snapshot's; on error nothing changes. Existing watchers
  // stay registered, as in etcd.
  Status Recover(std::string_view json);

  StoreStats stats() const;
  std::string StatsJson() const;
  size_t watcher_count() const;

 private:
  struct ExpiryOrder {
    bool operator()(const Node* a, const Node* b) const {
      if (a->expire_unix_ns != b->expire_unix_ns) return a->expire_unix_ns < b->expire_unix_ns;
      return a->path < b->path;
    }
  };

  bool ReadOnly(std::string_view clean_path) const;
  StoreResult<Node*> Lookup(std::string_view path) const;
  StoreResult<Node*> MakeParents(std::string_view dir_path);
  StoreResult<EventPtr> CreateLocked(std::string path, bool dir, std::string_view value,
                                     bool unique, bool replace, int64_t expire_unix_ns,
                                     std::string_view action, int64_t now_unix_ns);
  // Detaches `n` (and its subtree) from the tree and the TTL index, appending the paths
  // it removed, deepest first.
  void Detach(Node* n, std::vector<std::string>& removed_paths);
  void ForgetTtls(Node* n);
  void SetExpiry(Node* n, int64_t expire_unix_ns);
  void Publish(const std::shared_ptr<Event>& e, const std::vector<std::string>& removed_paths);
  void RebuildTtlIndex(Node* n);
  std::string SaveLocked() const;
  Status RecoverLocked(std::string_view json);

  mutable std::mutex mu_;  // guards everything below
  std::unique_ptr<Node> root_;
  std::vector<std::string> read_only_;
  std::set<Node*, ExpiryOrder> ttl_index_;  // nodes with a TTL, soonest first
  mutable WatcherHub hub_;
  uint64_t current_index_ = 0;
  int current_version_ = kDefaultVersion;
  mutable StoreStats stats_;
};

}  // namespace etcdpp::v2store
