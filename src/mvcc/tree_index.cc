#include "mvcc/tree_index.h"

#include <mutex>

namespace etcdpp::mvcc {

template <typename Fn>
void TreeIndex::ForRange(std::string_view key, std::string_view end, Fn&& fn) const {
  if (end.empty()) {
    auto it = keys_.find(key);
    if (it != keys_.end()) fn(it->first, it->second);
    return;
  }
  const bool bounded = end != kRangeToEnd;
  for (auto it = keys_.lower_bound(key); it != keys_.end(); ++it) {
    if (bounded && std::string_view(it->first) >= end) break;
    if (!fn(it->first, it->second)) break;
  }
}

std::optional<KeyInfo> TreeIndex::Get(std::string_view key, int64_t at_rev) const {
  std::shared_lock lock(mu_);
  auto it = keys_.find(key);
  if (it == keys_.end()) return std::nullopt;
  return it->second.Get(at_rev);
}

void TreeIndex::Range(std::string_view key, std::string_view end, int64_t at_rev,
                      const Visitor& fn) const {
  std::shared_lock lock(mu_);
  ForRange(key, end, [&](const std::string& k, const KeyIndex& ki) {
    std::optional<KeyInfo> info = ki.Get(at_rev);
    return !info || fn(k, *info);
  });
}

size_t TreeIndex::Count(std::string_view key, std::string_view end, int64_t at_rev) const {
  size_t n = 0;
  std::shared_lock lock(mu_);
  ForRange(key, end, [&](const std::string&, const KeyIndex& ki) {
    if (ki.Get(at_rev)) ++n;
    return true;
  });
  return n;
}

void TreeIndex::Put(std::string_view key, Revision rev) {
  std::unique_lock lock(mu_);
  auto it = keys_.find(key);
  if (it == keys_.end()) it = keys_.emplace(std::string(key), KeyIndex{}).first;
  it->second.Put(rev);
}

void TreeIndex::Restore(std::string_view key, Revision created, Revision modified,
                        int64_t version) {
  std::unique_lock lock(mu_);
  auto it = keys_.find(key);
  if (it == keys_.end()) {
    keys_.emplace(std::string(key), KeyIndex{}).first->second.Restore(created, modified, version);
  } else {
    it->second.Put(modified);
  }
}

Status TreeIndex::Tombstone(std::string_view key, Revision rev) {
  std::unique_lock lock(mu_);
  auto it = keys_.find(key);
  if (it == keys_.end()) return NotFound("mvcc: revision not found");
  return it->second.Tombstone(rev);
}

std::set<Revision> TreeIndex::Compact(int64_t at_rev) {
  std::set<Revision> kept;
  std::unique_lock lock(mu_);
  for (auto it = keys_.begin(); it != keys_.end();) {
    it->second.Compact(at_rev, &kept);
    it = it->second.empty() ? keys_.erase(it) : std::next(it);
  }
  return kept;
}

std::set<Revision> TreeIndex::Keep(int64_t at_rev) const {
  std::set<Revision> kept;
  std::shared_lock lock(mu_);
  for (const auto& [key, ki] : keys_) ki.Keep(at_rev, &kept);
  return kept;
}

size_t TreeIndex::size() const {
  std::shared_lock lock(mu_);
  return keys_.size();
}

void TreeIndex::Clear() {
  std::unique_lock lock(mu_);
  keys_.clear();
}

}  // namespace etcdpp::mvcc
