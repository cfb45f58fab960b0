#include "backend/write_buffer.h"

#include <mutex>

namespace etcdpp::backend {

void WriteBuffer::Put(Bucket bucket, std::string_view key, std::string_view value) {
  Add(bucket, key, std::string(value));
}

void WriteBuffer::Delete(Bucket bucket, std::string_view key) { Add(bucket, key, std::nullopt); }

void WriteBuffer::Add(Bucket bucket, std::string_view key, std::optional<std::string> value) {
  const size_t size = key.size() + (value ? value->size() : 0) + sizeof(Version);
  {
    std::unique_lock lock(mu_);
    auto& map = maps_[static_cast<size_t>(bucket)];
    auto it = map.find(key);
    if (it == map.end()) it = map.emplace(std::string(key), std::vector<Version>{}).first;
    it->second.push_back(Version{seq_.load(std::memory_order_relaxed) + 1, std::move(value)});
    // Publish the sequence only after the version is in place.
    seq_.fetch_add(1, std::memory_order_release);
  }
  ops_.fetch_add(1, std::memory_order_relaxed);
  bytes_.fetch_add(size, std::memory_order_relaxed);
}

const WriteBuffer::Version* WriteBuffer::AsOf(const std::vector<Version>& versions, uint64_t seq) {
  for (auto it = versions.rbegin(); it != versions.rend(); ++it) {
    if (it->seq <= seq) return &*it;
  }
  return nullptr;
}

std::optional<WriteBuffer::Entry> WriteBuffer::Get(Bucket bucket, std::string_view key,
                                                   uint64_t seq) const {
  std::shared_lock lock(mu_);
  const auto& map = maps_[static_cast<size_t>(bucket)];
  auto it = map.find(key);
  if (it == map.end()) return std::nullopt;
  const Version* v = AsOf(it->second, seq);
  if (v == nullptr) return std::nullopt;
  return Entry{it->first, v->value};
}

std::vector<WriteBuffer::Entry> WriteBuffer::Collect(Bucket bucket, std::string_view begin,
                                                     std::string_view end, uint64_t seq,
                                                     size_t live_max) const {
  std::vector<Entry> out;
  size_t live = 0;
  std::shared_lock lock(mu_);
  const auto& map = maps_[static_cast<size_t>(bucket)];
  for (auto it = map.lower_bound(begin); it != map.end(); ++it) {
    if (!end.empty() && std::string_view(it->first) >= end) break;
    const Version* v = AsOf(it->second, seq);
    if (v == nullptr) continue;
    out.push_back(Entry{it->first, v->value});
    if (v->value && live_max != 0 && ++live >= live_max) break;
  }
  return out;
}

void WriteBuffer::ForEachFinal(
    const std::function<void(Bucket, std::string_view, const std::string*)>& fn) const {
  std::shared_lock lock(mu_);
  for (size_t b = 0; b < kBucketCount; ++b) {
    for (const auto& [key, versions] : maps_[b]) {
      const auto& last = versions.back().value;
      fn(static_cast<Bucket>(b), key, last ? &*last : nullptr);
    }
  }
}

}  // namespace etcdpp::backend
