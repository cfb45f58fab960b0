// The applier's v2 side: etcd's v2 store as a state machine of the raft log. User keys
// (/1) change only through committed v2 requests; the membership keeps its /0 tree as
// etcd's membership package writes it, so the store (and the snapshot made from it)
// reads the same as etcd's.
#include <chrono>

#include <nlohmann/json.hpp>

#include "membership/member.h"
#include "server/applier.h"
#include "v2store/applier.h"

namespace etcdpp::server {
namespace {

int64_t NowUnixNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string MemberDir(uint64_t id) { return "/0/members/" + membership::IdToString(id); }

// Go's encoding of etcd's RaftAttributes: field order peerURLs, isLearner (omitted when
// false).
std::string RaftAttributesJson(const std::vector<std::string>& peer_urls, bool is_learner) {
  std::string out = "{\"peerURLs\":" + nlohmann::json(peer_urls).dump();
  if (is_learner) out += ",\"isLearner\":true";
  out += '}';
  return out;
}

bool Exists(v2store::Store& store, const std::string& path) { return store.Get(path, false, false, 0).ok(); }

}  // namespace

void Applier::ApplyV2Entry(const etcdserverpb::Request& r, const raftpb::Entry& e, bool replayed) {
  ApplyResult result;
  if (deps_.v2) {
    // etcd writes a member's attributes into the store only while it is a member.
    bool skip = false;
    if (r.method() == "PUT" && !r.has_prevexist() && r.previndex() == 0 && r.prevvalue().empty() &&
        v2store::IsMemberAttributesPath(r.path())) {
      const std::string& p = r.path();
      const size_t slash = p.rfind('/');
      const size_t start = p.rfind('/', slash - 1) + 1;
      auto id = membership::ParseId(p.substr(start, slash - start));
      skip = !id.ok() || !deps_.cluster->Member(*id).has_value();
    }
    if (!skip) {
      auto applied = v2store::Apply(*deps_.v2, r, NowUnixNs());
      if (applied.ok()) {
        result.v2_event = *applied;
      } else {
        result.v2_error = applied.error();
      }
    }
  }
  if (replayed) return;
  ApplyV2(r);
  MarkApplied(e.index(), e.term());
  deps_.waits->Trigger(r.id(), std::move(result));
}

void Applier::MirrorConfChange(const raftpb::ConfChange& cc, const ConfChangeContext* ctx) {
  if (!deps_.v2) return;
  v2store::Store& store = *deps_.v2;
  const v2store::TtlOptions permanent;
  const std::string dir = MemberDir(cc.node_id());
  const std::string raft_attrs = dir + "/raftAttributes";
  const std::string removed = "/0/removed_members/" + membership::IdToString(cc.node_id());
  // Each write is made only when the store does not show it yet, so a change replayed
  // after a restart (or one refused when first applied) writes what it wrote then.
  switch (cc.type()) {
    case raftpb::ConfChangeAddNode:
    case raftpb::ConfChangeAddLearnerNode:
      if (!ctx || Exists(store, removed)) return;
      if (ctx->is_promote) {
        auto m = deps_.cluster->Member(cc.node_id());
        if (!m || !Exists(store, raft_attrs)) return;
        (void)store.Update(raft_attrs, RaftAttributesJson(m->peer_urls, false), permanent, 0);
        return;
      }
      if (Exists(store, raft_attrs)) return;
      (void)store.Create(raft_attrs, false, RaftAttributesJson(ctx->member.peer_urls, ctx->member.is_learner), false,
                         permanent, 0);
      return;
    case raftpb::ConfChangeRemoveNode:
      if (!Exists(store, dir)) return;
      (void)store.Delete(dir, true, true, 0);
      (void)store.Create(removed, false, "", false, permanent, 0);
      return;
    case raftpb::ConfChangeUpdateNode: {
      auto m = membership::MemberFromJson(cc.context());
      if (!m.ok() || !Exists(store, raft_attrs)) return;
      auto current = deps_.cluster->Member(cc.node_id());
      (void)store.Update(raft_attrs, RaftAttributesJson(m->peer_urls, current && current->is_learner), permanent,
                         0);
      return;
    }
    default:
      return;
  }
}

}  // namespace etcdpp::server
