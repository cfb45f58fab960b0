#include "raft/util.h"

#include <algorithm>

#include "base/check.h"
#include <limits>

namespace etcdpp::raft {

const char* MessageTypeName(raftpb::MessageType t) {
  static const char* const kNames[] = {
      "MsgHup",       "MsgBeat",           "MsgProp",          "MsgApp",        "MsgAppResp",
      "MsgVote",      "MsgVoteResp",       "MsgSnap",          "MsgHeartbeat",  "MsgHeartbeatResp",
      "MsgUnreachable", "MsgSnapStatus",   "MsgCheckQuorum",   "MsgTransferLeader",
      "MsgTimeoutNow", "MsgReadIndex",     "MsgReadIndexResp", "MsgPreVote",    "MsgPreVoteResp"};
  int i = static_cast<int>(t);
  if (i < 0 || i >= static_cast<int>(sizeof(kNames) / sizeof(kNames[0]))) return "MsgUnknown";
  return kNames[i];
}

bool IsLocalMsg(raftpb::MessageType t) {
  return t == raftpb::MsgHup || t == raftpb::MsgBeat || t == raftpb::MsgUnreachable ||
         t == raftpb::MsgSnapStatus || t == raftpb::MsgCheckQuorum;
}

bool IsResponseMsg(raftpb::MessageType t) {
  return t == raftpb::MsgAppResp || t == raftpb::MsgVoteResp || t == raftpb::MsgHeartbeatResp ||
         t == raftpb::MsgUnreachable || t == raftpb::MsgPreVoteResp;
}

raftpb::MessageType VoteRespMsgType(raftpb::MessageType t) {
  ETCDPP_CHECK(t == raftpb::MsgVote || t == raftpb::MsgPreVote, "not a vote message");
  return t == raftpb::MsgVote ? raftpb::MsgVoteResp : raftpb::MsgPreVoteResp;
}

bool IsEmptySnap(const raftpb::Snapshot& s) { return s.metadata().index() == 0; }

bool HardStateEqual(const raftpb::HardState& a, const raftpb::HardState& b) {
  return a.term() == b.term() && a.vote() == b.vote() && a.commit() == b.commit();
}

bool IsEmptyHardState(const raftpb::HardState& h) {
  return HardStateEqual(h, raftpb::HardState());
}

uint64_t EntrySize(const raftpb::Entry& e) { return e.ByteSizeLong(); }

uint64_t PayloadsSize(const Entries& ents) {
  uint64_t s = 0;
  for (const auto& e : ents) s += e.data().size();
  return s;
}

void LimitSize(Entries* ents, uint64_t max_bytes) {
  if (ents->empty() || max_bytes == std::numeric_limits<uint64_t>::max()) return;
  uint64_t size = EntrySize((*ents)[0]);
  size_t limit = 1;
  for (; limit < ents->size(); ++limit) {
    size += EntrySize((*ents)[limit]);
    if (size > max_bytes) break;
  }
  ents->resize(limit);
}

raftpb::Entry MakeEntry(uint64_t index, uint64_t term, std::string data, raftpb::EntryType type) {
  raftpb::Entry e;
  e.set_type(type);
  e.set_term(term);
  e.set_index(index);
  if (!data.empty()) e.set_data(std::move(data));
  return e;
}

raftpb::HardState MakeHardState(uint64_t term, uint64_t vote, uint64_t commit) {
  raftpb::HardState h;
  h.set_term(term);
  h.set_vote(vote);
  h.set_commit(commit);
  return h;
}

void SetEtcdDefaults(raftpb::ConfState* cs) { cs->set_auto_leave(cs->auto_leave()); }

void SetEtcdDefaults(raftpb::Message* m) {
  m->set_type(m->type());
  m->set_to(m->to());
  m->set_from(m->from());
  m->set_term(m->term());
  m->set_logterm(m->logterm());
  m->set_index(m->index());
  m->set_commit(m->commit());
  m->set_reject(m->reject());
  m->set_rejecthint(m->rejecthint());
  for (auto& e : *m->mutable_entries()) {
    e.set_type(e.type());
    e.set_term(e.term());
    e.set_index(e.index());
  }
  auto* md = m->mutable_snapshot()->mutable_metadata();
  md->set_index(md->index());
  md->set_term(md->term());
  SetEtcdDefaults(md->mutable_conf_state());
}

std::string DescribeEntry(const raftpb::Entry& e) {
  std::string s = std::to_string(e.term()) + "/" + std::to_string(e.index());
  switch (e.type()) {
    case raftpb::EntryNormal:
      s += " EntryNormal";
      break;
    case raftpb::EntryConfChange: {
      raftpb::ConfChange cc;
      s += " EntryConfChange";
      if (cc.ParseFromString(e.data())) {
        static const char* const kTypes[] = {"add", "remove", "update", "learner"};
        s += std::string(" ") + kTypes[cc.type() & 3] + std::to_string(cc.node_id());
      }
      return s;
    }
    default:
      s += " EntryConfChangeV2";
  }
  if (!e.data().empty()) s += " \"" + e.data() + "\"";
  return s;
}

std::string DescribeMessage(const raftpb::Message& m) {
  std::string s = std::to_string(m.from()) + "->" + std::to_string(m.to()) + " " +
                  MessageTypeName(m.type()) + " Term:" + std::to_string(m.term()) +
                  " Log:" + std::to_string(m.logterm()) + "/" + std::to_string(m.index());
  if (m.reject()) {
    s += " Rejected";
    if (m.type() == raftpb::MsgAppResp) s += " (Hint: " + std::to_string(m.rejecthint()) + ")";
  }
  if (m.commit() != 0) s += " Commit:" + std::to_string(m.commit());
  if (m.entries_size() > 0) {
    s += " Entries:[";
    for (int i = 0; i < m.entries_size(); ++i) {
      if (i > 0) s += ", ";
      s += DescribeEntry(m.entries(i));
    }
    s += "]";
  }
  if (!m.context().empty()) s += " Context:" + m.context();
  if (m.has_snapshot() && !IsEmptySnap(m.snapshot())) {
    s += " Snapshot: Index:" + std::to_string(m.snapshot().metadata().index()) +
         " Term:" + std::to_string(m.snapshot().metadata().term()) + " ConfState:" +
         DescribeConfState(m.snapshot().metadata().conf_state());
  }
  return s;
}

std::string DescribeConfState(const raftpb::ConfState& cs) {
  std::string s = "Voters:[";
  for (int i = 0; i < cs.voters_size(); ++i) s += (i ? " " : "") + std::to_string(cs.voters(i));
  s += "] Learners:[";
  for (int i = 0; i < cs.learners_size(); ++i) s += (i ? " " : "") + std::to_string(cs.learners(i));
  return s + "]";
}

}  // namespace etcdpp::raft
