// Config: how a raft node is set up (etcd's raft.Config), plus the seams the pure state
// machine needs from its host: a seeded random generator for election timeouts and an
// optional log sink. The host owns both and must keep them alive as long as the node;
// they are only called from the thread that drives the node.
#pragma once

#include <cstdint>
#include <limits>
#include <string_view>

namespace etcdpp::raft {

class Storage;

inline constexpr uint64_t kNone = 0;  // "no node": no leader, no vote
inline constexpr uint64_t kNoLimit = std::numeric_limits<uint64_t>::max();

// Where election-timeout randomness comes from. Deterministic given its seed so that
// simulations replay exactly.
class Rng {
 public:
  virtual ~Rng() = default;
  // A value uniformly drawn from [0, n); n > 0.
  virtual uint64_t Uniform(uint64_t n) = 0;
};

// SplitMix64: a tiny, fast, seedable Rng good enough for timeouts and simulations.
class SplitMixRng final : public Rng {
 public:
  explicit SplitMixRng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  uint64_t Uniform(uint64_t n) override { return Next() % n; }

 private:
  uint64_t state_;
};

enum class LogLevel { kDebug, kInfo, kWarning, kError };

// Receives one formatted line per notable event (elections, conflicts, restores).
class LogSink {
 public:
  virtual ~LogSink() = default;
  virtual void Log(LogLevel level, std::string_view line) = 0;
};

enum class ReadOnlyOption {
  // Confirms leadership with a heartbeat round before answering (linearizable always).
  kSafe,
  // Trusts the leader lease (needs check_quorum and bounded clock drift).
  kLeaseBased,
};

struct Config {
  uint64_t id = 0;  // this node's id; never 0
  // Ticks without hearing from a leader before a follower campaigns; the actual timeout
  // is drawn from [election_tick, 2*election_tick).
  int election_tick = 10;
  int heartbeat_tick = 1;
  Storage* storage = nullptr;  // not owned; must outlive the node
  // Last applied index when restarting; entries at or below it are never handed back.
  uint64_t applied = 0;
  uint64_t max_size_per_msg = 1024 * 1024;            // bytes of entries per MsgApp
  // Bytes of committed entries per Ready; 0 means max_size_per_msg (etcd's default).
  uint64_t max_committed_size_per_ready = kNoLimit;
  // Bytes of uncommitted payload a leader accepts; 0 means no limit (etcd's default).
  uint64_t max_uncommitted_entries_size = kNoLimit;
  int max_inflight_msgs = 256;                        // unacknowledged MsgApps per follower
  // Bytes of entry payloads in unacknowledged MsgApps per follower; 0 means no limit
  // (etcd 3.4 has none; later etcd raft calls it MaxInflightBytes).
  uint64_t max_inflight_bytes = 0;
  bool check_quorum = false;
  bool pre_vote = false;
  ReadOnlyOption read_only_option = ReadOnlyOption::kSafe;
  bool disable_proposal_forwarding = false;
  Rng* rng = nullptr;          // not owned; required
  LogSink* logger = nullptr;   // not owned; optional
};

}  // namespace etcdpp::raft
