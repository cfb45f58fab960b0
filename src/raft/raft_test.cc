// Elections and replication across a TestCluster.
#include <gtest/gtest.h>

#include "raft/errors.h"
#include "raft/test_cluster.h"

namespace etcdpp::raft {
namespace {

raftpb::Message Msg(uint64_t from, uint64_t to, raftpb::MessageType t, uint64_t term) {
  raftpb::Message m;
  m.set_from(from);
  m.set_to(to);
  m.set_type(t);
  m.set_term(term);
  return m;
}

int CountTo(const std::vector<raftpb::Message>& msgs, uint64_t to, raftpb::MessageType t) {
  int n = 0;
  for (const auto& m : msgs) n += (m.to() == to && m.type() == t) ? 1 : 0;
  return n;
}

TEST(Election, CandidateWithMajorityBecomesLeader) {
  TestCluster c({1, 2, 3});
  c.Elect(1);
  EXPECT_EQ(c.raft(1).term(), 1u);
  EXPECT_EQ(c.raft(2).lead(), 1u);
  EXPECT_EQ(c.raft(3).lead(), 1u);
  EXPECT_EQ(c.raft(2).vote(), 1u);
  // The leader's empty entry commits everywhere.
  EXPECT_EQ(c.raft(3).raft_log().committed(), 2u);
}

TEST(Election, IsolatedCandidateNeverWins) {
  TestCluster c({1, 2, 3});
  c.Isolate(1);
  c.Campaign(1);
  c.Stabilize();
  EXPECT_EQ(c.raft(1).state(), StateType::kCandidate);
  EXPECT_EQ(c.raft(2).term(), 0u);
}

TEST(Election, SplitVoteElectsNobodyThenRetries) {
  TestCluster c({1, 2, 3, 4});
  c.Campaign(1);
  c.Campaign(2);
  auto msgs = c.Flush();
  // Node 3 hears from 1 first, node 4 from 2 first: 2 votes each of 4, no quorum.
  std::vector<raftpb::Message> first, second;
  for (auto& m : msgs) {
    bool early = (m.from() == 1 && m.to() == 3) || (m.from() == 2 && m.to() == 4);
    (early ? first : second).push_back(m);
  }
  c.Deliver(first);
  c.Deliver(second);
  c.Stabilize();
  // Each candidate saw a majority reject it: both lost and wait as followers.
  for (uint64_t id : {1, 2, 3, 4}) EXPECT_NE(c.raft(id).state(), StateType::kLeader);
  EXPECT_EQ(c.raft(1).term(), 1u);
  EXPECT_EQ(c.raft(3).vote(), 1u);
  EXPECT_EQ(c.raft(4).vote(), 2u);
  // The next timeout starts a new term that one candidate wins.
  c.TickToElection(1);
  c.Stabilize();
  EXPECT_EQ(c.raft(1).state(), StateType::kLeader);
  EXPECT_EQ(c.raft(1).term(), 2u);
  EXPECT_EQ(c.raft(2).state(), StateType::kFollower);
}

TEST(Election, VotesOncePerTermAndOnlyForUpToDateLogs) {
  TestCluster c({1, 2, 3});
  c.Elect(1);
  ASSERT_TRUE(c.Propose(1, "a").ok());
  c.Stabilize();
  Raft& r = c.raft(3);
  // A candidate whose log is behind ours (last index 2 at term 1 < 3 at term 1).
  raftpb::Message v = Msg(2, 3, raftpb::MsgVote, 5);
  v.set_index(2);
  v.set_logterm(1);
  ASSERT_TRUE(r.Step(v).ok());
  ASSERT_FALSE(r.msgs().empty());
  EXPECT_TRUE(r.msgs().back().reject());
  EXPECT_EQ(r.term(), 5u);
  // An up-to-date candidate gets the vote; a second one in that term does not.
  v.set_index(3);
  ASSERT_TRUE(r.Step(v).ok());
  EXPECT_FALSE(r.msgs().back().reject());
  EXPECT_EQ(r.vote(), 2u);
  raftpb::Message v2 = Msg(1, 3, raftpb::MsgVote, 5);
  v2.set_index(10);
  v2.set_logterm(5);
  ASSERT_TRUE(r.Step(v2).ok());
  EXPECT_TRUE(r.msgs().back().reject());
  EXPECT_EQ(r.vote(), 2u);
}

TEST(Election, StaleTermMessagesAreIgnored) {
  TestCluster c({1, 2, 3});
  c.Elect(1);
  Raft& r = c.raft(2);
  uint64_t last = r.raft_log().LastIndex();
  raftpb::Message app = Msg(3, 2, raftpb::MsgApp, 0);  // term 0 would be "local": use a past term
  c.TickToElection(2);  // 2 moves to term 2 as a candidate
  ASSERT_EQ(r.term(), 2u);
  r.msgs().clear();
  app.set_term(1);
  app.set_index(last);
  app.set_logterm(1);
  *app.add_entries() = MakeEntry(last + 1, 1, "stale");
  ASSERT_TRUE(r.Step(app).ok());
  EXPECT_EQ(r.raft_log().LastIndex(), last);
  EXPECT_EQ(r.state(), StateType::kCandidate);
  EXPECT_TRUE(r.msgs().empty());
}

TEST(Election, HigherTermMakesLeaderStepDown) {
  TestCluster c({1, 2, 3});
  c.Elect(1);
  c.Isolate(1);
  c.Elect(2);
  c.Heal();
  c.Tick(2);  // the new leader's heartbeat reaches the old one
  ASSERT_TRUE(c.Propose(2, "x").ok());
  c.Stabilize();
  EXPECT_EQ(c.raft(1).state(), StateType::kFollower);
  EXPECT_EQ(c.raft(1).lead(), 2u);
  EXPECT_EQ(c.AppliedData(1), std::vector<std::string>{"x"});
}

TEST(Replication, ProposalsCommitOnEveryNode) {
  TestCluster c({1, 2, 3});
  c.Elect(1);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(c.Propose(1, "v" + std::to_string(i)).ok());
  c.Stabilize();
  for (uint64_t id : {1, 2, 3}) {
    EXPECT_EQ(c.AppliedData(id).size(), 5u) << id;
    EXPECT_EQ(c.raft(id).raft_log().committed(), 7u);
  }
}

TEST(Replication, BatchedProposalIsOneAppendPerFollower) {
  TestCluster c({1, 2, 3});
  c.Elect(1);
  ASSERT_TRUE(c.node(1).ProposeBatch({"a", "b", "c"}).ok());
  auto msgs = c.Flush();
  EXPECT_EQ(CountTo(msgs, 2, raftpb::MsgApp), 1);
  c.Deliver(msgs);
  c.Stabilize();
  EXPECT_EQ(c.AppliedData(3), (std::vector<std::string>{"a", "b", "c"}));
}

TEST(Replication, FollowerForwardsProposalsToLeader) {
  TestCluster c({1, 2, 3});
  c.Elect(1);
  ASSERT_TRUE(c.Propose(3, "fwd").ok());
  c.Stabilize();
  EXPECT_EQ(c.AppliedData(1), std::vector<std::string>{"fwd"});
}

TEST(Replication, ProposalsDropWithoutLeaderOrWhenForwardingDisabled) {
  TestCluster c({1, 2, 3});
  EXPECT_TRUE(IsProposalDropped(c.Propose(1, "x")));
  TestClusterOptions o;
  o.disable_proposal_forwarding = true;
  TestCluster d({1, 2, 3}, {}, o);
  d.Elect(1);
  EXPECT_TRUE(IsProposalDropped(d.Propose(2, "x")));
  EXPECT_TRUE(d.Propose(1, "x").ok());
}

TEST(Replication, ConflictingUncommittedEntriesAreTruncated) {
  TestCluster c({1, 2, 3});
  c.Elect(1);
  c.Isolate(1);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(c.Propose(1, "lost").ok());
  c.Stabilize();
  ASSERT_EQ(c.raft(1).raft_log().LastIndex(), 5u);
  c.Elect(2);
  ASSERT_TRUE(c.Propose(2, "kept").ok());
  c.Stabilize();
  c.Heal();
  c.Tick(2);
  ASSERT_TRUE(c.Propose(2, "after").ok());
  c.Stabilize();
  auto l1 = c.raft(1).raft_log().AllEntries();
  auto l2 = c.raft(2).raft_log().AllEntries();
  ASSERT_EQ(l1.size(), l2.size());
  for (size_t i = 0; i < l1.size(); ++i) {
    EXPECT_EQ(l1[i].term(), l2[i].term());
    EXPECT_EQ(l1[i].data(), l2[i].data());
  }
  EXPECT_EQ(c.AppliedData(1), (std::vector<std::string>{"kept", "after"}));
}

TEST(Replication, DivergentTailIsFoundInOneRejection) {
  TestCluster c({1, 2, 3});
  c.Elect(1);
  c.Isolate(1);
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(c.Propose(1, "stale").ok());
  c.Stabilize();
  c.Elect(2);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(c.Propose(2, "new").ok());
  c.Stabilize();
  // A fresh leader first probes node 1 at its own last index (8), deep in the
  // divergent region: node 1 has 50 stale term-1 entries from index 3 on.
  c.Elect(3);
  c.Heal();
  c.Tick(3);
  int rejections = 0;
  for (int round = 0; round < 100; ++round) {
    auto msgs = c.Flush();
    if (msgs.empty()) break;
    for (const auto& m : msgs) rejections += (m.type() == raftpb::MsgAppResp && m.reject()) ? 1 : 0;
    c.Deliver(msgs);
  }
  // The follower's hint carries its term, so the leader skips all of term 2 at once.
  EXPECT_EQ(rejections, 1);
  EXPECT_EQ(c.raft(1).raft_log().LastIndex(), c.raft(3).raft_log().LastIndex());
  EXPECT_EQ(c.AppliedData(1).size(), 5u);
}

TEST(Replication, LeaderCommitsOldTermEntriesOnlyThroughCurrentTermEntry) {
  // Node 1's log holds entries of term 1 it never saw committed.
  MemoryStorage s;
  raftpb::ConfState cs;
  for (uint64_t id : {1, 2, 3}) cs.add_voters(id);
  raftpb::Snapshot snap;
  snap.mutable_metadata()->set_index(1);
  snap.mutable_metadata()->set_term(1);
  *snap.mutable_metadata()->mutable_conf_state() = cs;
  ASSERT_TRUE(s.ApplySnapshot(snap).ok());
  ASSERT_TRUE(s.Append({MakeEntry(2, 1, "a"), MakeEntry(3, 1, "b")}).ok());
  s.SetHardState(MakeHardState(1, 0, 1));
  SplitMixRng rng(1);
  Config cfg;
  cfg.id = 1;
  cfg.storage = &s;
  cfg.rng = &rng;
  auto r = std::move(Raft::Create(cfg)).value();
  r->BecomeCandidate();
  r->BecomeLeader();  // term 2, empty entry at 4
  ASSERT_EQ(r->raft_log().LastIndex(), 4u);
  raftpb::Message resp = Msg(2, 1, raftpb::MsgAppResp, 2);
  resp.set_index(3);
  ASSERT_TRUE(r->Step(resp).ok());
  // Index 3 is on a majority (1 and 2) but is of term 1: not committed by counting.
  EXPECT_EQ(r->raft_log().committed(), 1u);
  resp.set_index(4);
  ASSERT_TRUE(r->Step(resp).ok());
  EXPECT_EQ(r->raft_log().committed(), 4u);
}

TEST(FlowControl, ReplicateStateBoundsInflightMessages) {
  TestClusterOptions o;
  o.max_inflight = 3;
  TestCluster c({1, 2}, {}, o);
  c.Elect(1);
  ASSERT_EQ(c.raft(1).prs().Get(2)->state, ProgressState::kReplicate);
  c.DropType(raftpb::MsgAppResp);
  int sent = 0;
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(c.Propose(1, "p").ok());
    sent += CountTo(c.Flush(), 2, raftpb::MsgApp);
  }
  EXPECT_EQ(sent, 3);
  EXPECT_TRUE(c.raft(1).prs().Get(2)->IsPaused());
  // A heartbeat response frees one slot.
  c.AllowType(raftpb::MsgAppResp);
  raftpb::Message hb = Msg(2, 1, raftpb::MsgHeartbeatResp, c.raft(1).term());
  ASSERT_TRUE(c.node(1).Step(hb).ok());
  EXPECT_EQ(CountTo(c.Flush(), 2, raftpb::MsgApp), 1);
}

TEST(FlowControl, AppendsAreSplitByMaxMessageSize) {
  TestClusterOptions o;
  o.max_size_per_msg = 250;
  TestCluster c({1, 2, 3}, {}, o);
  c.Elect(1);
  c.Isolate(3);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(c.Propose(1, std::string(100, 'a' + i)).ok());
  c.Stabilize();
  c.Heal();
  ASSERT_TRUE(c.Propose(1, "last").ok());
  int apps = 0;
  for (int round = 0; round < 100; ++round) {
    auto msgs = c.Flush();
    if (msgs.empty()) break;
    for (const auto& m : msgs) {
      if (m.to() == 3 && m.type() == raftpb::MsgApp) {
        ++apps;
        uint64_t bytes = 0;
        for (const auto& e : m.entries()) bytes += EntrySize(e);
        EXPECT_TRUE(m.entries_size() <= 1 || bytes <= 250) << bytes;
      }
    }
    c.Deliver(msgs);
  }
  EXPECT_GE(apps, 5);
  EXPECT_EQ(c.AppliedData(3).size(), 11u);
}

TEST(FlowControl, UncommittedBytesBoundDropsProposals) {
  TestClusterOptions o;
  o.max_uncommitted = 100;
  TestCluster c({1, 2, 3}, {}, o);
  c.Elect(1);
  c.Isolate(1);
  EXPECT_TRUE(c.Propose(1, std::string(80, 'x')).ok());
  EXPECT_TRUE(IsProposalDropped(c.Propose(1, std::string(80, 'y'))));
  c.Heal();
  c.Stabilize();
  // Once committed entries are applied, room is freed.
  EXPECT_TRUE(c.Propose(1, std::string(80, 'z')).ok());
}

TEST(FlowControl, UnreachableFollowerFallsBackToProbing) {
  TestCluster c({1, 2, 3});
  c.Elect(1);
  ASSERT_EQ(c.raft(1).prs().Get(2)->state, ProgressState::kReplicate);
  c.node(1).ReportUnreachable(2);
  EXPECT_EQ(c.raft(1).prs().Get(2)->state, ProgressState::kProbe);
  ASSERT_TRUE(c.Propose(1, "x").ok());
  c.Stabilize();
  EXPECT_EQ(c.raft(1).prs().Get(2)->state, ProgressState::kReplicate);
  EXPECT_EQ(c.AppliedData(2), std::vector<std::string>{"x"});
}

TEST(RawNode, CommittedEntriesArePagedByReadySize) {
  MemoryStorage s;
  raftpb::ConfState cs;
  cs.add_voters(1);
  raftpb::Snapshot snap;
  snap.mutable_metadata()->set_index(1);
  snap.mutable_metadata()->set_term(1);
  *snap.mutable_metadata()->mutable_conf_state() = cs;
  ASSERT_TRUE(s.ApplySnapshot(snap).ok());
  SplitMixRng rng(1);
  Config cfg;
  cfg.id = 1;
  cfg.storage = &s;
  cfg.rng = &rng;
  cfg.max_committed_size_per_ready = 300;
  auto n = std::move(RawNode::Create(cfg)).value();
  ASSERT_TRUE(n->Campaign().ok());
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(n->Propose(std::string(100, 'a')).ok());
  size_t applied = 0;
  for (int round = 0; round < 50 && n->HasReady(); ++round) {
    Ready rd = n->GetReady();
    ASSERT_TRUE(s.Append(rd.entries).ok());
    if (!IsEmptyHardState(rd.hard_state)) s.SetHardState(rd.hard_state);
    uint64_t bytes = 0;
    for (const auto& e : rd.committed_entries) bytes += EntrySize(e);
    EXPECT_TRUE(rd.committed_entries.size() <= 1 || bytes <= 300) << bytes;
    applied += rd.committed_entries.size();
    n->Advance(rd);
  }
  EXPECT_EQ(applied, 11u);  // the leader's empty entry and the ten proposals
  EXPECT_EQ(n->GetStatus().applied, 12u);
}

TEST(RawNode, StatusReportsProgressOnTheLeader) {
  TestCluster c({1, 2}, {3});
  c.Elect(1);
  NodeStatus st = c.node(1).GetStatus();
  EXPECT_EQ(st.soft_state.state, StateType::kLeader);
  EXPECT_EQ(st.hard_state.term(), 1u);
  ASSERT_EQ(st.progress.size(), 3u);
  EXPECT_TRUE(st.progress[2].is_learner);
  EXPECT_EQ(st.progress[2].match, st.hard_state.commit());
  EXPECT_TRUE(c.node(2).GetStatus().progress.empty());
}

TEST(RawNode, RejectsLocalMessagesAndUnknownResponders) {
  TestCluster c({1, 2, 3});
  EXPECT_FALSE(c.node(1).Step(Msg(1, 1, raftpb::MsgHup, 0)).ok());
  EXPECT_FALSE(c.node(1).Step(Msg(9, 1, raftpb::MsgAppResp, 1)).ok());
}

TEST(RawNode, BootstrapWritesConfChangesAtTermOne) {
  MemoryStorage s;
  SplitMixRng rng(3);
  Config cfg;
  cfg.id = 1;
  cfg.storage = &s;
  cfg.rng = &rng;
  auto n = std::move(RawNode::Create(cfg)).value();
  ASSERT_TRUE(n->Bootstrap({{1, "m1"}, {2, ""}}).ok());
  Ready rd = n->GetReady();
  ASSERT_EQ(rd.entries.size(), 2u);
  EXPECT_EQ(rd.entries[0].type(), raftpb::EntryConfChange);
  EXPECT_EQ(rd.hard_state.term(), 1u);
  EXPECT_EQ(rd.hard_state.commit(), 2u);
  EXPECT_EQ(rd.committed_entries.size(), 2u);
  EXPECT_TRUE(rd.must_sync);
  EXPECT_EQ(n->raft().prs().voters().size(), 2u);
}

TEST(RawNode, RestartKeepsPersistedStateAndDoesNotReapplyApplied) {
  TestCluster c({1, 2, 3});
  c.Elect(1);
  ASSERT_TRUE(c.Propose(1, "a").ok());
  c.Stabilize();
  c.Restart(2);
  EXPECT_EQ(c.raft(2).term(), 1u);
  EXPECT_EQ(c.raft(2).vote(), 1u);
  EXPECT_EQ(c.raft(2).raft_log().committed(), 3u);
  // Applied starts at the snapshot: committed entries come back for re-application.
  Ready rd = c.node(2).GetReady();
  EXPECT_EQ(rd.committed_entries.size(), 2u);
}

}  // namespace
}  // namespace etcdpp::raft
