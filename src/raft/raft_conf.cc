// Raft: campaigns, configuration changes and snapshot restore.
#include "raft/errors.h"
#include "raft/raft.h"

namespace etcdpp::raft {

void Raft::Campaign(CampaignType t) {
  if (!promotable()) {
    Logf(LogLevel::kWarning, "%llx is unpromotable; campaign() should have been called",
         (unsigned long long)id_);
    return;
  }
  uint64_t term;
  raftpb::MessageType vote_msg;
  if (t == CampaignType::kPreElection) {
    BecomePreCandidate();
    vote_msg = raftpb::MsgPreVote;
    // Pre-votes ask about the term we would campaign in, without entering it.
    term = term_ + 1;
  } else {
    BecomeCandidate();
    vote_msg = raftpb::MsgVote;
    term = term_;
  }
  if (Poll(id_, VoteRespMsgType(vote_msg), true) == VoteResult::kWon) {
    // Single voter: won outright.
    if (t == CampaignType::kPreElection) {
      Campaign(CampaignType::kElection);
    } else {
      BecomeLeader();
    }
    return;
  }
  for (uint64_t id : prs_.voters()) {
    if (id == id_) continue;
    Logf(LogLevel::kInfo, "%llx [logterm: %llu, index: %llu] sent %s request to %llx at term %llu",
         (unsigned long long)id_, (unsigned long long)log_.LastTerm(),
         (unsigned long long)log_.LastIndex(), MessageTypeName(vote_msg), (unsigned long long)id,
         (unsigned long long)term_);
    raftpb::Message m;
    m.set_term(term);
    m.set_to(id);
    m.set_type(vote_msg);
    m.set_index(log_.LastIndex());
    m.set_logterm(log_.LastTerm());
    if (t == CampaignType::kTransfer) m.set_context(kCampaignTransfer);
    Send(std::move(m));
  }
}

VoteResult Raft::Poll(uint64_t id, raftpb::MessageType t, bool granted) {
  Logf(LogLevel::kInfo, "%llx received %s %s from %llx at term %llu", (unsigned long long)id_,
       MessageTypeName(t), granted ? "" : "rejection", (unsigned long long)id,
       (unsigned long long)term_);
  prs_.RecordVote(id, granted);
  int yes = 0, no = 0;
  return prs_.TallyVotes(&yes, &no);
}

int Raft::NumPendingConf() const {
  if (log_.committed() <= log_.applied()) return 0;
  auto ents = log_.Slice(log_.applied() + 1, log_.committed() + 1, kNoLimit);
  ETCDPP_CHECK(ents.ok(), "unexpected error getting unapplied entries: " + ents.status().ToString());
  int n = 0;
  for (const auto& e : *ents) n += e.type() == raftpb::EntryConfChange ? 1 : 0;
  return n;
}

raftpb::ConfState Raft::ApplyConfChange(const raftpb::ConfChange& cc) {
  uint64_t next = log_.LastIndex() + 1;
  uint64_t id = cc.node_id();
  switch (cc.type()) {
    case raftpb::ConfChangeAddNode:
      if (id != kNone) prs_.AddVoter(id, next);
      break;
    case raftpb::ConfChangeAddLearnerNode:
      if (id != kNone) prs_.AddLearner(id, next);
      break;
    case raftpb::ConfChangeRemoveNode:
      prs_.Remove(id);
      break;
    case raftpb::ConfChangeUpdateNode:
      break;
    default:
      Logf(LogLevel::kWarning, "%llx ignoring unknown conf change type %d", (unsigned long long)id_,
           static_cast<int>(cc.type()));
  }
  AfterConfigChange();
  return prs_.ConfState();
}

void Raft::ApplyConfState(const raftpb::ConfState& cs) {
  uint64_t next = log_.LastIndex() + 1;
  for (uint64_t id : cs.voters()) prs_.AddVoter(id, next);
  for (uint64_t id : cs.learners()) prs_.AddLearner(id, next);
  const Progress* self = prs_.Get(id_);
  is_learner_ = self != nullptr && self->is_learner;
}

void Raft::AfterConfigChange() {
  const Progress* self = prs_.Get(id_);
  is_learner_ = self != nullptr && self->is_learner;
  // A leader that removed or demoted itself keeps leading until it steps down (by
  // check-quorum or a higher term); it simply stops counting itself.
  if (self == nullptr || is_learner_) return;
  if (state_ != StateType::kLeader || prs_.voters().empty()) return;
  // The quorum changed: the commit index may move, and new members need appends.
  if (MaybeCommit()) {
    BcastAppend();
  } else {
    for (auto& [id, pr] : prs_.progress()) {
      if (id != id_) MaybeSendAppend(id, false);
    }
  }
  if (lead_transferee_ != kNone && prs_.Get(lead_transferee_) == nullptr) AbortLeaderTransfer();
}

bool Raft::Restore(const raftpb::Snapshot& s) {
  const auto& md = s.metadata();
  if (md.index() <= log_.committed()) return false;
  const auto& cs = md.conf_state();
  bool found = false;
  for (uint64_t id : cs.voters()) found |= id == id_;
  for (uint64_t id : cs.learners()) found |= id == id_;
  if (!found) {
    Logf(LogLevel::kWarning, "%llx attempted to restore snapshot but it is not in the ConfState %s; should never happen",
         (unsigned long long)id_, DescribeConfState(cs).c_str());
    return false;
  }
  if (log_.MatchTerm(md.index(), md.term())) {
    // We already have the snapshot's entries: just move the commit index.
    Logf(LogLevel::kInfo, "%llx [commit: %llu] fast-forwarded commit to snapshot [index: %llu, term: %llu]",
         (unsigned long long)id_, (unsigned long long)log_.committed(),
         (unsigned long long)md.index(), (unsigned long long)md.term());
    log_.CommitTo(md.index());
    return false;
  }
  log_.Restore(s);
  prs_ = ProgressTracker(prs_.max_inflight(), prs_.max_inflight_bytes());
  ApplyConfState(cs);
  Progress* self = prs_.Get(id_);
  self->MaybeUpdate(self->next - 1);
  Logf(LogLevel::kInfo, "%llx [commit: %llu] restored snapshot [index: %llu, term: %llu]",
       (unsigned long long)id_, (unsigned long long)log_.committed(),
       (unsigned long long)md.index(), (unsigned long long)md.term());
  return true;
}

}  // namespace etcdpp::raft
