// Inflights: the last indexes of MsgApps sent to one follower and not yet acknowledged,
// bounding how far a leader pipelines ahead of it. A ring buffer that grows on demand up
// to its capacity. Owned by a Progress; single-threaded.
#pragma once

#include <cstdint>
#include <vector>

namespace etcdpp::raft {

class Inflights {
 public:
  explicit Inflights(int capacity) : capacity_(capacity) {}

  // Records a message whose last entry is index; indexes must be added in order.
  void Add(uint64_t index);
  // Acknowledges every message with last index <= to.
  void FreeLE(uint64_t to);
  void FreeFirstOne();
  bool Full() const { return count_ == capacity_; }
  int Count() const { return count_; }
  int capacity() const { return capacity_; }
  void Reset() { count_ = 0; start_ = 0; }

 private:
  int start_ = 0;
  int count_ = 0;
  int capacity_;
  std::vector<uint64_t> buffer_;
};

}  // namespace etcdpp::raft
