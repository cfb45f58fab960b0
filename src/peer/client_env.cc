#include "peer/client_env.h"

#include "membership/member.h"
#include "peer/protocol.h"

namespace etcdpp::peer {

namespace {
constexpr std::string_view kComponent = "rafthttp";
}  // namespace

HeaderList ClientEnv::BaseHeaders() const {
  HeaderList headers = {
      {"X-Server-From", membership::IdToString(local_id)},
      {"X-Server-Version", std::string(kServerVersion)},
      {"X-Min-Cluster-Version", std::string(kMinClusterVersion)},
      {"X-Etcd-Cluster-ID", membership::IdToString(cluster_id)},
  };
  if (!local_peer_urls.empty()) headers.emplace_back("X-PeerURLs", local_peer_urls);
  return headers;
}

void ClientEnv::LogError(std::string_view text) const {
  if (logger) logger->Error(kComponent, text);
}
void ClientEnv::LogInfo(std::string_view text) const {
  if (logger) logger->Info(kComponent, text);
}
void ClientEnv::LogWarn(std::string_view text) const {
  if (logger) logger->Warn(kComponent, text);
}

Status ReadRejection(const ClientEnv& env, uint64_t remote_id, int status, std::string_view body,
                     std::string_view remote_cluster_id, bool stream) {
  const std::string remote = membership::IdToString(remote_id);
  if (!body.empty() && body.back() == '\n') body.remove_suffix(1);
  switch (status) {
    case 412:
      if (body == kErrIncompatibleVersion) {
        env.LogError("request sent was ignored by peer " + remote + " (server version incompatible)");
        return FailedPrecondition(std::string(kErrIncompatibleVersion));
      }
      if (body == kErrClusterIdMismatch) {
        env.LogError("request sent was ignored (cluster ID mismatch: " + std::string(stream ? "peer" : "remote") +
                     "[" + remote + "]=" + std::string(remote_cluster_id) +
                     ", local=" + membership::IdToString(env.cluster_id) + ")");
        if (env.cluster_id_conflict) env.cluster_id_conflict(std::string(remote_cluster_id));
        return FailedPrecondition(std::string(kErrClusterIdMismatch));
      }
      return FailedPrecondition("unhandled error \"" + std::string(body) + "\" when precondition failed");
    case 410:
    case 403:
      if (status == 410 || !stream) {
        if (env.removed) env.removed();
        return FailedPrecondition("the member has been permanently removed from the cluster");
      }
      break;
    case 404:
      if (stream) {
        return NotFound("peer " + remote + " failed to find local node " + membership::IdToString(env.local_id));
      }
      break;
    default:
      break;
  }
  return Unavailable("unhandled http status " + std::to_string(status));
}

}  // namespace etcdpp::peer
