// TestCluster: an in-memory group of RawNodes for unit and interaction tests. It plays
// the host: persists each Ready into the node's MemoryStorage, applies committed entries
// (including conf changes), and moves messages between nodes, with optional cuts.
// Test-only; single-threaded. Header-only so the library does not carry it.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "raft/errors.h"
#include "raft/raw_node.h"

namespace etcdpp::raft {

struct TestClusterOptions {
  int election_tick = 10;
  int heartbeat_tick = 1;
  bool pre_vote = false;
  bool check_quorum = false;
  ReadOnlyOption read_only = ReadOnlyOption::kSafe;
  uint64_t max_size_per_msg = kNoLimit;
  int max_inflight = 256;
  uint64_t max_uncommitted = 0;
  bool disable_proposal_forwarding = false;
};

class TestCluster {
 public:
  struct Node {
    std::unique_ptr<MemoryStorage> storage;
    std::unique_ptr<SplitMixRng> rng;
    std::unique_ptr<RawNode> node;
    Entries applied;  // every applied entry, in order
    uint64_t applied_snapshot = 0;
    std::vector<ReadState> read_states;
  };

  TestCluster(std::vector<uint64_t> voters, std::vector<uint64_t> learners = {},
              TestClusterOptions o = {})
      : opts_(o) {
    raftpb::ConfState cs;
    for (uint64_t id : voters) cs.add_voters(id);
    for (uint64_t id : learners) cs.add_learners(id);
    for (uint64_t id : voters) AddNode(id, &cs);
    for (uint64_t id : learners) AddNode(id, &cs);
  }

  // A node that starts from a snapshot of the given configuration at index 1 (or, with
  // cs == nullptr, from nothing at all, as a member joining an existing cluster).
  void AddNode(uint64_t id, const raftpb::ConfState* cs) {
    Node n;
    n.storage = std::make_unique<MemoryStorage>();
    if (cs != nullptr) {
      raftpb::Snapshot snap;
      snap.mutable_metadata()->set_index(1);
      snap.mutable_metadata()->set_term(1);
      *snap.mutable_metadata()->mutable_conf_state() = *cs;
      ETCDPP_CHECK(n.storage->ApplySnapshot(snap).ok());
    }
    n.rng = std::make_unique<SplitMixRng>(id * 7919);
    nodes_[id] = std::move(n);
    Restart(id);
  }

  // Recreates the node from what its storage holds (a crash and restart).
  void Restart(uint64_t id) {
    Node& n = nodes_.at(id);
    Config c;
    c.id = id;
    c.election_tick = opts_.election_tick;
    c.heartbeat_tick = opts_.heartbeat_tick;
    c.storage = n.storage.get();
    c.applied = n.storage->GetSnapshot()->metadata().index();
    c.max_size_per_msg = opts_.max_size_per_msg;
    c.max_inflight_msgs = opts_.max_inflight;
    c.max_uncommitted_entries_size = opts_.max_uncommitted;
    c.check_quorum = opts_.check_quorum;
    c.pre_vote = opts_.pre_vote;
    c.read_only_option = opts_.read_only;
    c.disable_proposal_forwarding = opts_.disable_proposal_forwarding;
    c.rng = n.rng.get();
    auto r = RawNode::Create(c);
    ETCDPP_CHECK(r.ok(), r.status().ToString());
    n.node = std::move(r).value();
  }

  RawNode& node(uint64_t id) { return *nodes_.at(id).node; }
  Raft& raft(uint64_t id) { return nodes_.at(id).node->raft(); }
  MemoryStorage& storage(uint64_t id) { return *nodes_.at(id).storage; }
  Node& state(uint64_t id) { return nodes_.at(id); }
  std::vector<uint64_t> ids() const {
    std::vector<uint64_t> v;
    for (const auto& [id, n] : nodes_) v.push_back(id);
    return v;
  }

  void Tick(uint64_t id, int n = 1) {
    for (int i = 0; i < n; ++i) node(id).Tick();
  }
  // Ticks until the node's election fires (its randomized timeout).
  void TickToElection(uint64_t id) { Tick(id, raft(id).randomized_election_timeout()); }
  void Campaign(uint64_t id) { ETCDPP_CHECK(node(id).Campaign().ok()); }
  etcdpp::Status Propose(uint64_t id, std::string data) { return node(id).Propose(std::move(data)); }

  // Cuts: messages between cut pairs (either direction unless one_way) are dropped.
  void Cut(uint64_t a, uint64_t b, bool one_way = false) {
    cut_.insert({a, b});
    if (!one_way) cut_.insert({b, a});
  }
  void Isolate(uint64_t id) {
    for (const auto& [other, n] : nodes_)
      if (other != id) Cut(id, other);
  }
  void Heal() { cut_.clear(); }
  void DropType(raftpb::MessageType t) { dropped_types_.insert(t); }
  void AllowType(raftpb::MessageType t) { dropped_types_.erase(t); }

  // Handles the Ready of every node; returns their messages (minus dropped ones).
  std::vector<raftpb::Message> Flush() {
    std::vector<raftpb::Message> out;
    for (auto& [id, n] : nodes_) {
      if (!n.node->HasReady()) continue;
      Ready rd = n.node->GetReady();
      Persist(n, rd);
      for (auto& m : rd.messages) {
        if (!Dropped(m)) out.push_back(std::move(m));
      }
      Apply(n, rd);
      n.node->Advance(rd);
    }
    return out;
  }

  void Deliver(const std::vector<raftpb::Message>& msgs) {
    for (const auto& m : msgs) {
      auto it = nodes_.find(m.to());
      if (it == nodes_.end() || Dropped(m)) continue;
      it->second.node->Step(m).IgnoreError();
    }
  }

  // Runs Ready/deliver rounds until nothing moves (bounded).
  void Stabilize(int max_rounds = 1000) {
    for (int i = 0; i < max_rounds; ++i) {
      bool any = false;
      for (auto& [id, n] : nodes_) any |= n.node->HasReady();
      if (!any) return;
      Deliver(Flush());
    }
    ETCDPP_CHECK(false, "cluster did not stabilize");
  }

  // Elects `id` by campaigning and stabilizing.
  void Elect(uint64_t id) {
    Campaign(id);
    Stabilize();
    ETCDPP_CHECK(raft(id).state() == StateType::kLeader, "election failed");
  }

  std::vector<std::string> AppliedData(uint64_t id) {
    std::vector<std::string> v;
    for (const auto& e : nodes_.at(id).applied)
      if (e.type() == raftpb::EntryNormal && !e.data().empty()) v.push_back(e.data());
    return v;
  }

 private:
  bool Dropped(const raftpb::Message& m) const {
    return cut_.count({m.from(), m.to()}) > 0 || dropped_types_.count(m.type()) > 0;
  }

  static void Persist(Node& n, const Ready& rd) {
    if (!IsEmptySnap(rd.snapshot)) {
      ETCDPP_CHECK(n.storage->ApplySnapshot(rd.snapshot).ok());
      n.applied_snapshot = rd.snapshot.metadata().index();
    }
    ETCDPP_CHECK(n.storage->Append(rd.entries).ok());
    if (!IsEmptyHardState(rd.hard_state)) n.storage->SetHardState(rd.hard_state);
  }

  static void Apply(Node& n, const Ready& rd) {
    for (const auto& e : rd.committed_entries) {
      if (e.type() == raftpb::EntryConfChange) {
        raftpb::ConfChange cc;
        ETCDPP_CHECK(cc.ParseFromString(e.data()));
        n.node->ApplyConfChange(cc);
      }
      n.applied.push_back(e);
    }
    for (const auto& rs : rd.read_states) n.read_states.push_back(rs);
  }

  TestClusterOptions opts_;
  std::map<uint64_t, Node> nodes_;
  std::set<std::pair<uint64_t, uint64_t>> cut_;
  std::set<int> dropped_types_;
};

}  // namespace etcdpp::raft
