// BackendQuota: etcd's space quota (--quota-backend-bytes). A write that adds data (Put, a
// Txn with puts, LeaseGrant) is available while the backend's size plus the write's
// estimated cost stays under the limit. Unlike etcd, which counts the file size, the size
// here is the bytes of pages in use, so space freed by compaction counts again at once
// (docs/compatibility.md).
//
// Threads: immutable after construction; Available may be called from any thread.
#pragma once

#include <cstdint>
#include <string>

#include "backend/backend.h"
#include "base/log.h"
#include "etcdserverpb/raft_internal.pb.h"
#include "etcdserverpb/rpc.pb.h"

namespace etcdpp::server {

inline constexpr int64_t kDefaultQuotaBytes = int64_t{2} << 30;
inline constexpr int64_t kMaxQuotaBytes = int64_t{8} << 30;

class BackendQuota {
 public:
  // 0 means etcd's default (2 GiB), a negative value disables the quota. Logs etcd's
  // lines for the setting.
  BackendQuota(int64_t configured_bytes, Logger* logger);

  bool enabled() const { return limit_bytes_ > 0; }
  int64_t limit_bytes() const { return limit_bytes_; }
  // The bytes the size must stay under after adding `cost`; 0-cost requests always fit.
  bool Available(backend::Backend& b, int64_t cost) const;

  // etcd's estimates: 256 bytes of metadata plus key and value per put; the larger branch
  // of a txn; 64 per lease. Requests that add nothing cost 0.
  static int64_t Cost(const etcdserverpb::PutRequest& r);
  static int64_t Cost(const etcdserverpb::TxnRequest& r);
  static int64_t Cost(const etcdserverpb::InternalRaftRequest& r);
  static constexpr int64_t kLeaseCost = 64;

 private:
  int64_t limit_bytes_;  // <= 0: disabled
};

// go-humanize's Bytes: SI units, e.g. 2147483648 -> "2.1 GB", 16384 -> "16 kB".
std::string HumanBytes(uint64_t bytes);

}  // namespace etcdpp::server
