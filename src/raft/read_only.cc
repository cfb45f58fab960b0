#include "raft/read_only.h"

namespace etcdpp::raft {

void ReadOnly::AddRequest(uint64_t index, const raftpb::Message& m) {
  const std::string& ctx = m.entries(0).data();
  if (pending_.count(ctx)) return;
  ReadIndexStatus st;
  st.req = m;
  st.index = index;
  pending_.emplace(ctx, std::move(st));
  queue_.push_back(ctx);
}

std::vector<uint64_t> ReadOnly::RecvAck(uint64_t id, const std::string& ctx) {
  auto it = pending_.find(ctx);
  if (it == pending_.end()) return {};
  it->second.acks.insert(id);
  return std::vector<uint64_t>(it->second.acks.begin(), it->second.acks.end());
}

std::vector<ReadIndexStatus> ReadOnly::Advance(const std::string& ctx) {
  std::vector<ReadIndexStatus> out;
  size_t n = 0;
  bool found = false;
  for (const auto& c : queue_) {
    ++n;
    if (c == ctx) {
      found = true;
      break;
    }
  }
  if (!found) return out;
  for (size_t i = 0; i < n; ++i) {
    auto it = pending_.find(queue_.front());
    if (it != pending_.end()) {
      out.push_back(std::move(it->second));
      pending_.erase(it);
    }
    queue_.pop_front();
  }
  return out;
}

std::string ReadOnly::LastPendingRequestCtx() const {
  return queue_.empty() ? std::string() : queue_.back();
}

}  // namespace etcdpp::raft
