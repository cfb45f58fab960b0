// Static bootstrap (the clustering guide's first method): turns --initial-cluster,
// --initial-advertise-peer-urls, --name and --initial-cluster-token into the initial
// members with etcd's member and cluster IDs, refusing inconsistent settings with the
// guide's messages. Pure functions; any thread.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "membership/member.h"

namespace etcdpp::bootstrap {

// name -> sorted peer URLs, from "n1=http://a:2380,n1=http://b:2380,n2=http://c:2380".
Result<std::map<std::string, std::vector<std::string>>> ParseInitialCluster(std::string_view value);

struct InitialCluster {
  uint64_t local_id = 0;
  uint64_t cluster_id = 0;
  std::vector<membership::Member> members;  // ascending by ID; names set, no client URLs
};

// The members of a parsed initial cluster with etcd's IDs (from peer URLs and `token`);
// `name` must be one of them. Refuses a peer URL listed twice.
Result<InitialCluster> MembersOf(const std::map<std::string, std::vector<std::string>>& parsed,
                                 std::string_view name, std::string_view token);

// Errors carry the clustering guide's wording, e.g.
//   "infra1 not listed in the initial cluster config"
//   "error setting up initial cluster: infra0 has different advertised URLs in the cluster
//    and advertised peer URLs list"
// (the caller prints them after "etcd: " and exits 1).
Result<InitialCluster> BuildInitialCluster(std::string_view initial_cluster, std::string_view name,
                                           const std::vector<std::string>& advertise_peer_urls,
                                           std::string_view token);

}  // namespace etcdpp::bootstrap
