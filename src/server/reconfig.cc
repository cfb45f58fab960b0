// Runtime reconfiguration: MemberAdd/Remove/Update/Promote as etcd 3.4 runs them. The
// checks of --strict-reconfig-check run here, before proposing; the membership rules
// (duplicate IDs and URLs, learner limits) run again where the change is applied, so
// that every member decides the same.
#include <algorithm>
#include <chrono>

#include "base/url.h"
#include "server/errors.h"
#include "server/server_impl.h"

namespace etcdpp::server {
namespace {

using Clock = std::chrono::steady_clock;
// etcd's HealthInterval: a peer must have been connected this long to count as healthy.
constexpr auto kHealthInterval = std::chrono::seconds(5);
// A learner may be promoted once its log matches at least this share of the leader's.
constexpr double kLearnerReadyShare = 0.9;

// The applier's membership errors, as the v3 API reports them.
Status ToClientError(const Status& s) {
  const std::string& m = s.message();
  if (m == "membership: ID removed" || m == "membership: ID not found") return errors::kMemberNotFound.status();
  if (m == "membership: ID exists") return errors::kMemberExists.status();
  if (m == "membership: peerURL exists") return errors::kPeerUrlExists.status();
  if (m == "membership: can only promote a learner member") return errors::kMemberNotLearner.status();
  if (m == "membership: too many learner members in cluster") return errors::kTooManyLearners.status();
  return s;
}

// Started = published its name (etcd's IsStarted).
struct VoterCounts {
  int members = 0;
  int started = 0;
};

VoterCounts CountVoters(const Cluster& cluster, uint64_t except) {
  VoterCounts c;
  for (const auto& m : cluster.Members()) {
    if (m.is_learner || m.id == except) continue;
    ++c.members;
    c.started += m.name.empty() ? 0 : 1;
  }
  return c;
}

bool ReadyToAddVoter(const Cluster& cluster) {
  VoterCounts c = CountVoters(cluster, 0);
  const int members = c.members + 1;  // with the new one, not started yet
  if (c.started == 1 && members == 2) return true;  // growing a cluster of one
  return c.started >= members / 2 + 1;
}

bool ReadyToRemoveVoter(const Cluster& cluster, uint64_t id) {
  VoterCounts c = CountVoters(cluster, id);
  return c.started >= c.members / 2 + 1;
}

bool ReadyToPromote(const Cluster& cluster) {
  VoterCounts c = CountVoters(cluster, 0);
  // The learner counts as a started voter of the future configuration.
  return c.started + 1 >= (c.members + 1) / 2 + 1;
}

template <typename Resp>
void FillMembers(const Cluster& cluster, Resp* resp) {
  for (const auto& m : cluster.Members()) MemberToPb(m, resp->add_members());
}

}  // namespace

void MemberToPb(const membership::Member& m, etcdserverpb::Member* out) {
  out->set_id(m.id);
  out->set_name(m.name);
  for (const auto& u : m.peer_urls) out->add_peerurls(u);
  for (const auto& u : m.client_urls) out->add_clienturls(u);
  out->set_islearner(m.is_learner);
}

int EtcdServer::Impl::ConnectedVoters(uint64_t except) const {
  const auto since = Clock::now() - kHealthInterval;
  int connected = 0;
  for (const auto& m : cluster->Members()) {
    if (m.is_learner || m.id == except) continue;
    if (m.id == config.member_id) {
      ++connected;
      continue;
    }
    const auto active = transport->ActiveSince(m.id);
    if (active != Clock::time_point{} && active < since) ++connected;
  }
  return connected;
}

void EtcdServer::Impl::ProposeConfChange(raftpb::ConfChange cc, ApplyCallback done) {
  const uint64_t id = ids->Next();
  cc.set_id(id);
  auto mapped = [done = std::move(done)](ApplyResult r) mutable {
    if (!r.status.ok()) r.status = ToClientError(r.status);
    done(std::move(r));
  };
  ApplyCallback callback = std::move(mapped);
  if (!RegisterWaiter(id, callback)) return;
  raft->ProposeConfChange(std::move(cc), [this, id](etcdpp::Status s) {
    waits.Trigger(id, ApplyResult{Internal(s.message()), nullptr});
  });
}

void EtcdServer::MemberAdd(etcdserverpb::MemberAddRequest r, Done<etcdserverpb::MemberAddResponse> done) {
  Impl& s = *impl_;
  std::vector<std::string> raw(r.peerurls().begin(), r.peerurls().end());
  Result<std::vector<Url>> urls = raw.empty() ? Result<std::vector<Url>>(InvalidArgument("no URLs"))
                                              : ParseUrlList(raw);
  if (!urls.ok()) return done(errors::kInvalidMemberUrls.status());
  membership::Member m;
  for (const auto& u : *urls) m.peer_urls.push_back(u.String());
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch()).count();
  m.id = membership::ComputeMemberId(m.peer_urls, "", now);
  m.is_learner = r.islearner();
  if (s.config.strict_reconfig_check) {
    if (!m.is_learner && !ReadyToAddVoter(*s.cluster)) {
      if (s.log()) s.log()->Warn("etcdserver", "not enough started members, rejecting member add " + membership::IdToString(m.id));
      return done(errors::kNotEnoughStartedMembers.status());
    }
    if (s.ConnectedVoters(0) != CountVoters(*s.cluster, 0).members) {
      if (s.log()) s.log()->Warn("etcdserver", "not healthy for reconfigure, rejecting member add " + membership::IdToString(m.id));
      return done(errors::kUnhealthy.status());
    }
  }
  raftpb::ConfChange cc;
  cc.set_type(m.is_learner ? raftpb::ConfChangeAddLearnerNode : raftpb::ConfChangeAddNode);
  cc.set_node_id(m.id);
  cc.set_context(ConfChangeContextToJson(ConfChangeContext{m, false}));
  s.ProposeConfChange(std::move(cc), [this, m, done = std::move(done)](ApplyResult applied) {
    if (!applied.status.ok()) return done(applied.status);
    etcdserverpb::MemberAddResponse resp;
    FillHeader(resp.mutable_header());
    MemberToPb(m, resp.mutable_member());
    FillMembers(*impl_->cluster, &resp);
    done(std::move(resp));
  });
}

void EtcdServer::MemberRemove(etcdserverpb::MemberRemoveRequest r, Done<etcdserverpb::MemberRemoveResponse> done) {
  Impl& s = *impl_;
  const uint64_t id = r.id();
  std::optional<membership::Member> target = s.cluster->Member(id);
  if (s.config.strict_reconfig_check && !(target && target->is_learner)) {
    if (!ReadyToRemoveVoter(*s.cluster, id)) {
      if (s.log()) s.log()->Warn("etcdserver", "not enough started members, rejecting remove member " + membership::IdToString(id));
      return done(errors::kNotEnoughStartedMembers.status());
    }
    // Removing a member we cannot reach does not weaken the quorum we have.
    const bool target_down = id != s.config.member_id && s.transport->ActiveSince(id) == Clock::time_point{};
    const int voters = CountVoters(*s.cluster, 0).members;
    if (!target_down && s.ConnectedVoters(0) - 1 < 1 + (voters - 1) / 2) {
      if (s.log()) s.log()->Warn("etcdserver", "reconfigure breaks active quorum, rejecting remove member " + membership::IdToString(id));
      return done(errors::kUnhealthy.status());
    }
  }
  raftpb::ConfChange cc;
  cc.set_type(raftpb::ConfChangeRemoveNode);
  cc.set_node_id(id);
  s.ProposeConfChange(std::move(cc), [this, done = std::move(done)](ApplyResult applied) {
    if (!applied.status.ok()) return done(applied.status);
    etcdserverpb::MemberRemoveResponse resp;
    FillHeader(resp.mutable_header());
    FillMembers(*impl_->cluster, &resp);
    done(std::move(resp));
  });
}

void EtcdServer::MemberUpdate(etcdserverpb::MemberUpdateRequest r, Done<etcdserverpb::MemberUpdateResponse> done) {
  membership::Member m;
  m.id = r.id();
  m.peer_urls.assign(r.peerurls().begin(), r.peerurls().end());
  raftpb::ConfChange cc;
  cc.set_type(raftpb::ConfChangeUpdateNode);
  cc.set_node_id(m.id);
  cc.set_context(membership::MemberToJson(m));
  impl_->ProposeConfChange(std::move(cc), [this, done = std::move(done)](ApplyResult applied) {
    if (!applied.status.ok()) return done(applied.status);
    etcdserverpb::MemberUpdateResponse resp;
    FillHeader(resp.mutable_header());
    FillMembers(*impl_->cluster, &resp);
    done(std::move(resp));
  });
}

void EtcdServer::MemberPromote(etcdserverpb::MemberPromoteRequest r, Done<etcdserverpb::MemberPromoteResponse> done) {
  auto answer = [this, done = std::move(done)](Result<std::vector<membership::Member>> members) {
    if (!members.ok()) return done(members.status());
    etcdserverpb::MemberPromoteResponse resp;
    FillHeader(resp.mutable_header());
    for (const auto& m : *members) MemberToPb(m, resp.add_members());
    done(std::move(resp));
  };
  const uint64_t id = r.id();
  PromoteAsLeader(id, [this, id, answer = std::move(answer)](Result<std::vector<membership::Member>> result) mutable {
    if (result.ok() || result.status().message() != std::string(errors::kNotLeader.message)) {
      return answer(std::move(result));
    }
    // Only the leader knows how far the learner got: ask it.
    std::optional<membership::Member> leader = impl_->cluster->Member(this->leader());
    if (!leader || !impl_->promote_forwarder) return answer(errors::kNotLeader.status());
    impl_->promote_forwarder(leader->peer_urls, id, std::move(answer));
  });
}

void EtcdServer::PromoteAsLeader(uint64_t id, Done<std::vector<membership::Member>> done) {
  Impl& s = *impl_;
  // Raft's view of the learner's progress lives on the raft thread.
  s.raft->Inspect([this, id, done = std::move(done)](const raft::RawNode& node) mutable {
    Impl& s = *impl_;
    raft::NodeStatus st = node.GetStatus();
    if (st.progress.empty()) return done(errors::kNotLeader.status());
    auto find = [&](uint64_t pid) {
      return std::find_if(st.progress.begin(), st.progress.end(), [&](const auto& p) { return p.id == pid; });
    };
    auto learner = find(id);
    auto self = find(st.id);
    if (learner != st.progress.end() && self != st.progress.end() &&
        static_cast<double>(learner->match) < static_cast<double>(self->match) * kLearnerReadyShare) {
      return done(errors::kLearnerNotReady.status());
    }
    if (s.config.strict_reconfig_check && !ReadyToPromote(*s.cluster)) {
      if (s.log()) s.log()->Warn("etcdserver", "not enough started members, rejecting promote member " + membership::IdToString(id));
      return done(errors::kNotEnoughStartedMembers.status());
    }
    ConfChangeContext ctx;
    ctx.member.id = id;
    ctx.is_promote = true;
    raftpb::ConfChange cc;
    cc.set_type(raftpb::ConfChangeAddNode);
    cc.set_node_id(id);
    cc.set_context(ConfChangeContextToJson(ctx));
    s.ProposeConfChange(std::move(cc), [this, done = std::move(done)](ApplyResult applied) {
      if (!applied.status.ok()) return done(applied.status);
      done(impl_->cluster->Members());
    });
  });
}

void EtcdServer::SetPromoteForwarder(PromoteForwarder forwarder) { impl_->promote_forwarder = std::move(forwarder); }

bool EtcdServer::IsLearner() const {
  std::optional<membership::Member> self = impl_->cluster->Member(impl_->config.member_id);
  return self && self->is_learner;
}

bool EtcdServer::removed() const {
  const int64_t from = impl_->removed_from_ms.load();
  if (from == 0) return false;
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             Clock::now().time_since_epoch()).count();
  return now_ms >= from;
}

void EtcdServer::MarkRemoved() {
  int64_t none = 0;
  impl_->removed_from_ms.compare_exchange_strong(none, 1);
}

}  // namespace etcdpp::server
