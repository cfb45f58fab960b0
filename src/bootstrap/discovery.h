// Bootstrap through an etcd discovery service (--discovery): the v2 keys protocol etcd 3.4
// runs against <url> = http://service/v2/keys/<dir>/<token>. Read the expected size from
// <url>/_config/size, register "<member-id>" = "name=peerURL,..." create-only, wait
// (v2 watch) until `size` members registered, and build the initial cluster from the
// first `size` registrations by creation order. An unreachable service is retried with
// etcd's backoff (2s, 4s, ... 256s, then 256s forever).
//
// The client blocks its caller; it is used once, at start, from the member's main thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/log.h"
#include "base/status.h"
#include "peer/peer_client.h"

namespace etcdpp::bootstrap {

// Why discovery failed; etcd's etcdmain reports each kind with its own lines.
enum class DiscoveryFailure {
  kSizeNotFound,   // no <url>/_config/size
  kDuplicateId,    // "discovery: found duplicate id"
  kDuplicateName,  // "discovery: found duplicate name"
  kFullCluster,    // "discovery: cluster is full"
  kInterrupted,    // the member was asked to stop while waiting
  kOther,          // bad size, bad endpoint, invalid URL, too many retries, ...
};

struct DiscoveryError {
  DiscoveryFailure kind = DiscoveryFailure::kOther;
  std::string message;  // the error etcd prints inside "failed to join discovery cluster (...)"
};

// The --discovery URL split as etcd does: `base` is scheme://host (the service),
// `cluster` the path naming the token directory ("/v2/keys/discovery/<token>").
struct DiscoveryUrl {
  std::string base;
  std::string cluster;
};
Result<DiscoveryUrl> ParseDiscoveryUrl(std::string_view url);

// One member's registration in the token directory.
struct Registration {
  std::string key;    // "/discovery/<token>/<member-id>"
  std::string value;  // "name=http://10.0.0.1:2380"
  uint64_t created_index = 0;
};

// The registrations of a v2 GET of the token directory, by creation order; the _config
// directory is left out. Error: the body is not a v2 keys answer.
Result<std::vector<Registration>> ParseRegistrations(std::string_view body);

// The first `size` registrations joined into an initial-cluster value. Errors: an entry
// that is not name=URL ("discovery: invalid URL"), two entries with one name ("discovery:
// found duplicate name").
struct ClusterOrError {
  std::string cluster;                  // "n1=http://a:2380,n2=http://b:2380"
  std::optional<DiscoveryError> error;  // set when discovery failed
};
ClusterOrError RegistrationsToCluster(const std::vector<Registration>& nodes, uint64_t size);

// The value a member registers: "name=url" for each of its peer URLs, URLs sorted.
std::string RegistrationValue(std::string_view name, const std::vector<std::string>& peer_urls);

// The last path element, as Go's path.Base.
std::string_view KeyBase(std::string_view key);

// Sends one HTTP exchange; PeerClient::CallAndWait in production, a fake in tests.
using HttpExchange = std::function<Result<peer::PeerAnswer>(peer::PeerRequest)>;

struct DiscoveryOptions {
  std::string url;        // --discovery
  std::string proxy;      // --discovery-proxy: requests go to it with absolute URIs
  uint64_t local_id = 0;  // the ID this member will have
  Logger* log = nullptr;
  HttpExchange exchange;
  // Waits `d` between retries; false when the member is asked to stop meanwhile.
  std::function<bool(std::chrono::milliseconds d)> wait;
  std::chrono::milliseconds request_timeout{5000};  // etcd's client.DefaultRequestTimeout
  std::chrono::milliseconds watch_poll{2000};        // one long poll; then the list is read again
  uint64_t max_retries = UINT32_MAX;
};

// Registers `registration` (see RegistrationValue) and returns the initial cluster.
ClusterOrError JoinDiscoveryCluster(const DiscoveryOptions& options, const std::string& registration);

}  // namespace etcdpp::bootstrap
