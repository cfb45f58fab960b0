#include "tests/sim/sim_network.h"

#include <algorithm>

namespace etcdpp::sim {

bool SimNetwork::Send(raftpb::Message m, uint64_t now) {
  if (Blocked(m.from(), m.to())) return false;
  if (faults_.loss > 0 && Chance() < faults_.loss) return false;
  int copies = (faults_.duplicate > 0 && Chance() < faults_.duplicate) ? 2 : 1;
  for (int i = 0; i < copies; ++i) {
    uint64_t delay = 1 + rng_->Uniform(faults_.max_delay);
    queue_.push_back({now + delay, seq_++, i + 1 < copies ? m : std::move(m)});
  }
  return true;
}

std::vector<raftpb::Message> SimNetwork::Due(uint64_t now) {
  std::vector<raftpb::Message> out;
  // Stable order for equal times keeps runs reproducible; random delays reorder.
  std::vector<InFlight> keep;
  std::vector<InFlight> due;
  for (auto& f : queue_) (f.at <= now ? due : keep).push_back(std::move(f));
  queue_ = std::move(keep);
  std::sort(due.begin(), due.end(), [](const InFlight& a, const InFlight& b) {
    return a.at != b.at ? a.at < b.at : a.seq < b.seq;
  });
  out.reserve(due.size());
  for (auto& f : due) out.push_back(std::move(f.msg));
  return out;
}

}  // namespace etcdpp::sim
