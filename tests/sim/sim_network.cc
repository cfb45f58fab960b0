#include "tests/sim/sim_network.h"

#include <algorithm>

namespace etcdpp::sim {

bool SimNetwork::Send(raftpb::Message m, uint64_t now) {
  if (Blocked(m.from(), m.to())) return false;
  if (faults_.loss > 0 && Chance() < faults_.loss) return false;
  int copies = (faults_.duplicate > 0 && Chance() < faults_.duplicate) ? 2 : 1;
  for (int i = 0; i < copies; ++i) {
    uint64_t delay = 1 + rng_->Uniform(faults_.max_delay);
    auto boxed = std::make_unique<raftpb::Message>(i + 1 < copies ? m : std::move(m));
    queue_.push_back({now + delay, seq_++, std::move(boxed)});
    std::push_heap(queue_.begin(), queue_.end(), Later);
  }
  return true;
}

std::vector<raftpb::Message> SimNetwork::Due(uint64_t now) {
  std::vector<raftpb::Message> out;
  while (!queue_.empty() && queue_.front().at <= now) {
    std::pop_heap(queue_.begin(), queue_.end(), Later);
    out.push_back(std::move(*queue_.back().msg));
    queue_.pop_back();
  }
  return out;
}

}  // namespace etcdpp::sim
