#include "server/cluster.h"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace etcdpp::server {
namespace {

using backend::Bucket;
constexpr std::string_view kClusterVersionKey = "clusterVersion";

}  // namespace

std::string ConfChangeContextToJson(const ConfChangeContext& ctx) {
  auto j = nlohmann::ordered_json::parse(membership::MemberToJson(ctx.member));
  j["isPromote"] = ctx.is_promote;
  return j.dump();
}

Result<ConfChangeContext> ConfChangeContextFromJson(std::string_view json) {
  ETCDPP_ASSIGN_OR_RETURN(membership::Member m, membership::MemberFromJson(json));
  ConfChangeContext ctx{std::move(m), false};
  auto j = nlohmann::json::parse(json, nullptr, false);
  if (auto it = j.find("isPromote"); it != j.end() && it->is_boolean()) ctx.is_promote = it->get<bool>();
  return ctx;
}

Status Cluster::Recover(backend::Backend& be) {
  ETCDPP_ASSIGN_OR_RETURN(auto tx, be.BeginRead());
  std::map<uint64_t, membership::Member> members;
  std::set<uint64_t> removed;
  Status bad;
  ETCDPP_RETURN_IF_ERROR(tx.Range(Bucket::kMembers, "", "", 0, [&](std::string_view, std::string_view v) {
    auto m = membership::MemberFromJson(v);
    if (!m.ok()) {
      bad = Corruption("members bucket: " + m.status().message());
      return false;
    }
    members[m->id] = *m;
    return true;
  }));
  ETCDPP_RETURN_IF_ERROR(bad);
  ETCDPP_RETURN_IF_ERROR(tx.Range(Bucket::kMembersRemoved, "", "", 0, [&](std::string_view k, std::string_view) {
    if (auto id = membership::ParseId(k); id.ok()) removed.insert(*id);
    return true;
  }));
  ETCDPP_ASSIGN_OR_RETURN(auto version, tx.Get(Bucket::kCluster, kClusterVersionKey));
  std::lock_guard lock(mu_);
  members_ = std::move(members);
  removed_ = std::move(removed);
  version_ = version.value_or("");
  return Status();
}

uint64_t Cluster::id() const {
  std::lock_guard lock(mu_);
  return cluster_id_;
}

void Cluster::SetId(uint64_t cluster_id) {
  std::lock_guard lock(mu_);
  cluster_id_ = cluster_id;
}

Status Cluster::ValidateConfChange(const raftpb::ConfChange& cc) const {
  std::lock_guard lock(mu_);
  const uint64_t id = cc.node_id();
  if (removed_.count(id)) return FailedPrecondition("membership: ID removed");
  switch (cc.type()) {
    case raftpb::ConfChangeAddNode:
    case raftpb::ConfChangeAddLearnerNode: {
      ETCDPP_ASSIGN_OR_RETURN(ConfChangeContext ctx, ConfChangeContextFromJson(cc.context()));
      if (ctx.is_promote) {
        auto it = members_.find(id);
        if (it == members_.end()) return NotFound("membership: ID not found");
        if (!it->second.is_learner) return FailedPrecondition("membership: can only promote a learner member");
        return Status();
      }
      if (members_.count(id)) return AlreadyExists("membership: ID exists");
      int learners = 0;
      for (const auto& [mid, m] : members_) {
        learners += m.is_learner ? 1 : 0;
        for (const auto& u : m.peer_urls) {
          if (std::count(ctx.member.peer_urls.begin(), ctx.member.peer_urls.end(), u)) {
            return AlreadyExists("membership: peerURL exists");
          }
        }
      }
      if (ctx.member.is_learner && learners + 1 > kMaxLearners) {
        return FailedPrecondition("membership: too many learner members in cluster");
      }
      return Status();
    }
    case raftpb::ConfChangeRemoveNode:
      if (!members_.count(id)) return NotFound("membership: ID not found");
      return Status();
    case raftpb::ConfChangeUpdateNode: {
      if (!members_.count(id)) return NotFound("membership: ID not found");
      ETCDPP_ASSIGN_OR_RETURN(membership::Member m, membership::MemberFromJson(cc.context()));
      for (const auto& [mid, other] : members_) {
        if (mid == id) continue;
        for (const auto& u : other.peer_urls) {
          if (std::count(m.peer_urls.begin(), m.peer_urls.end(), u)) {
            return AlreadyExists("membership: peerURL exists");
          }
        }
      }
      return Status();
    }
  }
  return InvalidArgument("membership: unknown conf change type");
}

void Cluster::PersistMember(backend::BatchTx& tx, const membership::Member& m) {
  tx.Put(Bucket::kMembers, membership::IdToString(m.id), membership::MemberToJson(m));
}

void Cluster::AddMember(backend::BatchTx& tx, const membership::Member& m) {
  membership::Member copy = m;
  std::sort(copy.peer_urls.begin(), copy.peer_urls.end());
  PersistMember(tx, copy);
  std::lock_guard lock(mu_);
  members_[m.id] = std::move(copy);
}

void Cluster::RemoveMember(backend::BatchTx& tx, uint64_t id) {
  std::string key = membership::IdToString(id);
  tx.Delete(Bucket::kMembers, key);
  tx.Put(Bucket::kMembersRemoved, key, "removed");
  std::lock_guard lock(mu_);
  members_.erase(id);
  removed_.insert(id);
}

void Cluster::UpdatePeerUrls(backend::BatchTx& tx, uint64_t id, const std::vector<std::string>& urls) {
  std::lock_guard lock(mu_);
  auto it = members_.find(id);
  if (it == members_.end()) return;
  it->second.peer_urls = urls;
  std::sort(it->second.peer_urls.begin(), it->second.peer_urls.end());
  PersistMember(tx, it->second);
}

void Cluster::UpdateAttributes(backend::BatchTx& tx, uint64_t id, const std::string& name,
                               const std::vector<std::string>& client_urls) {
  std::lock_guard lock(mu_);
  auto it = members_.find(id);
  if (it == members_.end()) return;  // a removed member's late publish is ignored
  it->second.name = name;
  it->second.client_urls = client_urls;
  PersistMember(tx, it->second);
}

void Cluster::PromoteMember(backend::BatchTx& tx, uint64_t id) {
  std::lock_guard lock(mu_);
  auto it = members_.find(id);
  if (it == members_.end()) return;
  it->second.is_learner = false;
  PersistMember(tx, it->second);
}

void Cluster::SetVersion(backend::BatchTx& tx, const std::string& version) {
  tx.Put(Bucket::kCluster, kClusterVersionKey, version);
  std::lock_guard lock(mu_);
  version_ = version;
}

std::vector<membership::Member> Cluster::Members() const {
  std::lock_guard lock(mu_);
  std::vector<membership::Member> out;
  for (const auto& [id, m] : members_) out.push_back(m);
  return out;
}

std::optional<membership::Member> Cluster::Member(uint64_t id) const {
  std::lock_guard lock(mu_);
  auto it = members_.find(id);
  if (it == members_.end()) return std::nullopt;
  return it->second;
}

std::vector<uint64_t> Cluster::VoterIds() const {
  std::lock_guard lock(mu_);
  std::vector<uint64_t> out;
  for (const auto& [id, m] : members_) {
    if (!m.is_learner) out.push_back(id);
  }
  return out;
}

bool Cluster::IsRemoved(uint64_t id) const {
  std::lock_guard lock(mu_);
  return removed_.count(id) != 0;
}

std::string Cluster::version() const {
  std::lock_guard lock(mu_);
  return version_;
}

}  // namespace etcdpp::server
