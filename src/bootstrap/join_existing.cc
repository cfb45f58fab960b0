#include "bootstrap/join_existing.h"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace etcdpp::bootstrap {
namespace {

std::string Brackets(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? " " : "") + items[i];
  return out + "]";
}

// etcd's RaftCluster.String(), which its validation errors print.
std::string Describe(const ExistingCluster& c) {
  std::string out = "{ClusterID:" + membership::IdToString(c.id) + " Members:[";
  for (size_t i = 0; i < c.members.size(); ++i) {
    const auto& m = c.members[i];
    out += (i ? " " : "") + std::string("&{ID:") + membership::IdToString(m.id) +
           " RaftAttributes:{PeerURLs:" + Brackets(m.peer_urls) +
           " IsLearner:" + (m.is_learner ? "true" : "false") + "} Attributes:{Name:" + m.name +
           " ClientURLs:" + Brackets(m.client_urls) + "}}";
  }
  return out + "] RemovedMemberIDs:[]}";
}

Result<ExistingCluster> Parse(const peer::PeerAnswer& answer) {
  if (answer.status != 200) return Unavailable("unexpected status " + std::to_string(answer.status));
  auto list = nlohmann::json::parse(answer.body, nullptr, false);
  if (!list.is_array()) return Unavailable("unreadable member list");
  ExistingCluster c;
  for (const auto& item : list) {
    ETCDPP_ASSIGN_OR_RETURN(membership::Member m, membership::MemberFromJson(item.dump()));
    c.members.push_back(std::move(m));
  }
  auto it = answer.headers.find("x-etcd-cluster-id");
  if (it == answer.headers.end() || it->second.empty()) return Unavailable("no cluster ID in the answer");
  ETCDPP_ASSIGN_OR_RETURN(c.id, membership::ParseId(it->second));
  return c;
}

}  // namespace

Result<ExistingCluster> FetchExistingCluster(peer::PeerClient& client, const std::vector<std::string>& peer_urls,
                                             Logger* log) {
  for (const auto& url : peer_urls) {
    peer::PeerRequest req;
    req.url = url;
    req.path = "/members";
    req.keep_headers = {"x-etcd-cluster-id"};
    Result<peer::PeerAnswer> answer = client.CallAndWait(std::move(req));
    Result<ExistingCluster> cluster = answer.ok() ? Parse(*answer) : Result<ExistingCluster>(answer.status());
    if (cluster.ok()) return cluster;
    if (log) {
      log->Warn("etcdserver", "could not get cluster response from " + url + ": " + cluster.status().message());
    }
  }
  return Unavailable(
      "cannot fetch cluster info from peer urls: could not retrieve cluster information from the given URLs");
}

Status AssignIdsFromExisting(std::vector<membership::Member>* local, const ExistingCluster& existing) {
  const std::string prefix = "error validating peerURLs " + Describe(existing) + ": ";
  if (local->size() != existing.members.size()) return FailedPrecondition(prefix + "member count is unequal");
  for (const auto& e : existing.members) {
    auto same = std::find_if(local->begin(), local->end(), [&](const membership::Member& l) {
      std::vector<std::string> a = l.peer_urls, b = e.peer_urls;
      std::sort(a.begin(), a.end());
      std::sort(b.begin(), b.end());
      return a == b;
    });
    if (same == local->end()) {
      return FailedPrecondition(prefix + "PeerURLs: no match found for existing member (" +
                                membership::IdToString(e.id) + ", " + Brackets(e.peer_urls) +
                                "), last resolver error (<nil>)");
    }
    same->id = e.id;
  }
  return Status();
}

}  // namespace etcdpp::bootstrap
