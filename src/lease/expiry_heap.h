// ExpiryHeap: lease IDs ordered by a deadline, with O(log n) update and removal by ID,
// so a keep-alive moves its lease instead of piling up stale entries. Owned by the
// lessor; single-threaded.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

namespace etcdpp::lease {

using TimePoint = std::chrono::steady_clock::time_point;

class ExpiryHeap {
 public:
  // Inserts id, or moves it to the new deadline.
  void Upsert(int64_t id, TimePoint when);
  void Erase(int64_t id);
  // The earliest (deadline, id), if any.
  std::optional<std::pair<TimePoint, int64_t>> Top() const;
  size_t size() const { return items_.size(); }
  void Clear();

 private:
  struct Item {
    TimePoint when;
    int64_t id;
  };
  void Up(size_t i);
  void Down(size_t i);
  void Swap(size_t a, size_t b);

  std::vector<Item> items_;
  std::unordered_map<int64_t, size_t> pos_;
};

}  // namespace etcdpp::lease
