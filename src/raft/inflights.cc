#include "raft/inflights.h"

#include <algorithm>

#include "base/check.h"

namespace etcdpp::raft {

void Inflights::Add(uint64_t index, uint64_t bytes) {
  ETCDPP_CHECK(!Full(), "cannot add into a full inflights");
  int size = static_cast<int>(buffer_.size());
  if (count_ == size) {
    // Grow lazily: most followers never fill the window.
    int new_size = buffer_.empty() ? 1 : std::min(size * 2, capacity_);
    std::vector<Sent> grown(new_size);
    for (int i = 0; i < count_; ++i) grown[i] = buffer_[(start_ + i) % size];
    buffer_ = std::move(grown);
    start_ = 0;
    size = new_size;
  }
  int next = start_ + count_;
  if (next >= size) next -= size;
  buffer_[next] = Sent{index, bytes};
  bytes_ += bytes;
  ++count_;
}

void Inflights::FreeLE(uint64_t to) {
  if (count_ == 0 || to < buffer_[start_].index) return;
  int size = static_cast<int>(buffer_.size());
  int idx = start_;
  int i = 0;
  for (; i < count_; ++i) {
    if (to < buffer_[idx].index) break;
    bytes_ -= buffer_[idx].bytes;
    if (++idx >= size) idx -= size;
  }
  count_ -= i;
  start_ = idx;
  if (count_ == 0) start_ = 0;  // keeps the next Add from wrapping needlessly
}

void Inflights::FreeFirstOne() {
  if (count_ == 0) return;
  FreeLE(buffer_[start_].index);
}

}  // namespace etcdpp::raft
