#include "backend/schema.h"

#include <algorithm>

namespace etcdpp::backend {

std::string_view BucketName(Bucket bucket) {
  switch (bucket) {
    case Bucket::kKey: return "key";
    case Bucket::kMeta: return "meta";
    case Bucket::kLease: return "lease";
    case Bucket::kAlarm: return "alarm";
    case Bucket::kCluster: return "cluster";
    case Bucket::kMembers: return "members";
    case Bucket::kMembersRemoved: return "members_removed";
    case Bucket::kAuth: return "auth";
    case Bucket::kAuthUsers: return "authUsers";
    case Bucket::kAuthRoles: return "authRoles";
  }
  return "";
}

const std::array<Bucket, kBucketCount>& BucketsByName() {
  static const std::array<Bucket, kBucketCount> sorted = [] {
    std::array<Bucket, kBucketCount> all{};
    for (size_t i = 0; i < kBucketCount; ++i) all[i] = static_cast<Bucket>(i);
    std::sort(all.begin(), all.end(),
              [](Bucket a, Bucket b) { return BucketName(a) < BucketName(b); });
    return all;
  }();
  return sorted;
}

}  // namespace etcdpp::backend
