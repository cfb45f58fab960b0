// WriteBuffer: the writes applied since the last durable commit that will become one LMDB
// write transaction. Readers overlay it on an LMDB snapshot so applied writes are visible
// at once, long before the batch is committed.
//
// Every write gets a sequence number, and a key keeps each of its versions, so a reader
// that captured sequence `s` sees exactly the writes up to `s` (snapshot isolation inside a
// batch). Owned by Backend through shared_ptr: readers keep the buffers they overlay.
// Writes come from the thread holding the backend write lock; lookups from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "backend/schema.h"

namespace etcdpp::backend {

class WriteBuffer {
 public:
  // A key's state in the buffer: nullopt value means deleted.
  struct Entry {
    std::string key;
    std::optional<std::string> value;
  };

  // `txn_id` is the LMDB transaction id this buffer will be committed as.
  explicit WriteBuffer(uint64_t txn_id) : txn_id_(txn_id) {}
  WriteBuffer(const WriteBuffer&) = delete;
  WriteBuffer& operator=(const WriteBuffer&) = delete;

  uint64_t txn_id() const { return txn_id_; }
  // Sequence number of the newest write (0 when empty).
  uint64_t seq() const { return seq_.load(std::memory_order_acquire); }
  // Sequence number up to which new readers may look: the end of the last complete
  // operation (writes of an operation in progress stay invisible).
  uint64_t visible_seq() const { return visible_seq_.load(std::memory_order_acquire); }
  // Makes every write so far visible; called when an operation ends.
  void Publish() { visible_seq_.store(seq(), std::memory_order_release); }
  size_t ops() const { return ops_.load(std::memory_order_relaxed); }
  size_t bytes() const { return bytes_.load(std::memory_order_relaxed); }
  bool empty() const { return ops() == 0; }

  void Put(Bucket bucket, std::string_view key, std::string_view value);
  void Delete(Bucket bucket, std::string_view key);

  // The key's state as of `seq`; nullopt when the buffer has no write to it up to `seq`.
  std::optional<Entry> Get(Bucket bucket, std::string_view key, uint64_t seq) const;
  // States as of `seq` of keys in [begin, end) (end empty: no upper bound), ascending,
  // stopping after `live_max` non-deleted entries (0: no limit).
  std::vector<Entry> Collect(Bucket bucket, std::string_view begin, std::string_view end,
                             uint64_t seq, size_t live_max) const;
  // Visits the final state of every written key, per bucket, ascending; for the commit.
  // `value` is null for a deleted key.
  void ForEachFinal(
      const std::function<void(Bucket, std::string_view key, const std::string* value)>& fn) const;

 private:
  struct Version {
    uint64_t seq;
    std::optional<std::string> value;
  };
  using KeyVersions = std::map<std::string, std::vector<Version>, std::less<>>;

  void Add(Bucket bucket, std::string_view key, std::optional<std::string> value);
  static const Version* AsOf(const std::vector<Version>& versions, uint64_t seq);

  const uint64_t txn_id_;
  mutable std::shared_mutex mu_;  // guards maps_ (one writer appends, readers look up)
  std::array<KeyVersions, kBucketCount> maps_;
  std::atomic<uint64_t> seq_{0};
  std::atomic<uint64_t> visible_seq_{0};
  // Written by the write-lock holder, read by the committer to decide when to seal.
  std::atomic<size_t> ops_{0};
  std::atomic<size_t> bytes_{0};
};

}  // namespace etcdpp::backend
