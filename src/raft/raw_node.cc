#include "raft/raw_node.h"

#include "raft/errors.h"

namespace etcdpp::raft {

Result<std::unique_ptr<RawNode>> RawNode::Create(const Config& config) {
  ETCDPP_ASSIGN_OR_RETURN(std::unique_ptr<Raft> r, Raft::Create(config));
  return std::unique_ptr<RawNode>(new RawNode(std::move(r)));
}

RawNode::RawNode(std::unique_ptr<Raft> r)
    : raft_(std::move(r)), prev_soft_(raft_->soft_state()), prev_hard_(raft_->hard_state()) {}

etcdpp::Status RawNode::Bootstrap(const std::vector<Peer>& peers) {
  if (peers.empty()) return InvalidArgument("must provide at least one peer to Bootstrap");
  ETCDPP_ASSIGN_OR_RETURN(uint64_t last, raft_->raft_log().storage()->LastIndex());
  if (last != 0) return FailedPrecondition("can't bootstrap a nonempty Storage");
  // An empty previous hard state makes the first Ready carry the bootstrap state.
  prev_hard_ = raftpb::HardState();
  raft_->BecomeFollower(1, kNone);
  Entries ents;
  for (size_t i = 0; i < peers.size(); ++i) {
    raftpb::ConfChange cc;
    cc.set_id(0);
    cc.set_type(raftpb::ConfChangeAddNode);
    cc.set_node_id(peers[i].id);
    if (!peers[i].context.empty()) cc.set_context(peers[i].context);
    ents.push_back(MakeEntry(i + 1, 1, cc.SerializeAsString(), raftpb::EntryConfChange));
  }
  raft_->raft_log().Append(ents);
  raft_->raft_log().set_committed(ents.size());
  for (const auto& p : peers) {
    raftpb::ConfChange cc;
    cc.set_type(raftpb::ConfChangeAddNode);
    cc.set_node_id(p.id);
    raft_->ApplyConfChange(cc);
  }
  return etcdpp::Status::Ok();
}

etcdpp::Status RawNode::Campaign() {
  raftpb::Message m;
  m.set_type(raftpb::MsgHup);
  return raft_->Step(std::move(m));
}

etcdpp::Status RawNode::Propose(std::string data) {
  raftpb::Message m;
  m.set_type(raftpb::MsgProp);
  m.set_from(raft_->id());
  *m.add_entries() = MakeEntry(0, 0, std::move(data));
  return raft_->Step(std::move(m));
}

etcdpp::Status RawNode::ProposeBatch(std::vector<std::string> data) {
  if (data.empty()) return etcdpp::Status::Ok();
  raftpb::Message m;
  m.set_type(raftpb::MsgProp);
  m.set_from(raft_->id());
  m.mutable_entries()->Reserve(static_cast<int>(data.size()));
  for (auto& d : data) *m.add_entries() = MakeEntry(0, 0, std::move(d));
  return raft_->Step(std::move(m));
}

etcdpp::Status RawNode::ProposeConfChange(const raftpb::ConfChange& cc) {
  raftpb::ConfChange c = cc;
  c.set_id(c.id());
  c.set_type(c.type());
  c.set_node_id(c.node_id());
  raftpb::Message m;
  m.set_type(raftpb::MsgProp);
  *m.add_entries() = MakeEntry(0, 0, c.SerializeAsString(), raftpb::EntryConfChange);
  return raft_->Step(std::move(m));
}

etcdpp::Status RawNode::Step(raftpb::Message m) {
  if (IsLocalMsg(m.type())) return ErrStepLocalMsg();
  if (raft_->prs().Get(m.from()) != nullptr || !IsResponseMsg(m.type())) {
    return raft_->Step(std::move(m));
  }
  return ErrStepPeerNotFound();
}

void RawNode::ReadIndex(std::string ctx) {
  raftpb::Message m;
  m.set_type(raftpb::MsgReadIndex);
  m.add_entries()->set_data(std::move(ctx));
  raft_->Step(std::move(m)).IgnoreError();
}

void RawNode::TransferLeader(uint64_t transferee) {
  raftpb::Message m;
  m.set_type(raftpb::MsgTransferLeader);
  m.set_from(transferee);
  raft_->Step(std::move(m)).IgnoreError();
}

void RawNode::ReportUnreachable(uint64_t id) {
  raftpb::Message m;
  m.set_type(raftpb::MsgUnreachable);
  m.set_from(id);
  raft_->Step(std::move(m)).IgnoreError();
}

void RawNode::ReportSnapshot(uint64_t id, SnapshotStatus status) {
  raftpb::Message m;
  m.set_type(raftpb::MsgSnapStatus);
  m.set_from(id);
  m.set_reject(status == SnapshotStatus::kFailure);
  raft_->Step(std::move(m)).IgnoreError();
}

bool RawNode::HasReady() const {
  const Raft& r = *raft_;
  if (!(r.soft_state() == prev_soft_)) return true;
  raftpb::HardState hs = r.hard_state();
  if (!IsEmptyHardState(hs) && !HardStateEqual(hs, prev_hard_)) return true;
  const RaftLog& log = r.raft_log();
  if (log.HasPendingSnapshot()) return true;
  if (!log.UnstableEntries().empty() || log.HasNextEnts()) return true;
  return !r.msgs().empty() || !r.read_states().empty();
}

Ready RawNode::GetReady() {
  Raft& r = *raft_;
  Ready rd;
  rd.entries = r.raft_log().UnstableEntries();
  rd.committed_entries = r.raft_log().NextEnts();
  rd.messages.swap(r.msgs());
  SoftState ss = r.soft_state();
  if (!(ss == prev_soft_)) {
    rd.soft_state = ss;
    prev_soft_ = ss;
  }
  raftpb::HardState hs = r.hard_state();
  if (!HardStateEqual(hs, prev_hard_)) {
    rd.must_sync = hs.vote() != prev_hard_.vote() || hs.term() != prev_hard_.term();
    rd.hard_state = hs;
    prev_hard_ = hs;
  }
  if (r.raft_log().HasPendingSnapshot()) rd.snapshot = *r.raft_log().unstable().snapshot();
  rd.read_states.swap(r.read_states());
  rd.must_sync = rd.must_sync || !rd.entries.empty();
  return rd;
}

void RawNode::Advance(const Ready& rd) {
  Raft& r = *raft_;
  if (!rd.committed_entries.empty()) {
    r.raft_log().AppliedTo(rd.committed_entries.back().index());
  } else if (rd.snapshot.metadata().index() > 0) {
    r.raft_log().AppliedTo(rd.snapshot.metadata().index());
  }
  if (!rd.entries.empty()) {
    const auto& e = rd.entries.back();
    r.raft_log().StableTo(e.index(), e.term());
  }
  if (!IsEmptySnap(rd.snapshot)) r.raft_log().StableSnapTo(rd.snapshot.metadata().index());
  r.ReduceUncommittedSize(rd.committed_entries);
}

NodeStatus RawNode::GetStatus() const {
  const Raft& r = *raft_;
  NodeStatus s;
  s.id = r.id();
  s.hard_state = r.hard_state();
  s.soft_state = r.soft_state();
  s.applied = r.raft_log().applied();
  s.lead_transferee = r.lead_transferee();
  if (r.state() == StateType::kLeader) {
    for (const auto& [id, pr] : r.prs().progress()) {
      s.progress.push_back({id, pr.match, pr.next, pr.state, pr.is_learner, pr.recent_active});
    }
  }
  return s;
}

}  // namespace etcdpp::raft
