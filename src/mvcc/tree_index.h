// TreeIndex: the in-memory index from user key to its KeyIndex, ordered by key. Rebuilt
// from the backend's `key` bucket when the store opens.
//
// Thread safety: the writer (apply thread, compaction) takes an exclusive lock for each
// change; readers take a shared lock for the duration of one lookup or scan.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "mvcc/key_index.h"

namespace etcdpp::mvcc {

// The upper bound that means "every key from `key` on" (etcd's range_end "\0").
inline constexpr std::string_view kRangeToEnd{"\0", 1};

class TreeIndex {
 public:
  // Visitor of one key in a range; return false to stop.
  using Visitor = std::function<bool(const std::string& key, const KeyInfo& info)>;

  std::optional<KeyInfo> Get(std::string_view key, int64_t at_rev) const;
  // Visits, in key order, keys in [key, end) that existed at at_rev (end empty: only `key`;
  // end == kRangeToEnd: no upper bound).
  void Range(std::string_view key, std::string_view end, int64_t at_rev, const Visitor& fn) const;
  // Number of keys Range would visit.
  size_t Count(std::string_view key, std::string_view end, int64_t at_rev) const;

  void Put(std::string_view key, Revision rev);
  void Restore(std::string_view key, Revision created, Revision modified, int64_t version);
  // NotFound if the key is not live.
  Status Tombstone(std::string_view key, Revision rev);

  // Compacts every key at at_rev (dropping keys left empty); returns the revisions at or
  // below at_rev that must stay in the backend.
  std::set<Revision> Compact(int64_t at_rev);
  std::set<Revision> Keep(int64_t at_rev) const;
  size_t size() const;
  void Clear();

 private:
  using Map = std::map<std::string, KeyIndex, std::less<>>;
  template <typename Fn>
  void ForRange(std::string_view key, std::string_view end, Fn&& fn) const;

  mutable std::shared_mutex mu_;  // guards keys_
  Map keys_;
};

}  // namespace etcdpp::mvcc
