// Where a new member's initial cluster comes from: --initial-cluster (static), a
// discovery service (--discovery) or DNS SRV records (--discovery-srv). Only for a data
// dir without a WAL; a member that has one restarts from it. Runs once at start, on the
// member's main thread, and may block for as long as discovery waits for the others.
#pragma once

#include <chrono>
#include <functional>
#include <optional>

#include "base/log.h"
#include "bootstrap/static_cluster.h"
#include "embed/config.h"

namespace etcdpp::embed {

// Waits `d`; false when the member was asked to stop meanwhile.
using StopAwareWait = std::function<bool(std::chrono::milliseconds d)>;

// Fills *out, or reports the failure as etcd does (stderr, log) and returns the exit status.
std::optional<int> BuildNewMemberCluster(const Config& config, const StopAwareWait& wait, Logger* log,
                                         bootstrap::InitialCluster* out);

// The warning etcd gives when a --discovery URL meets an initialized data dir.
void WarnDiscoveryIgnored(const Config& config, const std::string& wal_dir, Logger* log);

}  // namespace etcdpp::embed
