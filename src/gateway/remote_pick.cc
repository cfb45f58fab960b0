#include "gateway/remote_pick.h"

namespace etcdpp::gateway {

std::string Remote::Address() const {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

int PickRemote(const std::vector<Remote>& remotes, size_t* round, std::mt19937& rng) {
  std::vector<size_t> weighted;
  std::vector<size_t> unweighted;
  int weight_sum = 0;
  uint32_t best = UINT32_MAX;
  for (size_t i = 0; i < remotes.size(); ++i) {
    const Remote& r = remotes[i];
    if (!r.active || r.priority > best) continue;
    if (r.priority < best) {  // a better class: start it over
      best = r.priority;
      weighted.clear();
      unweighted.clear();
      weight_sum = 0;
    }
    if (r.weight > 0) {
      weighted.push_back(i);
      weight_sum += r.weight;
    } else {
      unweighted.push_back(i);
    }
  }
  if (!weighted.empty()) {
    // RFC 2782: weight-0 records get a very small chance when others have weights.
    if (!unweighted.empty() && std::uniform_int_distribution<int>(0, 99)(rng) == 1) {
      return static_cast<int>(unweighted[(*round)++ % unweighted.size()]);
    }
    // RFC 2782's draw: the first record whose running weight sum reaches a number drawn
    // from 1..sum, so each is picked in proportion to its weight. (etcd 3.4 draws from
    // 0..sum-1 against the same test, which favours the first record by one.)
    int choose = std::uniform_int_distribution<int>(1, weight_sum)(rng);
    for (size_t i : weighted) {
      choose -= remotes[i].weight;
      if (choose <= 0) return static_cast<int>(i);
    }
    return static_cast<int>(weighted.back());
  }
  if (!unweighted.empty()) {
    // etcd's round robin runs over every endpoint, skipping the inactive ones.
    for (size_t tries = 0; tries < remotes.size(); ++tries) {
      const size_t i = (*round)++ % remotes.size();
      if (remotes[i].active) return static_cast<int>(i);
    }
  }
  return -1;
}

}  // namespace etcdpp::gateway
