// The data of a raft snapshot: etcd keeps its v2 store there, whose /0 tree holds the
// membership and the cluster version. We recover membership from the backend, but write
// the same tree so that the .snap files read as etcd's (tools, and etcd itself).
#pragma once

#include <string>

#include "server/cluster.h"

namespace etcdpp::server {

std::string V2SnapshotData(const Cluster& cluster);

}  // namespace etcdpp::server
