// Inflights: the last indexes of MsgApps sent to one follower and not yet acknowledged,
// bounding how far a leader pipelines ahead of it, in messages and (optionally) in bytes
// of entry payloads. A ring buffer that grows on demand up to its capacity. Owned by a
// Progress; single-threaded.
#pragma once

#include <cstdint>
#include <vector>

namespace etcdpp::raft {

class Inflights {
 public:
  // max_bytes 0: no bound in bytes.
  explicit Inflights(int capacity, uint64_t max_bytes = 0) : capacity_(capacity), max_bytes_(max_bytes) {}

  // Records a message whose last entry is index, carrying bytes of payload; indexes
  // must be added in order.
  void Add(uint64_t index, uint64_t bytes = 0);
  // Acknowledges every message with last index <= to.
  void FreeLE(uint64_t to);
  void FreeFirstOne();
  // Full at capacity messages, or once the bytes in flight reach max_bytes (a single
  // message may pass it: an empty window always takes one).
  bool Full() const { return count_ == capacity_ || (max_bytes_ != 0 && bytes_ >= max_bytes_); }
  int Count() const { return count_; }
  int capacity() const { return capacity_; }
  uint64_t bytes() const { return bytes_; }
  void Reset() { count_ = 0; start_ = 0; bytes_ = 0; }

 private:
  struct Sent {
    uint64_t index;
    uint64_t bytes;
  };
  int start_ = 0;
  int count_ = 0;
  int capacity_;
  uint64_t max_bytes_;
  uint64_t bytes_ = 0;
  std::vector<Sent> buffer_;
};

}  // namespace etcdpp::raft
