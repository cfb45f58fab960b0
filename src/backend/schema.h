// The backend schema: etcd 3.4's buckets, each an LMDB named database, and the names of
// the meta keys other modules share. This file is the one list of buckets; the on-disk
// layout is described in docs/formats/backend.md.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace etcdpp::backend {

enum class Bucket : uint8_t {
  kKey,
  kMeta,
  kLease,
  kAlarm,
  kCluster,
  kMembers,
  kMembersRemoved,
  kAuth,
  kAuthUsers,
  kAuthRoles,
};
inline constexpr size_t kBucketCount = 10;

// etcd's bucket names, byte for byte (they are also the LMDB database names).
std::string_view BucketName(Bucket bucket);
// All buckets in ascending order of their names (bbolt's iteration order, used by Hash).
const std::array<Bucket, kBucketCount>& BucketsByName();

// Meta bucket keys (etcd's names). Values are 8-byte big-endian unless noted.
inline constexpr std::string_view kConsistentIndexKey = "consistent_index";
inline constexpr std::string_view kTermKey = "term";
// 17-byte revision encodings (mvcc owns their meaning).
inline constexpr std::string_view kScheduledCompactKey = "scheduledCompactRev";
inline constexpr std::string_view kFinishedCompactKey = "finishedCompactRev";

}  // namespace etcdpp::backend
