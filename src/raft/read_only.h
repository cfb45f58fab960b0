// ReadOnly: a leader's pending ReadIndex requests under ReadOnlySafe. Each request
// remembers the commit index when it arrived and collects heartbeat acknowledgements
// carrying its context; once a quorum acknowledged a request, it and every request
// queued before it are released. Owned by Raft; single-threaded.
#pragma once

#include <cstdint>
#include <deque>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "raft/config.h"
#include "raftpb/raft.pb.h"

namespace etcdpp::raft {

// The answer to a ReadIndex: once applied >= index, a read with this context may be
// served locally.
struct ReadState {
  uint64_t index = 0;
  std::string request_ctx;
};

struct ReadIndexStatus {
  raftpb::Message req;
  uint64_t index = 0;
  std::set<uint64_t> acks;
};

class ReadOnly {
 public:
  explicit ReadOnly(ReadOnlyOption option) : option_(option) {}

  ReadOnlyOption option() const { return option_; }
  // Queues a request (its context is entries[0].data); duplicates are ignored.
  void AddRequest(uint64_t index, const raftpb::Message& m);
  // Records an acknowledgement; returns the voters that acknowledged so far (empty if
  // the context is unknown).
  std::vector<uint64_t> RecvAck(uint64_t id, const std::string& ctx);
  // Releases the request with this context and everything queued before it.
  std::vector<ReadIndexStatus> Advance(const std::string& ctx);
  // The context of the newest request, empty when none: heartbeats carry it.
  std::string LastPendingRequestCtx() const;
  size_t pending() const { return queue_.size(); }

 private:
  ReadOnlyOption option_;
  std::unordered_map<std::string, ReadIndexStatus> pending_;
  std::deque<std::string> queue_;
};

}  // namespace etcdpp::raft
