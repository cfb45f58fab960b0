// The gateway's choice of an endpoint for each new client connection, as etcd 3.4's TCP
// proxy makes it: among the active endpoints of the best (lowest) SRV priority, by SRV
// weight when some have one (weight-0 ones then only rarely), else round robin.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace etcdpp::gateway {

struct Remote {
  std::string host;  // a name or an IP, as given or as the SRV target
  uint16_t port = 0;
  uint16_t priority = 0;
  uint16_t weight = 0;
  bool active = true;  // false after a failed dial, until a probe succeeds

  // "host:port", the form etcd logs (IPv6 in brackets).
  std::string Address() const;
};

// Index of the remote to dial, or -1 when none is active. `round` is the round-robin
// position, advanced by each unweighted pick.
int PickRemote(const std::vector<Remote>& remotes, size_t* round, std::mt19937& rng);

}  // namespace etcdpp::gateway
