// Committed proposals per second through a 3-node in-memory raft cluster: the host
// loop persists each Ready to MemoryStorage, delivers messages directly and applies
// committed entries (counting them). Batched: many proposals per round; unbatched: one
// proposal, then run to commit.
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "raft/raw_node.h"

namespace etcdpp::raft {
namespace {

class BenchCluster {
 public:
  explicit BenchCluster(int n) {
    raftpb::ConfState cs;
    for (int i = 1; i <= n; ++i) cs.add_voters(i);
    for (int i = 1; i <= n; ++i) {
      auto node = std::make_unique<Node>();
      raftpb::Snapshot snap;
      snap.mutable_metadata()->set_index(1);
      snap.mutable_metadata()->set_term(1);
      *snap.mutable_metadata()->mutable_conf_state() = cs;
      ETCDPP_CHECK(node->storage.ApplySnapshot(snap).ok());
      node->rng = std::make_unique<SplitMixRng>(i);
      Config c;
      c.id = i;
      c.storage = &node->storage;
      c.rng = node->rng.get();
      c.max_inflight_msgs = 256;
      c.max_size_per_msg = 1024 * 1024;
      node->rn = std::move(RawNode::Create(c)).value();
      nodes_.push_back(std::move(node));
    }
    ETCDPP_CHECK(nodes_[0]->rn->Campaign().ok());
    Run();
    ETCDPP_CHECK(nodes_[0]->rn->raft().state() == StateType::kLeader);
  }

  RawNode& leader() { return *nodes_[0]->rn; }
  uint64_t applied_on_leader() const { return nodes_[0]->applied_count; }

  // Handles readies and delivers messages until the cluster is quiet.
  void Run() {
    for (int round = 0; round < 10000; ++round) {
      bool any = false;
      for (auto& n : nodes_) {
        if (!n->rn->HasReady()) continue;
        any = true;
        Ready rd = n->rn->GetReady();
        if (!rd.entries.empty()) ETCDPP_CHECK(n->storage.Append(rd.entries).ok());
        if (!IsEmptyHardState(rd.hard_state)) n->storage.SetHardState(rd.hard_state);
        for (auto& m : rd.messages) pending_.push_back(std::move(m));
        n->applied_count += rd.committed_entries.size();
        if (!rd.committed_entries.empty()) n->applied = rd.committed_entries.back().index();
        n->rn->Advance(rd);
        MaybeCompact(*n);
      }
      std::vector<raftpb::Message> msgs;
      msgs.swap(pending_);
      for (auto& m : msgs) nodes_[m.to() - 1]->rn->Step(std::move(m)).IgnoreError();
      if (!any && msgs.empty()) return;
    }
  }

 private:
  struct Node {
    MemoryStorage storage;
    std::unique_ptr<SplitMixRng> rng;
    std::unique_ptr<RawNode> rn;
    uint64_t applied = 0;
    uint64_t applied_count = 0;
  };

  // Keeps memory flat over long runs, as a server's periodic snapshots would.
  static void MaybeCompact(Node& n) {
    uint64_t first = *n.storage.FirstIndex();
    if (n.applied < first + 20000) return;
    ETCDPP_CHECK(n.storage.CreateSnapshot(n.applied, nullptr, "").ok());
    ETCDPP_CHECK(n.storage.Compact(n.applied - 1000).ok());
  }

  std::vector<std::unique_ptr<Node>> nodes_;
  std::vector<raftpb::Message> pending_;
};

void BM_ProposeUnbatched(benchmark::State& state) {
  BenchCluster c(3);
  std::string data(static_cast<size_t>(state.range(0)), 'v');
  uint64_t start = c.applied_on_leader();
  for (auto _ : state) {
    ETCDPP_CHECK(c.leader().Propose(data).ok());
    c.Run();
  }
  uint64_t committed = c.applied_on_leader() - start;
  ETCDPP_CHECK(committed >= static_cast<uint64_t>(state.iterations()));
  state.SetItemsProcessed(static_cast<int64_t>(committed));
}
BENCHMARK(BM_ProposeUnbatched)->Arg(128)->Arg(1024);

void BM_ProposeBatched(benchmark::State& state) {
  BenchCluster c(3);
  std::string data(128, 'v');
  int batch = static_cast<int>(state.range(0));
  uint64_t start = c.applied_on_leader();
  for (auto _ : state) {
    ETCDPP_CHECK(c.leader().ProposeBatch(std::vector<std::string>(batch, data)).ok());
    c.Run();
  }
  uint64_t committed = c.applied_on_leader() - start;
  ETCDPP_CHECK(committed >= static_cast<uint64_t>(state.iterations()) * batch);
  state.SetItemsProcessed(static_cast<int64_t>(committed));
}
BENCHMARK(BM_ProposeBatched)->Arg(16)->Arg(256);

}  // namespace
}  // namespace etcdpp::raft
