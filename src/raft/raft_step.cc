// Raft: message handling. Step() first reconciles terms, then dispatches by role.
#include <algorithm>

#include "raft/errors.h"
#include "raft/raft.h"

namespace etcdpp::raft {
namespace {
using U = unsigned long long;

raftpb::Message Reply(uint64_t to, raftpb::MessageType t) {
  raftpb::Message m;
  m.set_to(to);
  m.set_type(t);
  return m;
}
}  // namespace

Status Raft::Step(raftpb::Message m) {
  bool done = false;
  ETCDPP_RETURN_IF_ERROR(StepByTerm(m, &done));
  if (done) return Status::Ok();
  switch (m.type()) {
    case raftpb::MsgHup:
      if (state_ == StateType::kLeader) return Status::Ok();
      if (!promotable()) {
        Logf(LogLevel::kWarning, "%llx is unpromotable and can not campaign; ignoring MsgHup", (U)id_);
        return Status::Ok();
      }
      // Applying a pending conf change may remove us; campaigning first could disrupt.
      if (int n = NumPendingConf(); n != 0) {
        Logf(LogLevel::kWarning, "%llx cannot campaign at term %llu since there are still %d pending configuration changes to apply",
             (U)id_, (U)term_, n);
        return Status::Ok();
      }
      Logf(LogLevel::kInfo, "%llx is starting a new election at term %llu", (U)id_, (U)term_);
      Campaign(pre_vote_ ? CampaignType::kPreElection : CampaignType::kElection);
      return Status::Ok();
    case raftpb::MsgVote:
    case raftpb::MsgPreVote:
      HandleVote(m);
      return Status::Ok();
    default:
      break;
  }
  switch (state_) {
    case StateType::kLeader:
      return StepLeader(m);
    case StateType::kCandidate:
    case StateType::kPreCandidate:
      return StepCandidate(m);
    case StateType::kFollower:
      return StepFollower(m);
  }
  return Status::Ok();
}

Status Raft::StepByTerm(const raftpb::Message& m, bool* done) {
  auto t = m.type();
  if (m.term() == 0) return Status::Ok();  // local message
  if (m.term() > term_) {
    if (t == raftpb::MsgVote || t == raftpb::MsgPreVote) {
      bool force = m.context() == kCampaignTransfer;
      bool in_lease = check_quorum_ && lead_ != kNone && election_elapsed_ < election_timeout_;
      if (!force && in_lease) {
        // We heard from a live leader within the minimum election timeout: a vote
        // request now comes from a disruptive node; ignore it without taking its term.
        Logf(LogLevel::kInfo, "%llx [logterm: %llu, index: %llu, vote: %llx] ignored %s from %llx [logterm: %llu, index: %llu] at term %llu: lease is not expired (remaining ticks: %d)",
             (U)id_, (U)log_.LastTerm(), (U)log_.LastIndex(), (U)vote_, MessageTypeName(t),
             (U)m.from(), (U)m.logterm(), (U)m.index(), (U)term_,
             election_timeout_ - election_elapsed_);
        *done = true;
        return Status::Ok();
      }
    }
    if (t == raftpb::MsgPreVote || (t == raftpb::MsgPreVoteResp && !m.reject())) {
      // Pre-votes carry a future term; granting or winning one changes no term.
    } else {
      Logf(LogLevel::kInfo, "%llx [term: %llu] received a %s message with higher term from %llx [term: %llu]",
           (U)id_, (U)term_, MessageTypeName(t), (U)m.from(), (U)m.term());
      bool from_leader = t == raftpb::MsgApp || t == raftpb::MsgHeartbeat || t == raftpb::MsgSnap;
      BecomeFollower(m.term(), from_leader ? m.from() : kNone);
    }
    return Status::Ok();
  }
  if (m.term() < term_) {
    *done = true;
    if ((check_quorum_ || pre_vote_) && (t == raftpb::MsgHeartbeat || t == raftpb::MsgApp)) {
      // A stale leader (or one we out-termed while partitioned) keeps contacting us;
      // answering with our term makes it step down, which frees a node that check-
      // quorum or pre-vote would otherwise keep from ever rejoining.
      Send(Reply(m.from(), raftpb::MsgAppResp));
    } else if (t == raftpb::MsgPreVote) {
      Logf(LogLevel::kInfo, "%llx [logterm: %llu, index: %llu, vote: %llx] rejected %s from %llx [logterm: %llu, index: %llu] at term %llu",
           (U)id_, (U)log_.LastTerm(), (U)log_.LastIndex(), (U)vote_, MessageTypeName(t),
           (U)m.from(), (U)m.logterm(), (U)m.index(), (U)term_);
      raftpb::Message r = Reply(m.from(), raftpb::MsgPreVoteResp);
      r.set_term(term_);
      r.set_reject(true);
      Send(std::move(r));
    } else {
      Logf(LogLevel::kInfo, "%llx [term: %llu] ignored a %s message with lower term from %llx [term: %llu]",
           (U)id_, (U)term_, MessageTypeName(t), (U)m.from(), (U)m.term());
    }
  }
  return Status::Ok();
}

void Raft::HandleVote(const raftpb::Message& m) {
  // Repeat of our vote, or no vote and no known leader this term, or a pre-vote for a
  // future term; and the candidate's log must be at least as up to date as ours.
  bool can_vote = vote_ == m.from() || (vote_ == kNone && lead_ == kNone) ||
                  (m.type() == raftpb::MsgPreVote && m.term() > term_);
  raftpb::Message r = Reply(m.from(), VoteRespMsgType(m.type()));
  if (can_vote && log_.IsUpToDate(m.index(), m.logterm())) {
    Logf(LogLevel::kInfo, "%llx [logterm: %llu, index: %llu, vote: %llx] cast %s for %llx [logterm: %llu, index: %llu] at term %llu",
         (U)id_, (U)log_.LastTerm(), (U)log_.LastIndex(), (U)vote_, MessageTypeName(m.type()),
         (U)m.from(), (U)m.logterm(), (U)m.index(), (U)term_);
    // Answer with the request's term: a pre-vote's term is ahead of ours.
    r.set_term(m.term());
    Send(std::move(r));
    if (m.type() == raftpb::MsgVote) {
      election_elapsed_ = 0;
      vote_ = m.from();
    }
    return;
  }
  Logf(LogLevel::kInfo, "%llx [logterm: %llu, index: %llu, vote: %llx] rejected %s from %llx [logterm: %llu, index: %llu] at term %llu",
       (U)id_, (U)log_.LastTerm(), (U)log_.LastIndex(), (U)vote_, MessageTypeName(m.type()),
       (U)m.from(), (U)m.logterm(), (U)m.index(), (U)term_);
  r.set_term(term_);
  r.set_reject(true);
  Send(std::move(r));
}

Status Raft::StepCandidate(raftpb::Message& m) {
  // A pre-candidate only counts pre-vote answers; a candidate only real ones.
  raftpb::MessageType my_resp =
      state_ == StateType::kPreCandidate ? raftpb::MsgPreVoteResp : raftpb::MsgVoteResp;
  switch (m.type()) {
    case raftpb::MsgProp:
      Logf(LogLevel::kInfo, "%llx no leader at term %llu; dropping proposal", (U)id_, (U)term_);
      return ErrProposalDropped();
    case raftpb::MsgApp:
      BecomeFollower(m.term(), m.from());
      HandleAppendEntries(m);
      return Status::Ok();
    case raftpb::MsgHeartbeat:
      BecomeFollower(m.term(), m.from());
      HandleHeartbeat(m);
      return Status::Ok();
    case raftpb::MsgSnap:
      BecomeFollower(m.term(), m.from());
      HandleSnapshot(m);
      return Status::Ok();
    case raftpb::MsgTimeoutNow:
      Logf(LogLevel::kDebug, "%llx [term %llu state %s] ignored MsgTimeoutNow from %llx", (U)id_,
           (U)term_, StateTypeName(state_), (U)m.from());
      return Status::Ok();
    default:
      break;
  }
  if (m.type() != my_resp) return Status::Ok();
  switch (Poll(m.from(), m.type(), !m.reject())) {
    case VoteResult::kWon:
      if (state_ == StateType::kPreCandidate) {
        Campaign(CampaignType::kElection);
      } else {
        BecomeLeader();
        BcastAppend();
      }
      break;
    case VoteResult::kLost:
      // A rejection's term may be ahead of ours (pre-vote); adopt it.
      BecomeFollower(std::max(term_, m.term()), kNone);
      break;
    case VoteResult::kPending:
      break;
  }
  return Status::Ok();
}

Status Raft::StepFollower(raftpb::Message& m) {
  switch (m.type()) {
    case raftpb::MsgProp:
      if (lead_ == kNone) {
        Logf(LogLevel::kInfo, "%llx no leader at term %llu; dropping proposal", (U)id_, (U)term_);
        return ErrProposalDropped();
      }
      if (disable_proposal_forwarding_) {
        Logf(LogLevel::kInfo, "%llx not forwarding to leader %llx at term %llu; dropping proposal",
             (U)id_, (U)lead_, (U)term_);
        return ErrProposalDropped();
      }
      m.set_to(lead_);
      Send(std::move(m));
      return Status::Ok();
    case raftpb::MsgApp:
      election_elapsed_ = 0;
      lead_ = m.from();
      HandleAppendEntries(m);
      return Status::Ok();
    case raftpb::MsgHeartbeat:
      election_elapsed_ = 0;
      lead_ = m.from();
      HandleHeartbeat(m);
      return Status::Ok();
    case raftpb::MsgSnap:
      election_elapsed_ = 0;
      lead_ = m.from();
      HandleSnapshot(m);
      return Status::Ok();
    case raftpb::MsgTransferLeader:
    case raftpb::MsgReadIndex:
      if (lead_ == kNone) {
        Logf(LogLevel::kInfo, "%llx no leader at term %llu; dropping %s", (U)id_, (U)term_,
             MessageTypeName(m.type()));
        return Status::Ok();
      }
      m.set_to(lead_);
      Send(std::move(m));
      return Status::Ok();
    case raftpb::MsgTimeoutNow:
      if (!promotable()) return Status::Ok();
      Logf(LogLevel::kInfo, "%llx [term %llu] received MsgTimeoutNow from %llx and starts an election to get leadership.",
           (U)id_, (U)term_, (U)m.from());
      // The leader asked us to take over: skip pre-vote, it would be refused in-lease.
      Campaign(CampaignType::kTransfer);
      return Status::Ok();
    case raftpb::MsgReadIndexResp:
      if (m.entries_size() != 1) {
        Logf(LogLevel::kError, "%llx invalid format of MsgReadIndexResp from %llx, entries count: %d",
             (U)id_, (U)m.from(), m.entries_size());
        return Status::Ok();
      }
      read_states_.push_back({m.index(), m.entries(0).data()});
      return Status::Ok();
    default:
      return Status::Ok();
  }
}

void Raft::HandleAppendEntries(raftpb::Message& m) {
  raftpb::Message r = Reply(m.from(), raftpb::MsgAppResp);
  if (m.index() < log_.committed()) {
    r.set_index(log_.committed());
    Send(std::move(r));
    return;
  }
  // The message is ours to consume: move its entries instead of copying them.
  Entries ents;
  ents.reserve(m.entries_size());
  for (auto& e : *m.mutable_entries()) ents.push_back(std::move(e));
  if (auto last = log_.MaybeAppend(m.index(), m.logterm(), m.commit(), std::move(ents))) {
    r.set_index(*last);
    Send(std::move(r));
    return;
  }
  // Tell the leader where our log could match: the last index at or before its probe
  // whose term is not above the probe's term. It can then skip a whole term at once.
  uint64_t hint = std::min(m.index(), log_.LastIndex());
  hint = log_.FindConflictByTerm(hint, m.logterm());
  auto hint_term = log_.Term(hint);
  Logf(LogLevel::kDebug, "%llx [logterm: %llu, index: %llu] rejected MsgApp [logterm: %llu, index: %llu] from %llx",
       (U)id_, (U)log_.ZeroTermOnCompacted(m.index()), (U)m.index(), (U)m.logterm(), (U)m.index(),
       (U)m.from());
  r.set_index(m.index());
  r.set_reject(true);
  r.set_rejecthint(hint);
  r.set_logterm(hint_term.ok() ? *hint_term : 0);
  Send(std::move(r));
}

void Raft::HandleHeartbeat(const raftpb::Message& m) {
  log_.CommitTo(m.commit());
  raftpb::Message r = Reply(m.from(), raftpb::MsgHeartbeatResp);
  if (!m.context().empty()) r.set_context(m.context());
  Send(std::move(r));
}

void Raft::HandleSnapshot(const raftpb::Message& m) {
  raftpb::Message r = Reply(m.from(), raftpb::MsgAppResp);
  const auto& md = m.snapshot().metadata();
  if (Restore(m.snapshot())) {
    Logf(LogLevel::kInfo, "%llx [commit: %llu] restored snapshot [index: %llu, term: %llu]", (U)id_,
         (U)log_.committed(), (U)md.index(), (U)md.term());
    r.set_index(log_.LastIndex());
  } else {
    Logf(LogLevel::kInfo, "%llx [commit: %llu] ignored snapshot [index: %llu, term: %llu]", (U)id_,
         (U)log_.committed(), (U)md.index(), (U)md.term());
    r.set_index(log_.committed());
  }
  Send(std::move(r));
}

}  // namespace etcdpp::raft
