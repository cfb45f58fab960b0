// raft-sim: runs deterministic raft simulations. `raft-sim --seeds N` runs seeds
// 1..N (or --start S .. S+N-1) and prints "N seeds passed", or the failing seed and the
// command that replays it; `raft-sim --seed S -v` replays one seed with a trace.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "tests/sim/simulator.h"

int main(int argc, char** argv) {
  etcdpp::sim::SimOptions base;
  uint64_t seeds = 100, start = 1;
  bool single = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> uint64_t {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "missing value for %s\n", a.c_str());
        std::exit(2);
      }
      return std::strtoull(argv[++i], nullptr, 10);
    };
    if (a == "--seeds") {
      seeds = next();
    } else if (a == "--start") {
      start = next();
    } else if (a == "--seed") {
      start = next();
      seeds = 1;
      single = true;
    } else if (a == "--nodes") {
      base.nodes = static_cast<int>(next());
    } else if (a == "--steps") {
      base.safety_steps = static_cast<int>(next());
    } else if (a == "-v" || a == "--verbose") {
      base.verbose = true;
    } else {
      std::fprintf(stderr,
                   "usage: raft-sim [--seeds N] [--start S] [--seed S] [--nodes 3|5] [--steps K] [-v]\n");
      return 2;
    }
  }
  auto t0 = std::chrono::steady_clock::now();
  uint64_t commits = 0, leaders = 0;
  for (uint64_t s = start; s < start + seeds; ++s) {
    etcdpp::sim::SimOptions o = base;
    o.seed = s;
    auto r = etcdpp::sim::RunSimulation(o);
    commits += r.commits;
    leaders += r.leaders;
    if (!r.ok) {
      std::printf("seed %llu FAILED at step %llu: %s\nreplay: raft-sim --seed %llu%s%s -v\n",
                  (unsigned long long)s, (unsigned long long)r.step, r.error.c_str(),
                  (unsigned long long)s, base.nodes ? (" --nodes " + std::to_string(base.nodes)).c_str() : "",
                  base.safety_steps != etcdpp::sim::SimOptions().safety_steps
                      ? (" --steps " + std::to_string(base.safety_steps)).c_str()
                      : "");
      return 1;
    }
    if (single) std::printf("seed %llu: %llu entries applied, %llu elections\n", (unsigned long long)s,
                            (unsigned long long)r.commits, (unsigned long long)r.leaders);
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("%llu seeds passed (%.1fs, %llu entries applied, %llu elections)\n",
              (unsigned long long)seeds, secs, (unsigned long long)commits, (unsigned long long)leaders);
  return 0;
}
