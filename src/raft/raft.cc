#include "raft/raft.h"

#include <cstdarg>
#include <cstdio>

#include "raft/errors.h"

namespace etcdpp::raft {

const char* StateTypeName(StateType s) {
  switch (s) {
    case StateType::kFollower:
      return "StateFollower";
    case StateType::kCandidate:
      return "StateCandidate";
    case StateType::kLeader:
      return "StateLeader";
    case StateType::kPreCandidate:
      return "StatePreCandidate";
  }
  return "StateUnknown";
}

Result<std::unique_ptr<Raft>> Raft::Create(const Config& c) {
  if (c.id == kNone) return InvalidArgument("cannot use none as id");
  if (c.heartbeat_tick <= 0) return InvalidArgument("heartbeat tick must be greater than 0");
  if (c.election_tick <= c.heartbeat_tick)
    return InvalidArgument("election tick must be greater than heartbeat tick");
  if (c.storage == nullptr) return InvalidArgument("storage cannot be nil");
  if (c.max_inflight_msgs <= 0) return InvalidArgument("max inflight messages must be greater than 0");
  if (c.rng == nullptr) return InvalidArgument("rng cannot be nil");
  if (c.read_only_option == ReadOnlyOption::kLeaseBased && !c.check_quorum)
    return InvalidArgument("CheckQuorum must be enabled when ReadOnlyOption is ReadOnlyLeaseBased");
  ETCDPP_ASSIGN_OR_RETURN(InitialState init, c.storage->GetInitialState());
  std::unique_ptr<Raft> r(new Raft(c));
  r->ApplyConfState(init.conf_state);
  const raftpb::HardState& hs = init.hard_state;
  if (!IsEmptyHardState(hs)) {
    if (hs.commit() < r->log_.committed() || hs.commit() > r->log_.LastIndex()) {
      return OutOfRange("hard state commit " + std::to_string(hs.commit()) + " is out of range [" +
                        std::to_string(r->log_.committed()) + ", " +
                        std::to_string(r->log_.LastIndex()) + "]");
    }
    r->log_.CommitTo(hs.commit());
    r->term_ = hs.term();
    r->vote_ = hs.vote();
  }
  if (c.applied > 0) {
    if (c.applied > r->log_.committed()) return OutOfRange("applied index beyond commit index");
    r->log_.AppliedTo(c.applied);
  }
  r->BecomeFollower(r->term_, kNone);
  r->Logf(LogLevel::kInfo, "newRaft %llx [term: %llu, commit: %llu, applied: %llu, lastindex: %llu, lastterm: %llu]",
          (unsigned long long)r->id_, (unsigned long long)r->term_,
          (unsigned long long)r->log_.committed(), (unsigned long long)r->log_.applied(),
          (unsigned long long)r->log_.LastIndex(), (unsigned long long)r->log_.LastTerm());
  return r;
}

Raft::Raft(const Config& c)
    : id_(c.id),
      // As in etcd, 0 means "same as max_size_per_msg" (they used to be one setting).
      log_(c.storage, c.max_committed_size_per_ready == 0 ? c.max_size_per_msg
                                                          : c.max_committed_size_per_ready),
      max_msg_size_(c.max_size_per_msg),
      max_uncommitted_size_(c.max_uncommitted_entries_size == 0 ? kNoLimit
                                                                 : c.max_uncommitted_entries_size),
      prs_(c.max_inflight_msgs, c.max_inflight_bytes),
      read_only_(c.read_only_option),
      check_quorum_(c.check_quorum),
      pre_vote_(c.pre_vote),
      heartbeat_timeout_(c.heartbeat_tick),
      election_timeout_(c.election_tick),
      disable_proposal_forwarding_(c.disable_proposal_forwarding),
      rng_(c.rng),
      logger_(c.logger) {}

void Raft::Logf(LogLevel level, const char* fmt, ...) const {
  if (logger_ == nullptr) return;
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof(buf), fmt, ap);
  va_end(ap);
  logger_->Log(level, buf);
}

raftpb::HardState Raft::hard_state() const { return MakeHardState(term_, vote_, log_.committed()); }

bool Raft::promotable() const {
  const Progress* pr = prs_.Get(id_);
  return pr != nullptr && !pr->is_learner;
}

void Raft::Reset(uint64_t term) {
  if (term_ != term) {
    term_ = term;
    vote_ = kNone;
  }
  lead_ = kNone;
  election_elapsed_ = 0;
  heartbeat_elapsed_ = 0;
  ResetRandomizedElectionTimeout();
  AbortLeaderTransfer();
  prs_.ResetVotes();
  uint64_t last = log_.LastIndex();
  for (auto& [id, pr] : prs_.progress()) {
    bool learner = pr.is_learner;
    pr = Progress(last + 1, prs_.max_inflight(), learner, prs_.max_inflight_bytes());
    if (id == id_) pr.match = last;
  }
  pending_conf_index_ = 0;
  uncommitted_size_ = 0;
  read_only_ = ReadOnly(read_only_.option());
  pending_read_index_msgs_.clear();
}

void Raft::ResetRandomizedElectionTimeout() {
  randomized_election_timeout_ =
      election_timeout_ + static_cast<int>(rng_->Uniform(static_cast<uint64_t>(election_timeout_)));
}

void Raft::BecomeFollower(uint64_t term, uint64_t lead) {
  Reset(term);
  lead_ = lead;
  state_ = StateType::kFollower;
  Logf(LogLevel::kInfo, "%llx became follower at term %llu", (unsigned long long)id_,
       (unsigned long long)term_);
}

void Raft::BecomeCandidate() {
  ETCDPP_CHECK(state_ != StateType::kLeader, "invalid transition [leader -> candidate]");
  Reset(term_ + 1);
  vote_ = id_;
  state_ = StateType::kCandidate;
  Logf(LogLevel::kInfo, "%llx became candidate at term %llu", (unsigned long long)id_,
       (unsigned long long)term_);
}

void Raft::BecomePreCandidate() {
  ETCDPP_CHECK(state_ != StateType::kLeader, "invalid transition [leader -> pre-candidate]");
  // A pre-candidate changes neither term nor vote: it only asks whether it could win.
  prs_.ResetVotes();
  state_ = StateType::kPreCandidate;
  lead_ = kNone;
  Logf(LogLevel::kInfo, "%llx became pre-candidate at term %llu", (unsigned long long)id_,
       (unsigned long long)term_);
}

void Raft::BecomeLeader() {
  ETCDPP_CHECK(state_ != StateType::kFollower, "invalid transition [follower -> leader]");
  Reset(term_);
  lead_ = id_;
  state_ = StateType::kLeader;
  Progress* self = prs_.Get(id_);
  self->BecomeReplicate();
  self->recent_active = true;
  // Conf changes wait until everything this leader inherited is applied.
  pending_conf_index_ = log_.LastIndex();
  bool ok = AppendEntries({MakeEntry(0, 0)});
  ETCDPP_CHECK(ok, "empty entry was dropped");
  Logf(LogLevel::kInfo, "%llx became leader at term %llu", (unsigned long long)id_,
       (unsigned long long)term_);
}

void Raft::Tick() {
  if (state_ == StateType::kLeader) {
    TickHeartbeat();
  } else {
    TickElection();
  }
}

void Raft::TickElection() {
  ++election_elapsed_;
  if (promotable() && PastElectionTimeout()) {
    election_elapsed_ = 0;
    raftpb::Message m;
    m.set_type(raftpb::MsgHup);
    m.set_from(id_);
    Step(std::move(m)).IgnoreError();
  }
}

void Raft::TickHeartbeat() {
  ++heartbeat_elapsed_;
  ++election_elapsed_;
  if (election_elapsed_ >= election_timeout_) {
    election_elapsed_ = 0;
    if (check_quorum_) {
      raftpb::Message m;
      m.set_type(raftpb::MsgCheckQuorum);
      m.set_from(id_);
      Step(std::move(m)).IgnoreError();
    }
    // A transfer that did not finish within an election timeout is abandoned.
    if (state_ == StateType::kLeader && lead_transferee_ != kNone) AbortLeaderTransfer();
  }
  if (state_ != StateType::kLeader) return;
  if (heartbeat_elapsed_ >= heartbeat_timeout_) {
    heartbeat_elapsed_ = 0;
    raftpb::Message m;
    m.set_type(raftpb::MsgBeat);
    m.set_from(id_);
    Step(std::move(m)).IgnoreError();
  }
}

void Raft::Send(raftpb::Message m) {
  m.set_from(id_);
  auto t = m.type();
  if (t == raftpb::MsgVote || t == raftpb::MsgVoteResp || t == raftpb::MsgPreVote ||
      t == raftpb::MsgPreVoteResp) {
    // Vote traffic carries the term it is about, which for pre-votes is not ours.
    ETCDPP_CHECK(m.term() != 0, "term should be set when sending a vote message");
  } else {
    ETCDPP_CHECK(m.term() == 0, "term should not be set when sending this message");
    // Proposals and read requests are forwarded as local messages: no term.
    if (t != raftpb::MsgProp && t != raftpb::MsgReadIndex) m.set_term(term_);
  }
  msgs_.push_back(std::move(m));
}

bool Raft::MaybeSendAppend(uint64_t to, bool send_if_empty) {
  Progress* pr = prs_.Get(to);
  if (pr == nullptr || pr->IsPaused()) return false;
  raftpb::Message m;
  m.set_to(to);
  auto term = log_.Term(pr->next - 1);
  auto ents = log_.EntriesFrom(pr->next, max_msg_size_);
  if (ents.ok() && ents->empty() && !send_if_empty) return false;
  if (!term.ok() || !ents.ok()) {
    // The follower needs entries we no longer hold: send a snapshot instead.
    if (!SendSnapshot(to, pr, &m)) return false;
  } else {
    m.set_type(raftpb::MsgApp);
    m.set_index(pr->next - 1);
    m.set_logterm(*term);
    m.set_commit(log_.committed());
    size_t n = ents->size();
    if (n != 0) {
      uint64_t last = ents->back().index();
      const uint64_t bytes = PayloadsSize(*ents);
      auto* out = m.mutable_entries();
      out->Reserve(static_cast<int>(n));
      for (auto& e : *ents) *out->Add() = std::move(e);
      if (pr->state == ProgressState::kReplicate) {
        pr->OptimisticUpdate(last);
        pr->inflights.Add(last, bytes);
      } else if (pr->state == ProgressState::kProbe) {
        pr->probe_sent = true;
      } else {
        ETCDPP_CHECK(false, "sending append in unhandled progress state");
      }
    }
  }
  Send(std::move(m));
  return true;
}

bool Raft::SendSnapshot(uint64_t to, Progress* pr, raftpb::Message* m) {
  if (!pr->recent_active) {
    Logf(LogLevel::kDebug, "ignore sending snapshot to %llx since it is not recently active",
         (unsigned long long)to);
    return false;
  }
  auto snap = log_.Snapshot();
  if (!snap.ok()) {
    if (IsSnapshotTemporarilyUnavailable(snap.status())) {
      Logf(LogLevel::kDebug, "%llx failed to send snapshot to %llx because snapshot is temporarily unavailable",
           (unsigned long long)id_, (unsigned long long)to);
      return false;
    }
    ETCDPP_CHECK(false, "snapshot: " + snap.status().ToString());
  }
  ETCDPP_CHECK(!IsEmptySnap(*snap), "need non-empty snapshot");
  m->set_type(raftpb::MsgSnap);
  uint64_t sindex = snap->metadata().index();
  *m->mutable_snapshot() = std::move(snap).value();
  Logf(LogLevel::kInfo, "%llx [firstindex: %llu, commit: %llu] sent snapshot[index: %llu] to %llx [%s]",
       (unsigned long long)id_, (unsigned long long)log_.FirstIndex(),
       (unsigned long long)log_.committed(), (unsigned long long)sindex, (unsigned long long)to,
       pr->ToString().c_str());
  pr->BecomeSnapshot(sindex);
  return true;
}

void Raft::SendHeartbeat(uint64_t to, const std::string& ctx) {
  // A follower may not have the leader's commit index in its log yet; never tell it
  // more than it has.
  const Progress* pr = prs_.Get(to);
  raftpb::Message m;
  m.set_to(to);
  m.set_type(raftpb::MsgHeartbeat);
  m.set_commit(std::min(pr->match, log_.committed()));
  if (!ctx.empty()) m.set_context(ctx);
  Send(std::move(m));
}

void Raft::BcastAppend() {
  for (auto& [id, pr] : prs_.progress()) {
    if (id != id_) SendAppend(id);
  }
}

void Raft::BcastHeartbeat() { BcastHeartbeatWithCtx(read_only_.LastPendingRequestCtx()); }

void Raft::BcastHeartbeatWithCtx(const std::string& ctx) {
  for (auto& [id, pr] : prs_.progress()) {
    if (id != id_) SendHeartbeat(id, ctx);
  }
}

void Raft::SendTimeoutNow(uint64_t to) {
  raftpb::Message m;
  m.set_to(to);
  m.set_type(raftpb::MsgTimeoutNow);
  Send(std::move(m));
}

bool Raft::MaybeCommit() {
  if (!log_.MaybeCommit(prs_.Committed(), term_)) return false;
  ReleasePendingReadIndexMessages();
  return true;
}

bool Raft::CommittedEntryInCurrentTerm() const {
  return log_.ZeroTermOnCompacted(log_.committed()) == term_;
}

bool Raft::AppendEntries(Entries ents) {
  uint64_t li = log_.LastIndex();
  for (size_t i = 0; i < ents.size(); ++i) {
    ents[i].set_term(term_);
    ents[i].set_index(li + 1 + i);
  }
  if (!IncreaseUncommittedSize(ents)) {
    Logf(LogLevel::kDebug, "%llx appending new entries to log would exceed uncommitted entry size limit; dropping proposal",
         (unsigned long long)id_);
    return false;
  }
  li = log_.Append(std::move(ents));
  prs_.Get(id_)->MaybeUpdate(li);
  // A single voter commits on its own append.
  MaybeCommit();
  return true;
}

bool Raft::IncreaseUncommittedSize(const Entries& ents) {
  uint64_t s = PayloadsSize(ents);
  // Always admit one proposal, however large, when nothing is outstanding.
  if (uncommitted_size_ > 0 && s > 0 && uncommitted_size_ + s > max_uncommitted_size_) return false;
  uncommitted_size_ += s;
  return true;
}

void Raft::ReduceUncommittedSize(const Entries& ents) {
  if (uncommitted_size_ == 0) return;  // followers do not track it
  uint64_t s = PayloadsSize(ents);
  uncommitted_size_ = s > uncommitted_size_ ? 0 : uncommitted_size_ - s;
}

}  // namespace etcdpp::raft
