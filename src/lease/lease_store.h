// The seams through which the lessor persists leases and deletes keys, so src/lease
// depends on neither the backend nor mvcc: the server implements them over the
// backend's `lease` bucket and the mvcc store, tests use the in-memory ones below.
// All calls come from the lessor's thread (the apply thread).
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "leasepb/lease.pb.h"

namespace etcdpp::lease {

// Lease records: backend bucket `lease`, key = 8-byte big-endian lease ID, value =
// marshalled leasepb.Lease{ID, TTL, RemainingTTL}.
class LeaseStore {
 public:
  virtual ~LeaseStore() = default;
  virtual Status Put(const leasepb::Lease& lease) = 0;
  virtual Status Delete(int64_t id) = 0;
  // Every stored lease, in key order.
  virtual Result<std::vector<leasepb::Lease>> LoadAll() = 0;
};

// Deletes the keys of a revoked lease as one write transaction (one revision), keys
// given in sorted order, as etcd does. The server's implementation typically detaches
// each key from the lessor as mvcc deletes it; the lessor tolerates that.
class KeyDeleter {
 public:
  virtual ~KeyDeleter() = default;
  virtual Status DeleteKeys(std::span<const std::string> keys) = 0;
};

// The bucket key of a lease: its ID as 8 bytes, big-endian.
std::string LeaseKey(int64_t id);
int64_t LeaseIdFromKey(std::string_view key);

// In-memory LeaseStore holding the marshalled bytes, as the bucket would (tests, and
// the simulator). Survives a Lessor being destroyed and rebuilt.
class MemoryLeaseStore final : public LeaseStore {
 public:
  Status Put(const leasepb::Lease& lease) override;
  Status Delete(int64_t id) override;
  Result<std::vector<leasepb::Lease>> LoadAll() override;
  const std::map<std::string, std::string>& bucket() const { return bucket_; }

 private:
  std::map<std::string, std::string> bucket_;
};

// In-memory key space for revoke tests: a set of keys, and a count of transactions.
class MemoryKeyDeleter final : public KeyDeleter {
 public:
  Status DeleteKeys(std::span<const std::string> keys) override;
  std::set<std::string>& keys() { return keys_; }
  int txns() const { return txns_; }
  const std::vector<std::string>& last_deleted() const { return last_deleted_; }

 private:
  std::set<std::string> keys_;
  std::vector<std::string> last_deleted_;
  int txns_ = 0;
};

}  // namespace etcdpp::lease
