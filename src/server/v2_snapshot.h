// The data of a raft snapshot: etcd's v2 store as its snapshot JSON. The store's /0 tree
// holds the membership and the cluster version (written by the applier as etcd's
// membership package does), /1 the v2 user keys; members recover the store from it, and
// the .snap files read as etcd's (tools, etcd itself in a mixed cluster).
#pragma once

#include <string>

#include "v2store/store.h"

namespace etcdpp::server {

std::string V2SnapshotData(const v2store::Store& store);

}  // namespace etcdpp::server
