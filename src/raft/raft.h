// Raft: the consensus state machine of one node, with etcd 3.4's semantics (elections
// with pre-vote and check-quorum, replication with flow control, read index, leadership
// transfer, learners, single-step membership changes, snapshots).
//
// Pure: it does no I/O and keeps no clock. Time is Tick(); input is Step(message);
// output accumulates in msgs() and read_states() and in the log's unstable part, which
// RawNode packages into a Ready. Owned by RawNode (or a test); single-threaded.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "raft/config.h"
#include "raft/progress_tracker.h"
#include "raft/raft_log.h"
#include "raft/read_only.h"

namespace etcdpp::raft {

enum class StateType { kFollower, kCandidate, kLeader, kPreCandidate };
const char* StateTypeName(StateType s);

// Volatile state worth reporting but not persisting.
struct SoftState {
  uint64_t lead = kNone;
  StateType state = StateType::kFollower;
  bool operator==(const SoftState& o) const { return lead == o.lead && state == o.state; }
};

// Context of a MsgVote sent because of a leadership transfer: bypasses leases.
inline constexpr const char* kCampaignTransfer = "CampaignTransfer";

class Raft {
 public:
  // Validates the config and loads the initial state from config.storage.
  static Result<std::unique_ptr<Raft>> Create(const Config& config);

  void Tick();
  // Feeds a message (from a peer, or local: MsgHup, MsgBeat, MsgProp, ...).
  // ErrProposalDropped when a proposal cannot be accepted.
  Status Step(raftpb::Message m);
  // Applies a committed configuration change; returns the configuration now in force.
  raftpb::ConfState ApplyConfChange(const raftpb::ConfChange& cc);
  // Installs a snapshot's log position and configuration; false if it is stale.
  bool Restore(const raftpb::Snapshot& s);
  // Called once committed entries were handed to the application.
  void ReduceUncommittedSize(const Entries& ents);

  void BecomeFollower(uint64_t term, uint64_t lead);
  void BecomeCandidate();
  void BecomePreCandidate();
  void BecomeLeader();

  SoftState soft_state() const { return {lead_, state_}; }
  raftpb::HardState hard_state() const;
  uint64_t id() const { return id_; }
  uint64_t term() const { return term_; }
  uint64_t vote() const { return vote_; }
  uint64_t lead() const { return lead_; }
  StateType state() const { return state_; }
  bool is_learner() const { return is_learner_; }
  uint64_t lead_transferee() const { return lead_transferee_; }
  uint64_t pending_conf_index() const { return pending_conf_index_; }
  uint64_t uncommitted_size() const { return uncommitted_size_; }
  RaftLog& raft_log() { return log_; }
  const RaftLog& raft_log() const { return log_; }
  ProgressTracker& prs() { return prs_; }
  const ProgressTracker& prs() const { return prs_; }
  std::vector<raftpb::Message>& msgs() { return msgs_; }
  const std::vector<raftpb::Message>& msgs() const { return msgs_; }
  std::vector<ReadState>& read_states() { return read_states_; }
  const std::vector<ReadState>& read_states() const { return read_states_; }
  int election_timeout() const { return election_timeout_; }
  int randomized_election_timeout() const { return randomized_election_timeout_; }
  // Tests pin the timeout to make elections predictable.
  void set_randomized_election_timeout(int t) { randomized_election_timeout_ = t; }
  bool promotable() const;

 private:
  enum class CampaignType { kPreElection, kElection, kTransfer };

  explicit Raft(const Config& c);
  void Logf(LogLevel level, const char* fmt, ...) const __attribute__((format(printf, 3, 4)));

  // raft.cc: transitions, sending, appending, configuration.
  void Reset(uint64_t term);
  void ResetRandomizedElectionTimeout();
  bool PastElectionTimeout() const { return election_elapsed_ >= randomized_election_timeout_; }
  void TickElection();
  void TickHeartbeat();
  void Send(raftpb::Message m);
  void SendAppend(uint64_t to) { MaybeSendAppend(to, true); }
  bool MaybeSendAppend(uint64_t to, bool send_if_empty);
  bool SendSnapshot(uint64_t to, Progress* pr, raftpb::Message* m);
  void SendHeartbeat(uint64_t to, const std::string& ctx);
  void BcastAppend();
  void BcastHeartbeat();
  void BcastHeartbeatWithCtx(const std::string& ctx);
  void SendTimeoutNow(uint64_t to);
  void AbortLeaderTransfer() { lead_transferee_ = kNone; }
  bool MaybeCommit();
  bool CommittedEntryInCurrentTerm() const;
  bool AppendEntries(Entries ents);
  bool IncreaseUncommittedSize(const Entries& ents);
  void Campaign(CampaignType t);
  VoteResult Poll(uint64_t id, raftpb::MessageType t, bool granted);
  void ApplyConfState(const raftpb::ConfState& cs);
  void AfterConfigChange();
  int NumPendingConf() const;

  // raft_step.cc: message handling per role.
  Status StepByTerm(const raftpb::Message& m, bool* done);
  void HandleVote(const raftpb::Message& m);
  Status StepLeader(raftpb::Message& m);
  Status StepCandidate(raftpb::Message& m);
  Status StepFollower(raftpb::Message& m);
  Status LeaderPropose(raftpb::Message& m);
  void LeaderReadIndex(const raftpb::Message& m);
  void LeaderAppResp(const raftpb::Message& m, Progress* pr);
  void LeaderHeartbeatResp(const raftpb::Message& m, Progress* pr);
  void LeaderTransfer(const raftpb::Message& m, Progress* pr);
  void RespondToReadIndex(const raftpb::Message& req, uint64_t index);
  void ReleasePendingReadIndexMessages();
  void HandleAppendEntries(raftpb::Message& m);  // consumes m.entries
  void HandleHeartbeat(const raftpb::Message& m);
  void HandleSnapshot(const raftpb::Message& m);

  uint64_t id_;
  uint64_t term_ = 0;
  uint64_t vote_ = kNone;
  std::vector<ReadState> read_states_;
  RaftLog log_;
  uint64_t max_msg_size_;
  uint64_t max_uncommitted_size_;
  ProgressTracker prs_;
  StateType state_ = StateType::kFollower;
  bool is_learner_ = false;
  std::vector<raftpb::Message> msgs_;
  uint64_t lead_ = kNone;
  uint64_t lead_transferee_ = kNone;
  // A conf change may only be proposed once everything up to here is applied.
  uint64_t pending_conf_index_ = 0;
  uint64_t uncommitted_size_ = 0;
  ReadOnly read_only_;
  // ReadIndex requests that arrived before this leader committed an entry of its term.
  std::vector<raftpb::Message> pending_read_index_msgs_;
  int election_elapsed_ = 0;
  int heartbeat_elapsed_ = 0;
  bool check_quorum_;
  bool pre_vote_;
  int heartbeat_timeout_;
  int election_timeout_;
  int randomized_election_timeout_ = 0;
  bool disable_proposal_forwarding_;
  Rng* rng_;
  LogSink* logger_;
};

}  // namespace etcdpp::raft
