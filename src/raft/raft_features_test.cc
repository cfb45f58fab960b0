// Pre-vote, check-quorum, leases, read index, leadership transfer, learners,
// membership changes and snapshots.
#include <gtest/gtest.h>

#include "raft/errors.h"
#include "raft/test_cluster.h"

namespace etcdpp::raft {
namespace {

TestClusterOptions Opts(bool pre_vote, bool check_quorum) {
  TestClusterOptions o;
  o.pre_vote = pre_vote;
  o.check_quorum = check_quorum;
  return o;
}

raftpb::ConfChange Cc(raftpb::ConfChangeType t, uint64_t id) {
  raftpb::ConfChange cc;
  cc.set_type(t);
  cc.set_node_id(id);
  return cc;
}

// Ticks every node n times, stabilizing after each tick.
void TickAll(TestCluster& c, int n) {
  for (int i = 0; i < n; ++i) {
    for (uint64_t id : c.ids()) c.Tick(id);
    c.Stabilize();
  }
}

TEST(PreVote, PartitionedNodeDoesNotDisruptLeaderOnRejoin) {
  TestCluster c({1, 2, 3}, {}, Opts(true, false));
  c.Elect(1);
  c.Isolate(3);
  for (int i = 0; i < 5; ++i) {
    c.TickToElection(3);
    c.Stabilize();
  }
  // Pre-candidates never raise their term.
  EXPECT_EQ(c.raft(3).term(), 1u);
  EXPECT_EQ(c.raft(3).state(), StateType::kPreCandidate);
  c.Heal();
  TickAll(c, 3);
  EXPECT_EQ(c.raft(1).state(), StateType::kLeader);
  EXPECT_EQ(c.raft(1).term(), 1u);
  EXPECT_EQ(c.raft(3).lead(), 1u);
}

TEST(PreVote, WithoutItARejoiningNodeForcesANewTerm) {
  TestCluster c({1, 2, 3}, {}, Opts(false, false));
  c.Elect(1);
  c.Isolate(3);
  c.TickToElection(3);
  c.Stabilize();
  EXPECT_EQ(c.raft(3).term(), 2u);
  c.Heal();
  c.TickToElection(3);  // its next campaign, at term 3, deposes the leader
  c.Stabilize();
  EXPECT_GE(c.raft(1).term(), 3u);
  EXPECT_NE(c.raft(1).lead(), 1u);
}

TEST(CheckQuorum, IsolatedLeaderStepsDown) {
  TestCluster c({1, 2, 3}, {}, Opts(false, true));
  c.Elect(1);
  c.Isolate(1);
  c.Tick(1, c.raft(1).election_timeout());
  c.Stabilize();
  EXPECT_EQ(c.raft(1).state(), StateType::kLeader);  // first round: peers were active
  c.Tick(1, c.raft(1).election_timeout());
  c.Stabilize();
  EXPECT_EQ(c.raft(1).state(), StateType::kFollower);
}

TEST(CheckQuorum, LeaderWithActiveQuorumStays) {
  TestCluster c({1, 2, 3}, {}, Opts(false, true));
  c.Elect(1);
  c.Isolate(3);
  TickAll(c, 3 * c.raft(1).election_timeout());
  EXPECT_EQ(c.raft(1).state(), StateType::kLeader);
}

TEST(LeaderLease, FollowerInLeaseIgnoresVoteRequests) {
  TestCluster c({1, 2, 3}, {}, Opts(false, true));
  c.Elect(1);
  raftpb::Message v;
  v.set_type(raftpb::MsgVote);
  v.set_from(3);
  v.set_to(2);
  v.set_term(5);
  v.set_index(100);
  v.set_logterm(5);
  ASSERT_TRUE(c.node(2).Step(v).ok());
  EXPECT_EQ(c.raft(2).term(), 1u);
  EXPECT_TRUE(c.raft(2).msgs().empty());
  // A transfer campaign bypasses the lease.
  v.set_context(kCampaignTransfer);
  ASSERT_TRUE(c.node(2).Step(v).ok());
  EXPECT_EQ(c.raft(2).term(), 5u);
  EXPECT_EQ(c.raft(2).vote(), 3u);
}

TEST(ReadIndex, SafeReadWaitsForHeartbeatQuorum) {
  TestCluster c({1, 2, 3});
  c.Elect(1);
  ASSERT_TRUE(c.Propose(1, "a").ok());
  c.Stabilize();
  c.DropType(raftpb::MsgHeartbeatResp);
  c.node(1).ReadIndex("ctx1");
  c.Stabilize();
  EXPECT_TRUE(c.state(1).read_states.empty());
  c.AllowType(raftpb::MsgHeartbeatResp);
  c.node(1).ReadIndex("ctx2");  // the next round confirms both, in order
  c.Stabilize();
  ASSERT_EQ(c.state(1).read_states.size(), 2u);
  EXPECT_EQ(c.state(1).read_states[0].request_ctx, "ctx1");
  EXPECT_EQ(c.state(1).read_states[1].index, 3u);
}

TEST(ReadIndex, FollowerRequestIsForwardedAndAnswered) {
  TestCluster c({1, 2, 3});
  c.Elect(1);
  ASSERT_TRUE(c.Propose(1, "a").ok());
  c.Stabilize();
  c.node(3).ReadIndex("f");
  c.Stabilize();
  ASSERT_EQ(c.state(3).read_states.size(), 1u);
  EXPECT_EQ(c.state(3).read_states[0].index, 3u);
  EXPECT_EQ(c.state(3).read_states[0].request_ctx, "f");
}

TEST(ReadIndex, LeaseBasedAnswersAtOnce) {
  TestClusterOptions o = Opts(false, true);
  o.read_only = ReadOnlyOption::kLeaseBased;
  TestCluster c({1, 2, 3}, {}, o);
  c.Elect(1);
  c.Isolate(1);
  c.node(1).ReadIndex("lease");
  c.Stabilize();
  ASSERT_EQ(c.state(1).read_states.size(), 1u);
  EXPECT_EQ(c.state(1).read_states[0].index, 2u);
}

TEST(ReadIndex, AcrossLeaderChangeCoversEarlierCommits) {
  TestCluster c({1, 2, 3});
  c.Elect(1);
  ASSERT_TRUE(c.Propose(1, "a").ok());
  c.Stabilize();
  uint64_t committed = c.raft(1).raft_log().committed();
  c.Isolate(1);
  // The new leader has not committed in its term yet: the read waits for that.
  c.DropType(raftpb::MsgAppResp);
  c.Elect(2);
  c.node(2).ReadIndex("after-change");
  c.Stabilize();
  EXPECT_TRUE(c.state(2).read_states.empty());
  c.AllowType(raftpb::MsgAppResp);
  c.Tick(2);
  c.Stabilize();
  ASSERT_EQ(c.state(2).read_states.size(), 1u);
  EXPECT_GT(c.state(2).read_states[0].index, committed);
  // The deposed leader cannot confirm a read any more.
  c.node(1).ReadIndex("stale");
  c.Stabilize();
  EXPECT_TRUE(c.state(1).read_states.empty());
}

TEST(Transfer, ToUpToDateFollower) {
  TestCluster c({1, 2, 3});
  c.Elect(1);
  c.node(1).TransferLeader(2);
  c.Stabilize();
  EXPECT_EQ(c.raft(2).state(), StateType::kLeader);
  EXPECT_EQ(c.raft(1).lead(), 2u);
  EXPECT_EQ(c.raft(2).term(), 2u);
}

TEST(Transfer, ToLaggingFollowerCatchesItUpFirst) {
  TestCluster c({1, 2, 3});
  c.Elect(1);
  c.Isolate(3);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(c.Propose(1, "x").ok());
  c.Stabilize();
  c.Heal();
  c.node(1).TransferLeader(3);
  // Proposals are refused while the transfer runs.
  EXPECT_TRUE(IsProposalDropped(c.Propose(1, "during")));
  c.Tick(1);  // heartbeat → append → caught up → MsgTimeoutNow
  c.Stabilize();
  EXPECT_EQ(c.raft(3).state(), StateType::kLeader);
  EXPECT_EQ(c.raft(3).raft_log().LastIndex(), 6u);
}

TEST(Transfer, AbortedAfterElectionTimeout) {
  TestCluster c({1, 2, 3});
  c.Elect(1);
  c.Isolate(3);
  c.node(1).TransferLeader(3);
  c.Stabilize();
  EXPECT_EQ(c.raft(1).lead_transferee(), 3u);
  c.Tick(1, c.raft(1).election_timeout());
  c.Stabilize();
  EXPECT_EQ(c.raft(1).lead_transferee(), kNone);
  EXPECT_EQ(c.raft(1).state(), StateType::kLeader);
  EXPECT_TRUE(c.Propose(1, "ok").ok());
}

TEST(Learner, NeverCampaignsAndItsVoteNeverCounts) {
  TestCluster c({1, 2}, {3});
  c.Tick(3, 100);
  c.Stabilize();
  EXPECT_EQ(c.raft(3).state(), StateType::kFollower);
  EXPECT_EQ(c.raft(3).term(), 0u);
  EXPECT_TRUE(c.raft(3).is_learner());
  // With voter 2 unreachable, the learner's response cannot make 1 leader.
  c.Cut(1, 2);
  c.Campaign(1);
  c.Stabilize();
  EXPECT_EQ(c.raft(1).state(), StateType::kCandidate);
}

TEST(Learner, ReceivesReplicationAndCanBePromoted) {
  TestCluster c({1, 2}, {3});
  c.Elect(1);
  ASSERT_TRUE(c.Propose(1, "a").ok());
  c.Stabilize();
  EXPECT_EQ(c.AppliedData(3), std::vector<std::string>{"a"});
  // The learner does not count for commit: with 2 cut off nothing commits.
  c.Isolate(2);
  ASSERT_TRUE(c.Propose(1, "b").ok());
  c.Stabilize();
  EXPECT_EQ(c.AppliedData(1).size(), 1u);
  c.Heal();
  c.Stabilize();
  ASSERT_TRUE(c.node(1).ProposeConfChange(Cc(raftpb::ConfChangeAddNode, 3)).ok());
  c.Stabilize();
  EXPECT_FALSE(c.raft(3).is_learner());
  EXPECT_TRUE(c.raft(1).prs().IsVoter(3));
  EXPECT_EQ(c.raft(1).prs().voters().size(), 3u);
}

TEST(ConfChange, AddedNodeCatchesUpAndCounts) {
  TestCluster c({1, 2, 3});
  c.Elect(1);
  ASSERT_TRUE(c.Propose(1, "a").ok());
  c.Stabilize();
  c.AddNode(4, nullptr);
  ASSERT_TRUE(c.node(1).ProposeConfChange(Cc(raftpb::ConfChangeAddNode, 4)).ok());
  c.Stabilize();
  // Node 4 has an empty log; the leader's log starts after its bootstrap snapshot, so
  // 4 needs a snapshot that includes it.
  raftpb::ConfState cs = c.raft(1).prs().ConfState();
  ASSERT_TRUE(c.storage(1).CreateSnapshot(c.raft(1).raft_log().applied(), &cs, "").ok());
  c.Tick(1);
  c.Stabilize();
  c.node(1).ReportSnapshot(4, SnapshotStatus::kFinish);
  c.Tick(1);
  c.Stabilize();
  EXPECT_EQ(c.raft(4).raft_log().committed(), c.raft(1).raft_log().committed());
  EXPECT_EQ(c.raft(1).prs().voters().size(), 4u);
  c.Isolate(2);
  c.Isolate(3);
  c.Heal();
  c.Cut(1, 2);
  c.Cut(1, 3);
  ASSERT_TRUE(c.Propose(1, "needs-4").ok());
  c.Stabilize();
  EXPECT_EQ(c.AppliedData(1).size(), 1u);  // 1 and 4 are not a majority of 4
}

TEST(ConfChange, RemovedNodeShrinksQuorum) {
  TestCluster c({1, 2, 3});
  c.Elect(1);
  ASSERT_TRUE(c.node(1).ProposeConfChange(Cc(raftpb::ConfChangeRemoveNode, 3)).ok());
  c.Stabilize();
  EXPECT_EQ(c.raft(1).prs().voters(), (std::vector<uint64_t>{1, 2}));
  c.Isolate(3);
  ASSERT_TRUE(c.Propose(1, "two-of-two").ok());
  c.Stabilize();
  EXPECT_EQ(c.AppliedData(2), std::vector<std::string>{"two-of-two"});
}

TEST(ConfChange, OnlyOnePendingChangeAtATime) {
  TestCluster c({1, 2, 3});
  c.Elect(1);
  c.Isolate(1);  // nothing commits, so the first change stays pending
  ASSERT_TRUE(c.node(1).ProposeConfChange(Cc(raftpb::ConfChangeAddLearnerNode, 4)).ok());
  ASSERT_TRUE(c.node(1).ProposeConfChange(Cc(raftpb::ConfChangeAddLearnerNode, 5)).ok());
  auto ents = c.raft(1).raft_log().AllEntries();
  ASSERT_GE(ents.size(), 2u);
  EXPECT_EQ(ents[ents.size() - 2].type(), raftpb::EntryConfChange);
  EXPECT_EQ(ents.back().type(), raftpb::EntryNormal);  // the second became a no-op
  EXPECT_TRUE(ents.back().data().empty());
}

TEST(Snapshot, FarBehindFollowerReceivesSnapshot) {
  TestCluster c({1, 2, 3});
  c.Elect(1);
  c.Isolate(3);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(c.Propose(1, "v" + std::to_string(i)).ok());
  c.Stabilize();
  uint64_t applied = c.raft(1).raft_log().applied();
  raftpb::ConfState cs = c.raft(1).prs().ConfState();
  ASSERT_TRUE(c.storage(1).CreateSnapshot(applied, &cs, "state").ok());
  ASSERT_TRUE(c.storage(1).Compact(applied).ok());
  c.Heal();
  c.Tick(1);
  auto msgs = c.Flush();
  c.Deliver(msgs);
  c.Stabilize();
  EXPECT_EQ(c.state(3).applied_snapshot, applied);
  EXPECT_EQ(c.raft(3).raft_log().committed(), applied);
  // The follower's answer to the snapshot already moved it back to replication.
  EXPECT_EQ(c.raft(1).prs().Get(3)->state, ProgressState::kReplicate);
  EXPECT_EQ(c.raft(1).prs().Get(3)->match, applied);
  ASSERT_TRUE(c.Propose(1, "after").ok());
  c.Stabilize();
  EXPECT_EQ(c.AppliedData(3), std::vector<std::string>{"after"});
  EXPECT_EQ(c.raft(3).prs().voters().size(), 3u);  // the ConfState came with it
}

TEST(Snapshot, FailedSnapshotIsRetried) {
  TestCluster c({1, 2, 3});
  c.Elect(1);
  c.Isolate(3);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(c.Propose(1, "v").ok());
  c.Stabilize();
  uint64_t applied = c.raft(1).raft_log().applied();
  raftpb::ConfState cs = c.raft(1).prs().ConfState();
  ASSERT_TRUE(c.storage(1).CreateSnapshot(applied, &cs, "").ok());
  ASSERT_TRUE(c.storage(1).Compact(applied).ok());
  c.Heal();
  c.DropType(raftpb::MsgSnap);
  c.Tick(1);
  c.Stabilize();
  ASSERT_EQ(c.raft(1).prs().Get(3)->state, ProgressState::kSnapshot);
  c.node(1).ReportSnapshot(3, SnapshotStatus::kFailure);
  EXPECT_EQ(c.raft(1).prs().Get(3)->state, ProgressState::kProbe);
  c.AllowType(raftpb::MsgSnap);
  c.Tick(1);
  c.Stabilize();
  EXPECT_EQ(c.state(3).applied_snapshot, applied);
}

// A storage whose entries below `floor` can no longer be read (as when a byte-bounded
// tail dropped them and their WAL segments are gone) although FirstIndex says less.
class FlooredStorage final : public Storage {
 public:
  explicit FlooredStorage(MemoryStorage* inner) : inner_(inner) {}
  Result<InitialState> GetInitialState() override { return inner_->GetInitialState(); }
  Result<Entries> GetEntries(uint64_t lo, uint64_t hi, uint64_t max_bytes) override {
    if (lo < floor) return ErrCompacted();
    return inner_->GetEntries(lo, hi, max_bytes);
  }
  Result<uint64_t> Term(uint64_t i) override { return inner_->Term(i); }
  Result<uint64_t> LastIndex() override { return inner_->LastIndex(); }
  Result<uint64_t> FirstIndex() override { return inner_->FirstIndex(); }
  Result<raftpb::Snapshot> GetSnapshot() override { return inner_->GetSnapshot(); }
  uint64_t floor = 0;

 private:
  MemoryStorage* inner_;
};

TEST(Snapshot, EntriesStorageCannotServeTriggerASnapshot) {
  MemoryStorage mem;
  raftpb::ConfState cs;
  cs.add_voters(1);
  cs.add_voters(2);
  raftpb::Snapshot snap;
  snap.mutable_metadata()->set_index(1);
  snap.mutable_metadata()->set_term(1);
  *snap.mutable_metadata()->mutable_conf_state() = cs;
  ASSERT_TRUE(mem.ApplySnapshot(snap).ok());
  Entries ents;
  for (uint64_t i = 2; i <= 10; ++i) ents.push_back(MakeEntry(i, 1, "e"));
  ASSERT_TRUE(mem.Append(ents).ok());
  mem.SetHardState(MakeHardState(1, 0, 10));
  FlooredStorage storage(&mem);
  storage.floor = 8;
  SplitMixRng rng(1);
  Config cfg;
  cfg.id = 1;
  cfg.storage = &storage;
  cfg.rng = &rng;
  cfg.applied = 10;
  auto r = std::move(Raft::Create(cfg)).value();
  r->BecomeCandidate();
  r->BecomeLeader();
  r->msgs().clear();
  Progress* pr = r->prs().Get(2);
  pr->recent_active = true;
  pr->next = 3;  // the follower needs entries from 3 on
  raftpb::Message hb;
  hb.set_type(raftpb::MsgHeartbeatResp);
  hb.set_from(2);
  hb.set_to(1);
  hb.set_term(r->term());
  ASSERT_TRUE(r->Step(hb).ok());
  ASSERT_EQ(r->msgs().size(), 1u);
  EXPECT_EQ(r->msgs()[0].type(), raftpb::MsgSnap);
  EXPECT_EQ(pr->state, ProgressState::kSnapshot);
}

TEST(Snapshot, StaleSnapshotIsIgnored) {
  TestCluster c({1, 2, 3});
  c.Elect(1);
  ASSERT_TRUE(c.Propose(1, "a").ok());
  c.Stabilize();
  raftpb::Message m;
  m.set_type(raftpb::MsgSnap);
  m.set_from(1);
  m.set_to(2);
  m.set_term(1);
  m.mutable_snapshot()->mutable_metadata()->set_index(2);
  m.mutable_snapshot()->mutable_metadata()->set_term(1);
  m.mutable_snapshot()->mutable_metadata()->mutable_conf_state()->add_voters(2);
  ASSERT_TRUE(c.node(2).Step(m).ok());
  EXPECT_EQ(c.raft(2).raft_log().committed(), 3u);
  EXPECT_FALSE(c.raft(2).raft_log().HasPendingSnapshot());
}

}  // namespace
}  // namespace etcdpp::raft
