// Cluster: the membership of the cluster as this member has applied it — members, removed
// member IDs, the cluster ID and the cluster version — persisted in the backend's
// members, members_removed and cluster buckets (docs/formats/backend.md).
//
// Written only by the apply thread (inside the BatchTx of the entry being applied, so
// membership and consistent_index commit together); read from any thread (a mutex
// guards the state).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "base/status.h"
#include "membership/member.h"
#include "raftpb/raft.pb.h"

namespace etcdpp::server {

// etcd allows at most one learner.
inline constexpr int kMaxLearners = 1;

// What an add-node conf change carries: the member, and whether it promotes a learner.
struct ConfChangeContext {
  membership::Member member;
  bool is_promote = false;
};
std::string ConfChangeContextToJson(const ConfChangeContext& ctx);
Result<ConfChangeContext> ConfChangeContextFromJson(std::string_view json);

class Cluster {
 public:
  Cluster(uint64_t local_id, uint64_t cluster_id) : local_id_(local_id), cluster_id_(cluster_id) {}

  // Loads members, removed IDs and the version from the backend.
  Status Recover(backend::Backend& be);

  uint64_t local_id() const { return local_id_; }
  uint64_t id() const;
  void SetId(uint64_t cluster_id);

  // etcd's checks of a committed conf change against the current membership; an error
  // means the change is applied to raft as a no-op. Messages are the membership
  // package's ("membership: ID exists", ...).
  Status ValidateConfChange(const raftpb::ConfChange& cc) const;

  void AddMember(backend::BatchTx& tx, const membership::Member& m);
  void RemoveMember(backend::BatchTx& tx, uint64_t id);
  void UpdatePeerUrls(backend::BatchTx& tx, uint64_t id, const std::vector<std::string>& urls);
  void UpdateAttributes(backend::BatchTx& tx, uint64_t id, const std::string& name,
                        const std::vector<std::string>& client_urls);
  void PromoteMember(backend::BatchTx& tx, uint64_t id);
  void SetVersion(backend::BatchTx& tx, const std::string& version);

  std::vector<membership::Member> Members() const;  // ascending by ID
  std::optional<membership::Member> Member(uint64_t id) const;
  std::vector<uint64_t> VoterIds() const;
  bool IsRemoved(uint64_t id) const;
  std::string version() const;  // "" until decided

 private:
  void PersistMember(backend::BatchTx& tx, const membership::Member& m);

  const uint64_t local_id_;
  mutable std::mutex mu_;  // guards the fields below
  uint64_t cluster_id_;
  std::map<uint64_t, membership::Member> members_;
  std::set<uint64_t> removed_;
  std::string version_;
};

}  // namespace etcdpp::server
