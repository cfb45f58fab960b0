// Data-driven interaction tests: scripts in testdata/*.txt drive a TestCluster (add
// nodes, campaign, propose, deliver, stabilize, ...) and the printed messages and state
// must match the expected output recorded under each command. Run with
// ETCDPP_REWRITE=1 to rewrite the expected output from the actual one (review the
// diff like code).
//
// File format: a command line, "----", the expected output lines, then a blank line.
// Lines starting with '#' between blocks are comments.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "raft/test_cluster.h"

namespace etcdpp::raft {
namespace {

namespace fs = std::filesystem;

struct Block {
  std::vector<std::string> comments;
  std::string command;
  std::string expected;
  int line = 0;
};

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, sep))
    if (!item.empty()) out.push_back(item);
  return out;
}

std::vector<Block> Parse(const std::string& path) {
  std::ifstream in(path);
  std::vector<Block> blocks;
  Block cur;
  std::string line;
  int n = 0;
  enum { kCmd, kOut } mode = kCmd;
  while (std::getline(in, line)) {
    ++n;
    if (mode == kCmd) {
      if (line.empty()) continue;
      if (line[0] == '#') {
        cur.comments.push_back(line);
      } else if (line == "----") {
        mode = kOut;
      } else {
        cur.command = line;
        cur.line = n;
      }
    } else if (line.empty()) {
      blocks.push_back(cur);
      cur = Block();
      mode = kCmd;
    } else {
      cur.expected += line + "\n";
    }
  }
  if (mode == kOut) blocks.push_back(cur);
  return blocks;
}

fs::path TestDataDir() {
  std::vector<fs::path> starts = {fs::path(__FILE__).parent_path(), fs::current_path()};
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) starts.push_back(exe.parent_path());
  for (const auto& s : starts) {
    if (fs::exists(s / "testdata" / "election.txt")) return s / "testdata";
    for (fs::path p = s; !p.empty() && p != p.root_path(); p = p.parent_path()) {
      if (fs::exists(p / "src/raft/testdata/election.txt")) return p / "src/raft/testdata";
    }
  }
  return {};
}

class Interpreter {
 public:
  std::string Run(const std::string& command) {
    out_.str("");
    auto args = Split(command, ' ');
    const std::string& cmd = args[0];
    if (cmd == "add-nodes") {
      AddNodes(args);
    } else if (cluster_ == nullptr) {
      return "error: add-nodes first\n";
    } else {
      Dispatch(cmd, args);
    }
    std::string s = out_.str();
    return s.empty() ? "ok\n" : s;
  }

 private:
  static uint64_t Num(const std::string& s) { return std::strtoull(s.c_str(), nullptr, 10); }
  static std::vector<uint64_t> Ids(const std::string& list) {
    std::vector<uint64_t> ids;
    for (const auto& p : Split(list, ',')) ids.push_back(Num(p));
    return ids;
  }

  void AddNodes(const std::vector<std::string>& args) {
    std::vector<uint64_t> voters, learners;
    TestClusterOptions o;
    for (size_t i = 1; i < args.size(); ++i) {
      const std::string& a = args[i];
      if (a.rfind("voters=", 0) == 0) voters = Ids(a.substr(7));
      if (a.rfind("learners=", 0) == 0) learners = Ids(a.substr(9));
      if (a == "prevote") o.pre_vote = true;
      if (a == "checkquorum") o.check_quorum = true;
      if (a == "lease") o.read_only = ReadOnlyOption::kLeaseBased;
      if (a.rfind("inflight=", 0) == 0) o.max_inflight = static_cast<int>(Num(a.substr(9)));
    }
    cluster_ = std::make_unique<TestCluster>(voters, learners, o);
  }

  void Dispatch(const std::string& cmd, const std::vector<std::string>& a) {
    TestCluster& c = *cluster_;
    if (cmd == "campaign") {
      c.Campaign(Num(a[1]));
    } else if (cmd == "propose") {
      Result(c.Propose(Num(a[1]), a[2]));
    } else if (cmd == "propose-conf-change") {
      raftpb::ConfChange cc;
      static const std::pair<const char*, raftpb::ConfChangeType> kTypes[] = {
          {"add", raftpb::ConfChangeAddNode}, {"remove", raftpb::ConfChangeRemoveNode},
          {"learner", raftpb::ConfChangeAddLearnerNode}, {"update", raftpb::ConfChangeUpdateNode}};
      for (auto [name, t] : kTypes) {
        if (a[2].rfind(name, 0) == 0) {
          cc.set_type(t);
          cc.set_node_id(Num(a[2].substr(std::string(name).size())));
        }
      }
      Result(c.node(Num(a[1])).ProposeConfChange(cc));
    } else if (cmd == "read-index") {
      c.node(Num(a[1])).ReadIndex(a[2]);
    } else if (cmd == "transfer-leadership") {
      c.node(Num(a[1])).TransferLeader(Num(a[2]));
    } else if (cmd == "tick-election") {
      c.TickToElection(Num(a[1]));
    } else if (cmd == "tick-heartbeat") {
      c.Tick(Num(a[1]));
    } else if (cmd == "tick") {
      c.Tick(Num(a[1]), static_cast<int>(Num(a[2])));
    } else if (cmd == "isolate") {
      c.Isolate(Num(a[1]));
    } else if (cmd == "cut") {
      c.Cut(Num(a[1]), Num(a[2]));
    } else if (cmd == "heal") {
      c.Heal();
    } else if (cmd == "add-empty-node") {
      c.AddNode(Num(a[1]), nullptr);
    } else if (cmd == "restart") {
      c.Restart(Num(a[1]));
    } else if (cmd == "deliver") {
      Round();
    } else if (cmd == "stabilize") {
      for (int i = 0; i < 1000 && Round(); ++i) {
      }
    } else if (cmd == "status") {
      for (uint64_t id : c.ids()) Status(id);
    } else if (cmd == "raft-log") {
      for (const auto& e : c.raft(Num(a[1])).raft_log().AllEntries()) out_ << DescribeEntry(e) << "\n";
    } else if (cmd == "applied") {
      for (const auto& d : c.AppliedData(Num(a[1]))) out_ << d << "\n";
    } else if (cmd == "read-states") {
      for (const auto& rs : c.state(Num(a[1])).read_states)
        out_ << "index=" << rs.index << " ctx=" << rs.request_ctx << "\n";
      c.state(Num(a[1])).read_states.clear();
    } else if (cmd == "snapshot") {
      uint64_t id = Num(a[1]);
      uint64_t applied = c.raft(id).raft_log().applied();
      raftpb::ConfState cs = c.raft(id).prs().ConfState();
      Result(c.storage(id).CreateSnapshot(applied, &cs, "snap").status());
      Result(c.storage(id).Compact(applied));
      out_ << "snapshot at " << applied << ", log starts at " << *c.storage(id).FirstIndex() << "\n";
    } else if (cmd == "report-snapshot") {
      c.node(Num(a[1])).ReportSnapshot(Num(a[2]), a[3] == "ok" ? SnapshotStatus::kFinish
                                                                : SnapshotStatus::kFailure);
    } else {
      out_ << "error: unknown command " << cmd << "\n";
    }
  }

  void Result(const etcdpp::Status& s) {
    if (!s.ok()) out_ << "error: " << s.message() << "\n";
  }

  // One round: every node's Ready is handled and its messages delivered.
  bool Round() {
    bool any = false;
    for (uint64_t id : cluster_->ids()) any |= cluster_->node(id).HasReady();
    if (!any) return false;
    auto msgs = cluster_->Flush();
    for (const auto& m : msgs) out_ << DescribeMessage(m) << "\n";
    cluster_->Deliver(msgs);
    return true;
  }

  void Status(uint64_t id) {
    Raft& r = cluster_->raft(id);
    out_ << id << ": " << StateTypeName(r.state()) << " term=" << r.term() << " lead=" << r.lead()
         << " commit=" << r.raft_log().committed() << " applied=" << r.raft_log().applied()
         << " last=" << r.raft_log().LastIndex() << " " << DescribeConfState(r.prs().ConfState()) << "\n";
    if (r.state() == StateType::kLeader) {
      for (const auto& [pid, pr] : r.prs().progress()) out_ << "  " << pid << ": " << pr.ToString() << "\n";
    }
  }

  std::unique_ptr<TestCluster> cluster_;
  std::ostringstream out_;
};

void RunFile(const fs::path& path) {
  auto blocks = Parse(path.string());
  ASSERT_FALSE(blocks.empty()) << path;
  Interpreter interp;
  bool rewrite = std::getenv("ETCDPP_REWRITE") != nullptr;
  std::ostringstream rewritten;
  for (auto& b : blocks) {
    std::string actual = interp.Run(b.command);
    if (rewrite) {
      for (const auto& c : b.comments) rewritten << c << "\n";
      rewritten << b.command << "\n----\n" << actual << "\n";
    } else {
      EXPECT_EQ(b.expected, actual) << path.filename().string() << ":" << b.line << ": " << b.command;
    }
  }
  if (rewrite) std::ofstream(path) << rewritten.str();
}

class Interaction : public ::testing::TestWithParam<std::string> {};

TEST_P(Interaction, MatchesRecordedOutput) {
  fs::path dir = TestDataDir();
  ASSERT_FALSE(dir.empty()) << "src/raft/testdata not found";
  RunFile(dir / GetParam());
}

INSTANTIATE_TEST_SUITE_P(Scripts, Interaction,
                         ::testing::Values("election.txt", "prevote.txt", "checkquorum.txt",
                                           "replication.txt", "read_index.txt", "transfer.txt",
                                           "learner.txt", "confchange.txt", "snapshot.txt"),
                         [](const auto& info) {
                           std::string n = info.param.substr(0, info.param.size() - 4);
                           return n;
                         });

}  // namespace
}  // namespace etcdpp::raft
