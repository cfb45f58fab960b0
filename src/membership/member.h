// Member: one member of an etcd cluster as the cluster records it, and the ID rules that
// make the same configuration give the same member and cluster IDs as etcd 3.4.
//
// Plain value type; safe to copy between threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace etcdpp::membership {

struct Member {
  uint64_t id = 0;
  std::string name;                     // empty until the member publishes itself
  std::vector<std::string> peer_urls;   // kept sorted, as etcd does
  std::vector<std::string> client_urls;
  bool is_learner = false;

  bool operator==(const Member&) const = default;
};

// etcd's member ID: the first 8 bytes (big-endian) of SHA-1 over the sorted peer URLs
// concatenated, then the cluster token, then, for members added at runtime, the decimal
// Unix time of the addition.
uint64_t ComputeMemberId(std::vector<std::string> peer_urls, std::string_view cluster_token,
                         std::optional<int64_t> unix_seconds = std::nullopt);

// etcd's cluster ID: the first 8 bytes of SHA-1 over the member IDs in ascending order,
// each as 8 big-endian bytes.
uint64_t ComputeClusterId(std::vector<uint64_t> member_ids);

// IDs print as lower-case hex without padding ("8e9e05c52164694d", "9d74a3777d3e29c").
std::string IdToString(uint64_t id);
Result<uint64_t> ParseId(std::string_view hex);

// The JSON etcd stores and serves for a member (peer /members, the members bucket, the
// context of a conf-change entry): {"id":<decimal>,"peerURLs":[..],"isLearner":true,
// "name":"..","clientURLs":[..]} with empty optional fields left out.
std::string MemberToJson(const Member& member);
Result<Member> MemberFromJson(std::string_view json);

}  // namespace etcdpp::membership
