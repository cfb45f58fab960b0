#include "tests/sim/simulator.h"

#include <cstdio>
#include <map>
#include <memory>
#include <vector>

#include "raft/raw_node.h"
#include "tests/sim/checker.h"
#include "tests/sim/sim_network.h"

namespace etcdpp::sim {
namespace {

using raft::RawNode;

constexpr uint64_t kTickUnits = 10;  // time units per raft tick

struct Node {
  uint64_t id = 0;
  bool up = false;
  bool removed = false;  // applied its own removal, or was removed: gone for good
  uint64_t restart_at = 0;
  uint64_t phase = 0;    // tick offset, so nodes do not tick in lockstep
  std::unique_ptr<raft::MemoryStorage> disk;  // survives crashes
  LogChain chain;                             // describes `disk`
  uint64_t disk_commit = 0;
  std::unique_ptr<raft::SplitMixRng> rng;
  std::unique_ptr<RawNode> rn;  // the running incarnation
  uint64_t incarnation = 0;
  uint64_t mem_commit = 0;
  uint64_t applied = 0;
  uint64_t digest = 0;
  raftpb::ConfState conf;
  std::map<std::string, uint64_t> reads;  // ctx -> index that must be covered
};

class Simulation {
 public:
  explicit Simulation(const SimOptions& o) : opts_(o), rng_(o.seed), net_(&rng_) {}
  SimResult Run();

 private:
  double Chance() { return static_cast<double>(rng_.Uniform(1000000)) / 1000000.0; }
  void Trace(const std::string& s) {
    if (opts_.verbose) std::fprintf(stderr, "[t=%llu] %s\n", (unsigned long long)now_, s.c_str());
  }
  void Configure();
  void StartNode(Node& n);
  void Crash(Node& n);
  void Remove(uint64_t id);
  void Step(bool faults);
  void Deliver();
  void HandleReady(Node& n);
  bool MaybeCrashMidReady(Node& n, raft::Ready& rd);
  void SendAll(Node& n, raft::Ready& rd);
  void Persist(Node& n, const raft::Ready& rd);
  void Apply(Node& n, const raft::Ready& rd);
  void MaybeSnapshot(Node& n);
  void RandomFaults();
  void RandomPartition();
  void RandomConfChange();
  Node* Leader();
  Node* RandomUp();
  uint64_t MaxCommitKnown() const;

  SimOptions opts_;
  raft::SplitMixRng rng_;
  SimNetwork net_;
  SafetyChecker check_;
  std::map<uint64_t, Node> nodes_;
  uint64_t now_ = 0;
  uint64_t next_id_ = 1;
  int max_nodes_ = 0;
  uint64_t seq_ = 0;
  uint64_t leaders_seen_ = 0;
  uint64_t snapshot_every_ = 50;
  bool pre_vote_ = false;
  bool check_quorum_ = false;
  // Per-seed fault intensity: probabilities per time unit.
  double crash_p_ = 0.003;
  double partition_p_ = 0.0015;
  uint64_t max_msg_bytes_ = 4096;  // small values split appends into many messages
  uint64_t live_seen_ = 0;  // a "live" entry was applied
  bool faults_on_ = false;
};

void Simulation::Configure() {
  int n = opts_.nodes != 0 ? opts_.nodes : (rng_.Uniform(2) == 0 ? 3 : 5);
  max_nodes_ = n + 2;
  pre_vote_ = rng_.Uniform(2) == 0;
  check_quorum_ = rng_.Uniform(2) == 0;
  snapshot_every_ = 10 + rng_.Uniform(80);
  // Some seeds are calm, some are chaotic (crashes and partitions every few elections).
  crash_p_ = static_cast<double>(1 + rng_.Uniform(12)) / 1000.0;
  partition_p_ = static_cast<double>(1 + rng_.Uniform(6)) / 1000.0;
  static const uint64_t kMsgBytes[] = {1, 64, 256, 4096};
  max_msg_bytes_ = kMsgBytes[rng_.Uniform(4)];
  NetworkFaults f;
  f.max_delay = 2 + rng_.Uniform(30);
  f.loss = static_cast<double>(rng_.Uniform(15)) / 100.0;
  f.duplicate = static_cast<double>(rng_.Uniform(6)) / 100.0;
  net_.set_faults(f);
  Trace("nodes=" + std::to_string(n) + " prevote=" + std::to_string(pre_vote_) +
        " checkquorum=" + std::to_string(check_quorum_) + " delay=" + std::to_string(f.max_delay) +
        " loss=" + std::to_string(f.loss) + " dup=" + std::to_string(f.duplicate));
  std::vector<raft::Peer> peers;
  for (int i = 0; i < n; ++i) peers.push_back({next_id_ + i, ""});
  for (int i = 0; i < n; ++i) {
    Node& node = nodes_[next_id_];
    node.id = next_id_++;
    node.disk = std::make_unique<raft::MemoryStorage>();
    node.phase = rng_.Uniform(kTickUnits);
    StartNode(node);
    Status s = node.rn->Bootstrap(peers);
    if (!s.ok()) check_.Fail("bootstrap: " + s.ToString());
    HandleReady(node);
  }
}

void Simulation::StartNode(Node& n) {
  ++n.incarnation;
  n.rng = std::make_unique<raft::SplitMixRng>(opts_.seed * 1000003 + n.id * 101 + n.incarnation);
  auto snap = n.disk->GetSnapshot();
  const auto& md = snap->metadata();
  // The state machine restarts from the last snapshot; later entries are re-applied.
  n.applied = md.index();
  n.digest = md.index() == 0 ? 0 : std::stoull(snap->data());
  n.conf = md.conf_state();
  raft::Config c;
  c.id = n.id;
  c.election_tick = 10;
  c.heartbeat_tick = 1;
  c.storage = n.disk.get();
  c.applied = md.index();
  c.max_size_per_msg = max_msg_bytes_;
  c.max_inflight_msgs = 16;
  c.check_quorum = check_quorum_;
  c.pre_vote = pre_vote_;
  c.rng = n.rng.get();
  auto rn = RawNode::Create(c);
  if (!rn.ok()) {
    check_.Fail("restart of node " + std::to_string(n.id) + ": " + rn.status().ToString());
    return;
  }
  n.rn = std::move(rn).value();
  n.mem_commit = n.rn->raft().raft_log().committed();
  n.up = true;
  n.reads.clear();
}

void Simulation::Crash(Node& n) {
  Trace("crash " + std::to_string(n.id));
  n.up = false;
  n.rn.reset();
  n.reads.clear();
  n.restart_at = now_ + 50 + rng_.Uniform(400);
}

void Simulation::Remove(uint64_t id) {
  Node& n = nodes_.at(id);
  if (n.removed) return;
  Trace("removed " + std::to_string(id));
  n.removed = true;
  n.up = false;
  n.rn.reset();
}

Node* Simulation::Leader() {
  Node* best = nullptr;
  for (auto& [id, n] : nodes_) {
    if (!n.up || n.rn->raft().state() != raft::StateType::kLeader) continue;
    if (best == nullptr || n.rn->raft().term() > best->rn->raft().term()) best = &n;
  }
  return best;
}

Node* Simulation::RandomUp() {
  std::vector<Node*> up;
  for (auto& [id, n] : nodes_)
    if (n.up) up.push_back(&n);
  return up.empty() ? nullptr : up[rng_.Uniform(up.size())];
}

uint64_t Simulation::MaxCommitKnown() const {
  uint64_t c = check_.max_applied();
  for (const auto& [id, n] : nodes_) {
    if (n.up) c = std::max(c, n.rn->raft().raft_log().committed());
  }
  return c;
}

void Simulation::Deliver() {
  for (auto& m : net_.Due(now_)) {
    Node* from = nodes_.count(m.from()) ? &nodes_.at(m.from()) : nullptr;
    auto it = nodes_.find(m.to());
    bool lost = it == nodes_.end() || !it->second.up || net_.Blocked(m.from(), m.to()) ||
                (from != nullptr && from->removed);
    if (m.type() == raftpb::MsgSnap && from != nullptr && from->up) {
      from->rn->ReportSnapshot(m.to(), lost ? raft::SnapshotStatus::kFailure
                                            : raft::SnapshotStatus::kFinish);
    }
    if (lost) continue;
    it->second.rn->Step(std::move(m)).IgnoreError();
  }
}

void Simulation::Step(bool faults) {
  ++now_;
  faults_on_ = faults;
  for (auto& [id, n] : nodes_) {
    if (n.up && (now_ + n.phase) % kTickUnits == 0) n.rn->Tick();
    if (!n.up && !n.removed && n.restart_at != 0 && now_ >= n.restart_at) {
      Trace("restart " + std::to_string(id));
      n.restart_at = 0;
      StartNode(n);
    }
  }
  Deliver();
  if (faults) RandomFaults();
  for (auto& [id, n] : nodes_) {
    if (n.up && n.rn->HasReady()) HandleReady(n);
    if (n.up) check_.ObserveCommit(id, &n.mem_commit, n.rn->raft().raft_log().committed(), "commit index");
  }
}


bool Simulation::MaybeCrashMidReady(Node& n, raft::Ready& rd) {
  if (!faults_on_ || Chance() >= crash_p_ / 3) return false;
  if (n.rn->raft().state() == raft::StateType::kLeader) {
    // A leader sends in parallel with its own write (etcd does); crash before the
    // write lands: its new entries exist only on followers, if anywhere.
    Trace("crash of leader " + std::to_string(n.id) + " before its write");
    SendAll(n, rd);
  } else if (raft::IsEmptySnap(rd.snapshot) && !rd.entries.empty()) {
    // A torn write: a prefix of the entries is durable, the hard state is not, and
    // nothing was sent.
    raft::Entries prefix(rd.entries.begin(), rd.entries.begin() + rng_.Uniform(rd.entries.size() + 1));
    Trace("crash of " + std::to_string(n.id) + " after persisting " + std::to_string(prefix.size()) + " of " +
          std::to_string(rd.entries.size()) + " entries");
    check_.ObservePersist(&n.chain, prefix);
    n.disk->Append(prefix).IgnoreError();
  }
  Crash(n);
  return true;
}

void Simulation::SendAll(Node& n, raft::Ready& rd) {
  for (auto& m : rd.messages) {
    uint64_t to = m.to();
    bool snap = m.type() == raftpb::MsgSnap;
    if (snap && n.applied > m.snapshot().metadata().index()) {
      // Like etcd's server, ship the state as of now rather than the stored snapshot,
      // so a member added since that snapshot finds itself in the configuration.
      auto fresh = n.disk->CreateSnapshot(n.applied, &n.conf, std::to_string(n.digest));
      if (fresh.ok()) *m.mutable_snapshot() = *fresh;
    }
    auto it = nodes_.find(to);
    bool gone = it == nodes_.end() || it->second.removed;
    if (gone || !net_.Send(std::move(m), now_)) {
      if (snap && n.up) n.rn->ReportSnapshot(to, raft::SnapshotStatus::kFailure);
      if (n.up && rng_.Uniform(4) == 0) n.rn->ReportUnreachable(to);
    }
  }
}

void Simulation::HandleReady(Node& n) {
  raft::Ready rd = n.rn->GetReady();
  if (MaybeCrashMidReady(n, rd)) return;
  Persist(n, rd);
  if (rd.soft_state && rd.soft_state->state == raft::StateType::kLeader) {
    uint64_t term = n.rn->raft().term();
    ++leaders_seen_;
    Trace("leader " + std::to_string(n.id) + " term " + std::to_string(term));
    check_.ObserveLeader(term, n.id);
    // Leader completeness: everything committed in earlier terms is in our log.
    uint64_t c = check_.MaxAppliedBefore(term);
    uint64_t first = *n.disk->FirstIndex();
    if (c > *n.disk->LastIndex()) {
      check_.Fail("leader completeness: leader " + std::to_string(n.id) + " of term " +
                  std::to_string(term) + " lacks committed index " + std::to_string(c));
    } else if (c + 1 >= first && c > 0) {
      auto t = n.disk->Term(c);
      if (!t.ok() || *t != check_.AppliedTerm(c)) {
        check_.Fail("leader completeness: leader " + std::to_string(n.id) + " has a different entry at committed index " +
                    std::to_string(c));
      }
    }
  }
  SendAll(n, rd);
  Apply(n, rd);
  if (!n.up) return;  // applied its own removal
  n.rn->Advance(rd);
  MaybeSnapshot(n);
}

void Simulation::Persist(Node& n, const raft::Ready& rd) {
  if (!raft::IsEmptySnap(rd.snapshot)) {
    Status s = n.disk->ApplySnapshot(rd.snapshot);
    if (!s.ok()) check_.Fail("apply snapshot: " + s.ToString());
    check_.ObserveSnapshot(&n.chain, rd.snapshot.metadata().index(), rd.snapshot.metadata().term());
  }
  if (!rd.entries.empty()) {
    check_.ObservePersist(&n.chain, rd.entries);
    Status s = n.disk->Append(rd.entries);
    if (!s.ok()) check_.Fail("append: " + s.ToString());
  }
  if (!raft::IsEmptyHardState(rd.hard_state)) {
    check_.ObserveCommit(n.id, &n.disk_commit, rd.hard_state.commit(), "durable commit index");
    n.disk->SetHardState(rd.hard_state);
  }
}

void Simulation::Apply(Node& n, const raft::Ready& rd) {
  if (!raft::IsEmptySnap(rd.snapshot)) {
    const auto& md = rd.snapshot.metadata();
    if (md.index() < n.applied) check_.Fail("snapshot moves applied index backwards");
    n.applied = md.index();
    n.digest = std::stoull(rd.snapshot.data());
    n.conf = md.conf_state();
    check_.ObserveApply(n.id, md.index(), md.term(), n.digest);
  }
  for (const auto& e : rd.committed_entries) {
    if (e.index() != n.applied + 1) {
      check_.Fail("node " + std::to_string(n.id) + " applied index " + std::to_string(e.index()) +
                  " after " + std::to_string(n.applied));
      return;
    }
    n.applied = e.index();
    n.digest = Mix(Mix(Mix(n.digest, e.index()), e.term()), HashBytes(e.data()));
    check_.ObserveApply(n.id, e.index(), e.term(), n.digest);
    if (e.data().rfind("live", 0) == 0) ++live_seen_;
    if (e.type() == raftpb::EntryConfChange) {
      raftpb::ConfChange cc;
      cc.ParseFromString(e.data());
      n.conf = n.rn->ApplyConfChange(cc);
      Trace("node " + std::to_string(n.id) + " applied conf change " + std::to_string(cc.type()) + " " +
            std::to_string(cc.node_id()) + " at " + std::to_string(e.index()) + " -> " +
            raft::DescribeConfState(n.conf));
      if (cc.type() == raftpb::ConfChangeRemoveNode) {
        Remove(cc.node_id());
        if (!n.up) return;
      }
    }
  }
  for (const auto& rs : rd.read_states) {
    auto it = n.reads.find(rs.request_ctx);
    if (it == n.reads.end()) continue;  // duplicate answer
    check_.ObserveRead(n.id, rs.index, it->second);
    n.reads.erase(it);
  }
}

void Simulation::MaybeSnapshot(Node& n) {
  uint64_t snap_index = n.disk->GetSnapshot()->metadata().index();
  if (n.applied < snap_index + snapshot_every_) return;
  auto snap = n.disk->CreateSnapshot(n.applied, &n.conf, std::to_string(n.digest));
  if (!snap.ok()) {
    check_.Fail("create snapshot: " + snap.status().ToString());
    return;
  }
  // Keep a few entries behind the snapshot so slightly lagging followers catch up
  // from the log and far-behind ones need the snapshot.
  uint64_t keep = rng_.Uniform(8);
  uint64_t first = *n.disk->FirstIndex();
  if (n.applied > keep && n.applied - keep >= first) n.disk->Compact(n.applied - keep).IgnoreError();
}

void Simulation::RandomPartition() {
  net_.Heal();
  std::vector<uint64_t> ids;
  for (auto& [id, n] : nodes_)
    if (!n.removed) ids.push_back(id);
  if (rng_.Uniform(2) == 0) {
    // Symmetric split into two sides.
    std::map<uint64_t, int> side;
    for (uint64_t id : ids) side[id] = static_cast<int>(rng_.Uniform(2));
    for (uint64_t a : ids)
      for (uint64_t b : ids)
        if (side[a] != side[b]) net_.Block(a, b);
    Trace("partition (symmetric)");
  } else {
    // A few one-way cuts.
    int cuts = 1 + static_cast<int>(rng_.Uniform(3));
    for (int i = 0; i < cuts; ++i) {
      uint64_t a = ids[rng_.Uniform(ids.size())], b = ids[rng_.Uniform(ids.size())];
      if (a != b) net_.Block(a, b);
    }
    Trace("partition (asymmetric)");
  }
}

void Simulation::RandomConfChange() {
  Node* l = Leader();
  if (l == nullptr) return;
  std::vector<uint64_t> voters(l->conf.voters().begin(), l->conf.voters().end());
  std::vector<uint64_t> learners(l->conf.learners().begin(), l->conf.learners().end());
  raftpb::ConfChange cc;
  int members = static_cast<int>(voters.size() + learners.size());
  uint64_t r = rng_.Uniform(4);
  if (r == 0 && members < max_nodes_) {
    cc.set_type(rng_.Uniform(2) == 0 ? raftpb::ConfChangeAddLearnerNode : raftpb::ConfChangeAddNode);
    // Reuse a started node that never made it in, else start a new one.
    uint64_t id = 0;
    for (auto& [nid, n] : nodes_) {
      bool member = false;
      for (uint64_t v : voters) member |= v == nid;
      for (uint64_t v : learners) member |= v == nid;
      if (!member && !n.removed) id = nid;
    }
    if (id == 0) {
      Node& n = nodes_[next_id_];
      n.id = next_id_++;
      n.disk = std::make_unique<raft::MemoryStorage>();
      n.phase = rng_.Uniform(kTickUnits);
      StartNode(n);
      id = n.id;
    }
    cc.set_node_id(id);
  } else if (r == 1 && !learners.empty()) {
    cc.set_type(raftpb::ConfChangeAddNode);
    cc.set_node_id(learners[rng_.Uniform(learners.size())]);
  } else if (r == 2 && voters.size() > 3) {
    cc.set_type(raftpb::ConfChangeRemoveNode);
    cc.set_node_id(voters[rng_.Uniform(voters.size())]);
  } else if (r == 3 && !learners.empty()) {
    cc.set_type(raftpb::ConfChangeRemoveNode);
    cc.set_node_id(learners[rng_.Uniform(learners.size())]);
  } else {
    return;
  }
  Trace("propose conf change " + std::to_string(cc.type()) + " node " + std::to_string(cc.node_id()));
  l->rn->ProposeConfChange(cc).IgnoreError();
}

void Simulation::RandomFaults() {
  double p = Chance();
  double crash_end = 0.08 + crash_p_;
  double part_end = crash_end + partition_p_;
  double heal_end = part_end + 0.002;
  if (p < 0.06) {
    if (Node* n = RandomUp()) {
      std::string data = "p" + std::to_string(++seq_);
      data.resize(data.size() + rng_.Uniform(64), '.');
      n->rn->Propose(std::move(data)).IgnoreError();
    }
  } else if (p < 0.08) {
    if (Node* n = RandomUp()) {
      std::string ctx = "r" + std::to_string(++seq_);
      n->reads[ctx] = MaxCommitKnown();
      n->rn->ReadIndex(ctx);
    }
  } else if (p < crash_end) {
    if (Node* n = RandomUp()) Crash(*n);
  } else if (p < part_end) {
    RandomPartition();
  } else if (p < heal_end) {
    Trace("heal");
    net_.Heal();
  } else if (p < heal_end + 0.001) {
    RandomConfChange();
  } else if (p < heal_end + 0.002) {
    Node* l = Leader();
    if (l != nullptr && l->conf.voters_size() > 0) {
      uint64_t to = l->conf.voters(static_cast<int>(rng_.Uniform(l->conf.voters_size())));
      Trace("transfer leadership to " + std::to_string(to));
      l->rn->TransferLeader(to);
    }
  }
}

SimResult Simulation::Run() {
  SimResult res;
  Configure();
  int s = 0;
  for (; s < opts_.safety_steps && check_.ok(); ++s) Step(true);
  // Liveness: heal everything, restart everyone, then require progress within a bound.
  if (check_.ok()) {
    Trace("liveness phase");
    net_.Heal();
    net_.set_faults({net_.faults().max_delay, 0.0, 0.0});
    for (auto& [id, n] : nodes_) {
      if (!n.up && !n.removed) StartNode(n);
    }
    uint64_t live_before = live_seen_;
    int l = 0;
    for (; l < opts_.liveness_steps && check_.ok(); ++l, ++s) {
      Step(false);
      if (l % 50 == 0) {
        Node* target = Leader();
        if (target == nullptr) target = RandomUp();
        if (target) target->rn->Propose("live" + std::to_string(++seq_)).IgnoreError();
      }
      if (live_seen_ > live_before && Leader() != nullptr) break;
    }
    if (check_.ok() && l >= opts_.liveness_steps) {
      check_.Fail("liveness: no leader with a new commit within " + std::to_string(opts_.liveness_steps) +
                  " steps after healing");
    }
  }
  if (!check_.ok() && opts_.verbose) {
    for (auto& [id, n] : nodes_) {
      std::string st = "node " + std::to_string(id) + (n.removed ? " removed" : n.up ? " up" : " down");
      if (n.up) {
        const auto& r = n.rn->raft();
        st += std::string(" ") + raft::StateTypeName(r.state()) + " term=" + std::to_string(r.term()) +
              " lead=" + std::to_string(r.lead()) + " commit=" + std::to_string(r.raft_log().committed()) +
              " applied=" + std::to_string(n.applied) + " last=" + std::to_string(r.raft_log().LastIndex()) +
              " conf=" + raft::DescribeConfState(n.conf);
        if (r.state() == raft::StateType::kLeader) {
          for (const auto& [pid, pr] : r.prs().progress()) st += "\n    " + std::to_string(pid) + ": " + pr.ToString();
        }
      }
      Trace(st);
    }
  }
  res.ok = check_.ok();
  res.error = check_.error();
  res.step = static_cast<uint64_t>(s);
  res.commits = check_.max_applied();
  res.leaders = leaders_seen_;
  return res;
}
}  // namespace

SimResult RunSimulation(const SimOptions& options) {
  Simulation sim(options);
  return sim.Run();
}

}  // namespace etcdpp::sim
