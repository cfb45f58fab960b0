#include "server/v2_snapshot.h"

#include <nlohmann/json.hpp>

#include "v2store/store.h"

namespace etcdpp::server {

std::string V2SnapshotData(const Cluster& cluster) {
  v2store::Store store({std::string(v2store::kClusterPrefix), std::string(v2store::kKeysPrefix)});
  const v2store::TtlOptions permanent;
  for (const auto& m : cluster.Members()) {
    const std::string dir = "/0/members/" + membership::IdToString(m.id);
    nlohmann::json raft_attrs;
    raft_attrs["peerURLs"] = m.peer_urls;
    if (m.is_learner) raft_attrs["isLearner"] = true;
    (void)store.Set(dir + "/raftAttributes", false, raft_attrs.dump(), permanent, 0);
    if (!m.name.empty()) {
      nlohmann::json attrs;
      attrs["name"] = m.name;
      attrs["clientURLs"] = m.client_urls;
      (void)store.Set(dir + "/attributes", false, attrs.dump(), permanent, 0);
    }
  }
  if (!cluster.version().empty()) {
    (void)store.Set("/0/version", false, cluster.version(), permanent, 0);
  }
  return store.Save();
}

}  // namespace etcdpp::server
