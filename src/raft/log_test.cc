// Tests of the log layers: MemoryStorage, Unstable, RaftLog, Inflights, Progress.
#include <gtest/gtest.h>

#include "raft/errors.h"
#include "raft/inflights.h"
#include "raft/progress.h"
#include "raft/raft_log.h"
#include "raft/storage.h"

namespace etcdpp::raft {
namespace {

Entries Ents(std::initializer_list<std::pair<uint64_t, uint64_t>> index_terms) {
  Entries out;
  for (auto [i, t] : index_terms) out.push_back(MakeEntry(i, t));
  return out;
}

TEST(MemoryStorage, TermAndBoundsFollowCompaction) {
  MemoryStorage s;
  ASSERT_TRUE(s.Append(Ents({{1, 1}, {2, 2}, {3, 2}, {4, 3}})).ok());
  EXPECT_EQ(*s.FirstIndex(), 1u);
  EXPECT_EQ(*s.LastIndex(), 4u);
  EXPECT_EQ(*s.Term(3), 2u);
  EXPECT_TRUE(IsUnavailable(s.Term(5).status()));
  ASSERT_TRUE(s.Compact(2).ok());
  EXPECT_EQ(*s.FirstIndex(), 3u);
  EXPECT_EQ(*s.Term(2), 2u);  // the compaction point keeps its term
  EXPECT_TRUE(IsCompacted(s.Term(1).status()));
  EXPECT_TRUE(IsCompacted(s.Compact(2)));
  EXPECT_TRUE(IsCompacted(s.GetEntries(2, 4, kNoLimit).status()));
}

TEST(MemoryStorage, EntriesRespectByteLimitButReturnAtLeastOne) {
  MemoryStorage s;
  Entries ents;
  for (uint64_t i = 1; i <= 5; ++i) ents.push_back(MakeEntry(i, 1, std::string(100, 'x')));
  ASSERT_TRUE(s.Append(ents).ok());
  uint64_t one = EntrySize(ents[0]);
  EXPECT_EQ(s.GetEntries(1, 6, kNoLimit)->size(), 5u);
  EXPECT_EQ(s.GetEntries(1, 6, 0)->size(), 1u);
  EXPECT_EQ(s.GetEntries(1, 6, one * 2)->size(), 2u);
  EXPECT_EQ(s.GetEntries(1, 6, one * 2 + 1)->size(), 2u);
  EXPECT_TRUE(IsUnavailable(s.GetEntries(1, 7, kNoLimit).status()));
}

TEST(MemoryStorage, AppendTruncatesConflictingTailAndSkipsCompacted) {
  MemoryStorage s;
  ASSERT_TRUE(s.Append(Ents({{1, 1}, {2, 1}, {3, 1}})).ok());
  ASSERT_TRUE(s.Append(Ents({{2, 2}})).ok());
  EXPECT_EQ(*s.LastIndex(), 2u);
  EXPECT_EQ(*s.Term(2), 2u);
  ASSERT_TRUE(s.Compact(2).ok());
  ASSERT_TRUE(s.Append(Ents({{1, 1}, {2, 2}, {3, 3}})).ok());
  EXPECT_EQ(*s.LastIndex(), 3u);
  EXPECT_EQ(*s.Term(3), 3u);
}

TEST(MemoryStorage, SnapshotsAreCreatedAndApplied) {
  MemoryStorage s;
  ASSERT_TRUE(s.Append(Ents({{1, 1}, {2, 2}, {3, 3}})).ok());
  raftpb::ConfState cs;
  cs.add_voters(1);
  auto snap = s.CreateSnapshot(2, &cs, "data");
  ASSERT_TRUE(snap.ok());
  EXPECT_EQ(snap->metadata().term(), 2u);
  EXPECT_EQ(snap->data(), "data");
  EXPECT_TRUE(IsSnapOutOfDate(s.CreateSnapshot(2, &cs, "x").status()));
  MemoryStorage other;
  ASSERT_TRUE(other.ApplySnapshot(*snap).ok());
  EXPECT_EQ(*other.FirstIndex(), 3u);
  EXPECT_EQ(*other.LastIndex(), 2u);
  EXPECT_TRUE(IsSnapOutOfDate(other.ApplySnapshot(*snap)));
}

TEST(Unstable, StableToIgnoresReplacedEntries) {
  Unstable u(5);
  u.TruncateAndAppend(Ents({{5, 1}, {6, 1}}));
  u.TruncateAndAppend(Ents({{6, 2}}));  // replaced while the write of 6@1 was in flight
  u.StableTo(6, 1);
  EXPECT_EQ(u.entries().size(), 2u);
  u.StableTo(6, 2);
  EXPECT_TRUE(u.entries().empty());
  EXPECT_EQ(u.offset(), 7u);
}

TEST(Unstable, TruncateAndAppendBeforeOffsetReplacesAll) {
  Unstable u(5);
  u.TruncateAndAppend(Ents({{5, 1}, {6, 1}, {7, 1}}));
  u.TruncateAndAppend(Ents({{4, 2}, {5, 2}}));
  EXPECT_EQ(u.offset(), 4u);
  EXPECT_EQ(*u.MaybeLastIndex(), 5u);
  EXPECT_EQ(*u.MaybeTerm(5), 2u);
}

TEST(RaftLog, MaybeAppendTruncatesConflictsAndCommits) {
  MemoryStorage s;
  RaftLog log(&s, kNoLimit);
  log.Append(Ents({{1, 1}, {2, 2}, {3, 3}}));
  // Mismatched previous entry: refused.
  EXPECT_FALSE(log.MaybeAppend(3, 2, 3, Ents({{4, 4}})).has_value());
  // Conflict at 3: replaced, and commit moves to min(leader commit, last new).
  auto last = log.MaybeAppend(2, 2, 5, Ents({{3, 4}, {4, 4}}));
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(*last, 4u);
  EXPECT_EQ(*log.Term(3), 4u);
  EXPECT_EQ(log.committed(), 4u);
  // Old, already-present entries change nothing.
  EXPECT_EQ(*log.MaybeAppend(1, 1, 4, Ents({{2, 2}})), 2u);
  EXPECT_EQ(log.LastIndex(), 4u);
}

TEST(RaftLog, FindConflictByTermSkipsWholeTerms) {
  MemoryStorage s;
  RaftLog log(&s, kNoLimit);
  log.Append(Ents({{1, 1}, {2, 2}, {3, 2}, {4, 5}, {5, 5}, {6, 5}}));
  EXPECT_EQ(log.FindConflictByTerm(6, 4), 3u);
  EXPECT_EQ(log.FindConflictByTerm(6, 2), 3u);
  EXPECT_EQ(log.FindConflictByTerm(6, 1), 1u);
  EXPECT_EQ(log.FindConflictByTerm(6, 5), 6u);
  EXPECT_EQ(log.FindConflictByTerm(9, 1), 9u);
}

TEST(RaftLog, CommitOnlyWhenTermMatches) {
  MemoryStorage s;
  RaftLog log(&s, kNoLimit);
  log.Append(Ents({{1, 1}, {2, 2}}));
  EXPECT_FALSE(log.MaybeCommit(2, 1));
  EXPECT_TRUE(log.MaybeCommit(2, 2));
  EXPECT_EQ(log.committed(), 2u);
}

TEST(RaftLog, SliceSpansStorageAndUnstableAndReportsCompaction) {
  MemoryStorage s;
  ASSERT_TRUE(s.Append(Ents({{1, 1}, {2, 1}, {3, 1}})).ok());
  RaftLog log(&s, kNoLimit);
  log.Append(Ents({{4, 2}, {5, 2}}));
  auto all = log.Slice(2, 6, kNoLimit);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 4u);
  EXPECT_EQ((*all)[3].index(), 5u);
  ASSERT_TRUE(s.Compact(2).ok());
  EXPECT_TRUE(IsCompacted(log.Slice(2, 4, kNoLimit).status()));
  EXPECT_EQ(log.FirstIndex(), 3u);
}

TEST(RaftLog, NextEntsStopsAtCommitAndAfterApplied) {
  MemoryStorage s;
  RaftLog log(&s, kNoLimit);
  log.Append(Ents({{1, 1}, {2, 1}, {3, 1}}));
  EXPECT_FALSE(log.HasNextEnts());
  log.CommitTo(2);
  EXPECT_EQ(log.NextEnts().size(), 2u);
  log.AppliedTo(1);
  ASSERT_EQ(log.NextEnts().size(), 1u);
  EXPECT_EQ(log.NextEnts()[0].index(), 2u);
}

TEST(RaftLog, RestoreMovesEverythingToTheSnapshot) {
  MemoryStorage s;
  RaftLog log(&s, kNoLimit);
  log.Append(Ents({{1, 1}}));
  raftpb::Snapshot snap;
  snap.mutable_metadata()->set_index(10);
  snap.mutable_metadata()->set_term(3);
  log.Restore(snap);
  EXPECT_EQ(log.committed(), 10u);
  EXPECT_EQ(log.FirstIndex(), 11u);
  EXPECT_EQ(log.LastIndex(), 10u);
  EXPECT_EQ(*log.Term(10), 3u);
}

TEST(Inflights, FreesInOrderAndWraps) {
  Inflights in(4);
  for (uint64_t i = 1; i <= 4; ++i) in.Add(i);
  EXPECT_TRUE(in.Full());
  in.FreeLE(2);
  EXPECT_EQ(in.Count(), 2);
  in.Add(5);
  in.Add(6);
  EXPECT_TRUE(in.Full());
  in.FreeLE(5);
  EXPECT_EQ(in.Count(), 1);
  in.FreeFirstOne();
  EXPECT_EQ(in.Count(), 0);
  in.FreeLE(100);  // empty: no-op
  EXPECT_EQ(in.Count(), 0);
}

TEST(Inflights, FullOnceTheBytesInFlightReachTheBound) {
  Inflights in(100, 1000);
  in.Add(1, 600);
  EXPECT_FALSE(in.Full());
  in.Add(2, 600);  // may pass the bound: the window was not full when it was sent
  EXPECT_TRUE(in.Full());
  EXPECT_EQ(in.bytes(), 1200u);
  in.FreeLE(1);
  EXPECT_FALSE(in.Full());
  EXPECT_EQ(in.bytes(), 600u);
  for (uint64_t i = 3; i <= 10; ++i) in.Add(i, 1);  // grows and wraps with the sizes
  in.FreeLE(9);
  EXPECT_EQ(in.bytes(), 1u);
  in.Reset();
  EXPECT_EQ(in.bytes(), 0u);
}

TEST(Progress, ProbeAcceptsOnlyTheOutstandingRejection) {
  Progress pr(10, 8, false);
  pr.match = 5;
  EXPECT_FALSE(pr.MaybeDecrTo(7, 6));  // not the probe we sent (next-1 = 9)
  EXPECT_TRUE(pr.MaybeDecrTo(9, 6));
  EXPECT_EQ(pr.next, 7u);
  pr.BecomeReplicate();
  EXPECT_EQ(pr.next, 6u);
  EXPECT_FALSE(pr.MaybeDecrTo(5, 5));  // stale: at or below match
}

TEST(Progress, PausesPerState) {
  Progress pr(1, 1, false);
  EXPECT_FALSE(pr.IsPaused());
  pr.probe_sent = true;
  EXPECT_TRUE(pr.IsPaused());
  pr.BecomeReplicate();
  EXPECT_FALSE(pr.IsPaused());
  pr.inflights.Add(3);
  EXPECT_TRUE(pr.IsPaused());
  pr.BecomeSnapshot(20);
  EXPECT_TRUE(pr.IsPaused());
  pr.BecomeProbe();
  EXPECT_EQ(pr.next, 21u);  // resumes after the snapshot
}

TEST(Encoding, EntryBytesMatchEtcd) {
  // etcd (gogoproto) writes Type, Term, Index always and Data when present.
  raftpb::Entry e = MakeEntry(2, 1, "x");
  EXPECT_EQ(e.SerializeAsString(), std::string("\x08\x00\x10\x01\x18\x02\x22\x01x", 9));
  raftpb::HardState hs = MakeHardState(1, 0, 0);
  EXPECT_EQ(hs.SerializeAsString(), std::string("\x08\x01\x10\x00\x18\x00", 6));
}

TEST(Encoding, MessageWithEtcdDefaultsMatchesEtcdBytes) {
  // etcd 3.4 writes every non-nullable field: type..index, commit, the (empty)
  // snapshot with its metadata and conf state (auto_leave), reject and rejectHint.
  raftpb::Message m;
  m.set_type(raftpb::MsgHeartbeat);
  m.set_to(2);
  m.set_from(1);
  m.set_term(3);
  m.set_commit(4);
  SetEtcdDefaults(&m);
  const std::string want(
      "\x08\x08\x10\x02\x18\x01\x20\x03\x28\x00\x30\x00\x40\x04"
      "\x4a\x0a\x12\x08\x0a\x02\x28\x00\x10\x00\x18\x00"
      "\x50\x00\x58\x00",
      30);
  EXPECT_EQ(m.SerializeAsString(), want);
  raftpb::Message back;
  ASSERT_TRUE(back.ParseFromString(want));
  EXPECT_EQ(back.commit(), 4u);
}

}  // namespace
}  // namespace etcdpp::raft
