// Raft: the leader's message handling (proposals, replication feedback, read index,
// leadership transfer, snapshot and reachability reports).
#include "raft/errors.h"
#include "raft/raft.h"

namespace etcdpp::raft {
namespace {
using U = unsigned long long;
}  // namespace

Status Raft::StepLeader(raftpb::Message& m) {
  switch (m.type()) {
    case raftpb::MsgBeat:
      BcastHeartbeat();
      return Status::Ok();
    case raftpb::MsgCheckQuorum: {
      if (Progress* self = prs_.Get(id_)) self->recent_active = true;
      if (!prs_.QuorumActive()) {
        Logf(LogLevel::kWarning, "%llx stepped down to follower since quorum is not active", (U)id_);
        BecomeFollower(term_, kNone);
      }
      for (auto& [id, pr] : prs_.progress()) {
        if (id != id_) pr.recent_active = false;
      }
      return Status::Ok();
    }
    case raftpb::MsgProp:
      return LeaderPropose(m);
    case raftpb::MsgReadIndex:
      LeaderReadIndex(m);
      return Status::Ok();
    default:
      break;
  }
  Progress* pr = prs_.Get(m.from());
  if (pr == nullptr) {
    Logf(LogLevel::kDebug, "%llx no progress available for %llx", (U)id_, (U)m.from());
    return Status::Ok();
  }
  switch (m.type()) {
    case raftpb::MsgAppResp:
      LeaderAppResp(m, pr);
      break;
    case raftpb::MsgHeartbeatResp:
      LeaderHeartbeatResp(m, pr);
      break;
    case raftpb::MsgSnapStatus:
      if (pr->state != ProgressState::kSnapshot) break;
      if (m.reject()) pr->pending_snapshot = 0;  // failed: probe from match again
      Logf(LogLevel::kDebug, "%llx snapshot %s to %llx, resumed sending replication messages to %llx [%s]",
           (U)id_, m.reject() ? "failed" : "succeeded", (U)m.from(), (U)m.from(), pr->ToString().c_str());
      pr->BecomeProbe();
      // Wait for a heartbeat response before probing, so a lost snapshot is not chased
      // by appends that cannot apply.
      pr->probe_sent = true;
      break;
    case raftpb::MsgUnreachable:
      // The follower may have lost messages: stop optimistic sending, probe again.
      if (pr->state == ProgressState::kReplicate) pr->BecomeProbe();
      Logf(LogLevel::kDebug, "%llx failed to send message to %llx because it is unreachable [%s]",
           (U)id_, (U)m.from(), pr->ToString().c_str());
      break;
    case raftpb::MsgTransferLeader:
      LeaderTransfer(m, pr);
      break;
    default:
      break;
  }
  return Status::Ok();
}

Status Raft::LeaderPropose(raftpb::Message& m) {
  ETCDPP_CHECK(m.entries_size() > 0, "stepped empty MsgProp");
  if (prs_.Get(id_) == nullptr) return ErrProposalDropped();  // removed ourselves
  if (lead_transferee_ != kNone) {
    Logf(LogLevel::kDebug, "%llx [term %llu] transfer leadership to %llx is in progress; dropping proposal",
         (U)id_, (U)term_, (U)lead_transferee_);
    return ErrProposalDropped();
  }
  Entries ents;
  ents.reserve(m.entries_size());
  uint64_t last = log_.LastIndex();
  for (int i = 0; i < m.entries_size(); ++i) {
    raftpb::Entry& e = *m.mutable_entries(i);
    if (e.type() == raftpb::EntryConfChange || e.type() == raftpb::EntryConfChangeV2) {
      // One membership change at a time: a second one while the first is not yet
      // applied becomes a no-op entry.
      if (pending_conf_index_ > log_.applied()) {
        Logf(LogLevel::kInfo, "%llx propose conf %s ignored since pending unapplied configuration [index %llu, applied %llu]",
             (U)id_, DescribeEntry(e).c_str(), (U)pending_conf_index_, (U)log_.applied());
        e = MakeEntry(0, 0);
      } else {
        pending_conf_index_ = last + i + 1;
      }
    }
    ents.push_back(std::move(e));
  }
  if (!AppendEntries(std::move(ents))) return ErrProposalDropped();
  BcastAppend();
  return Status::Ok();
}

void Raft::RespondToReadIndex(const raftpb::Message& req, uint64_t index) {
  if (req.from() == kNone || req.from() == id_) {
    read_states_.push_back({index, req.entries(0).data()});
    return;
  }
  raftpb::Message r;
  r.set_to(req.from());
  r.set_type(raftpb::MsgReadIndexResp);
  r.set_index(index);
  *r.mutable_entries() = req.entries();
  Send(std::move(r));
}

void Raft::LeaderReadIndex(const raftpb::Message& m) {
  if (prs_.IsSingleton()) {
    RespondToReadIndex(m, log_.committed());
    return;
  }
  if (!CommittedEntryInCurrentTerm()) {
    // Our commit index may lag the previous leader's until we commit in our own term;
    // hold the request until then.
    pending_read_index_msgs_.push_back(m);
    return;
  }
  if (read_only_.option() == ReadOnlyOption::kSafe) {
    read_only_.AddRequest(log_.committed(), m);
    // We count as one acknowledgement; heartbeats collect the rest.
    read_only_.RecvAck(id_, m.entries(0).data());
    BcastHeartbeatWithCtx(m.entries(0).data());
    return;
  }
  RespondToReadIndex(m, log_.committed());
}

void Raft::ReleasePendingReadIndexMessages() {
  if (pending_read_index_msgs_.empty() || !CommittedEntryInCurrentTerm()) return;
  std::vector<raftpb::Message> msgs;
  msgs.swap(pending_read_index_msgs_);
  for (const auto& m : msgs) LeaderReadIndex(m);
}

void Raft::LeaderAppResp(const raftpb::Message& m, Progress* pr) {
  pr->recent_active = true;
  if (m.reject()) {
    Logf(LogLevel::kDebug, "%llx received MsgAppResp(rejected, hint: (index %llu, term %llu)) from %llx for index %llu",
         (U)id_, (U)m.rejecthint(), (U)m.logterm(), (U)m.from(), (U)m.index());
    uint64_t next_probe = m.rejecthint();
    // The follower told us its term at the hint: skip every entry of ours with a
    // larger term in one step. (Followers that send no term get the plain hint.)
    if (m.logterm() > 0) next_probe = log_.FindConflictByTerm(m.rejecthint(), m.logterm());
    if (pr->MaybeDecrTo(m.index(), next_probe)) {
      if (pr->state == ProgressState::kReplicate) pr->BecomeProbe();
      SendAppend(m.from());
    }
    return;
  }
  bool old_paused = pr->IsPaused();
  if (!pr->MaybeUpdate(m.index())) return;
  switch (pr->state) {
    case ProgressState::kProbe:
      pr->BecomeReplicate();
      break;
    case ProgressState::kSnapshot:
      if (pr->match >= pr->pending_snapshot) {
        // Caught up past the snapshot: go back to replicating, via probe so next is
        // derived from what the follower has.
        pr->BecomeProbe();
        pr->BecomeReplicate();
      }
      break;
    case ProgressState::kReplicate:
      pr->inflights.FreeLE(m.index());
      break;
  }
  if (MaybeCommit()) {
    BcastAppend();
  } else if (old_paused) {
    // The follower was paused and is not any more: resume it now.
    SendAppend(m.from());
  }
  // Flow control may have opened: send as many (size-limited) appends as allowed.
  // Bounded by the inflight window and the log length.
  while (MaybeSendAppend(m.from(), false)) {
  }
  if (m.from() == lead_transferee_ && pr->match == log_.LastIndex()) {
    Logf(LogLevel::kInfo, "%llx sent MsgTimeoutNow to %llx after received MsgAppResp", (U)id_, (U)m.from());
    SendTimeoutNow(m.from());
  }
}

void Raft::LeaderHeartbeatResp(const raftpb::Message& m, Progress* pr) {
  pr->recent_active = true;
  pr->probe_sent = false;
  // A full window frees one slot per heartbeat, so a stalled follower gets retried.
  if (pr->state == ProgressState::kReplicate && pr->inflights.Full()) pr->inflights.FreeFirstOne();
  if (pr->match < log_.LastIndex()) SendAppend(m.from());
  if (read_only_.option() != ReadOnlyOption::kSafe || m.context().empty()) return;
  auto acks = read_only_.RecvAck(m.from(), m.context());
  if (acks.empty() || prs_.QuorumResult(acks) != VoteResult::kWon) return;
  for (auto& rs : read_only_.Advance(m.context())) RespondToReadIndex(rs.req, rs.index);
}

void Raft::LeaderTransfer(const raftpb::Message& m, Progress* pr) {
  if (pr->is_learner) {
    Logf(LogLevel::kDebug, "%llx is learner. Ignored transferring leadership", (U)m.from());
    return;
  }
  uint64_t transferee = m.from();
  if (lead_transferee_ != kNone) {
    if (lead_transferee_ == transferee) {
      Logf(LogLevel::kInfo, "%llx [term %llu] transfer leadership to %llx is in progress, ignores request to same node %llx",
           (U)id_, (U)term_, (U)transferee, (U)transferee);
      return;
    }
    AbortLeaderTransfer();
  }
  if (transferee == id_) {
    Logf(LogLevel::kDebug, "%llx is already leader. Ignored transferring leadership to self", (U)id_);
    return;
  }
  Logf(LogLevel::kInfo, "%llx [term %llu] starts to transfer leadership to %llx", (U)id_, (U)term_, (U)transferee);
  // The transfer must finish within one election timeout, counted from now.
  election_elapsed_ = 0;
  lead_transferee_ = transferee;
  if (pr->match == log_.LastIndex()) {
    SendTimeoutNow(transferee);
  } else {
    SendAppend(transferee);
  }
}

}  // namespace etcdpp::raft
