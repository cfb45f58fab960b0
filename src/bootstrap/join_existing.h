// Joining a running cluster (--initial-cluster-state existing): the new member asks the
// peers named in --initial-cluster for the membership (GET /members), then takes the
// running cluster's IDs for the members whose peer URLs match its own list (etcd's
// GetClusterFromRemotePeers and ValidateClusterAndAssignIDs).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/log.h"
#include "base/status.h"
#include "membership/member.h"
#include "peer/peer_client.h"

namespace etcdpp::bootstrap {

struct ExistingCluster {
  uint64_t id = 0;
  std::vector<membership::Member> members;
};

// Tries each URL in turn; logs the ones that fail. Error (etcd's wording):
// "cannot fetch cluster info from peer urls: could not retrieve cluster information
// from the given URLs".
Result<ExistingCluster> FetchExistingCluster(peer::PeerClient& client, const std::vector<std::string>& peer_urls,
                                             Logger* log);

// Gives each local member the ID of the existing member with the same peer URLs.
// Errors: "error validating peerURLs <cluster>: member count is unequal" and
// "... PeerURLs: no match found for existing member (<id>, [<urls>])".
Status AssignIdsFromExisting(std::vector<membership::Member>* local, const ExistingCluster& existing);

}  // namespace etcdpp::bootstrap
