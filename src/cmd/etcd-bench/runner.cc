#include "cmd/etcd-bench/runner.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>
#include <vector>

namespace etcdpp::bench {
namespace {

using Clock = std::chrono::steady_clock;

// Prints "[#####     ] done/total" to stderr until stopped.
class ProgressBar {
 public:
  ProgressBar(const std::atomic<uint64_t>& done, const RunPlan& plan, Clock::time_point start)
      : done_(done), plan_(plan), start_(start), thread_([this] { Loop(); }) {}
  ~ProgressBar() {
    {
      std::lock_guard lock(mu_);  // guards stop_
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
    Draw();
    std::fputc('\n', stderr);
  }

 private:
  void Loop() {
    std::unique_lock lock(mu_);
    while (!cv_.wait_for(lock, std::chrono::milliseconds(200), [this] { return stop_; })) Draw();
  }
  void Draw() {
    constexpr int kWidth = 40;
    double frac;
    uint64_t done = done_.load(std::memory_order_relaxed);
    if (plan_.total > 0) {
      frac = static_cast<double>(done) / static_cast<double>(plan_.total);
    } else {
      frac = std::chrono::duration<double>(Clock::now() - start_).count() / plan_.duration_s;
    }
    frac = std::min(1.0, frac);
    int filled = static_cast<int>(frac * kWidth);
    std::fprintf(stderr, "\r[%s%s] %3d%% %llu ops", std::string(filled, '#').c_str(),
                 std::string(kWidth - filled, ' ').c_str(), static_cast<int>(frac * 100),
                 static_cast<unsigned long long>(done));
    std::fflush(stderr);
  }

  const std::atomic<uint64_t>& done_;
  RunPlan plan_;
  Clock::time_point start_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace

RunPlan PlanFrom(const Options& o) {
  RunPlan p;
  p.clients = o.clients;
  p.duration_s = o.duration_s;
  p.total = o.duration_s > 0 ? 0 : o.total;
  p.rate = o.rate;
  p.progress = o.progress && isatty(STDERR_FILENO);
  return p;
}

RunOutcome Run(const RunPlan& plan, const Operation& op) {
  std::atomic<uint64_t> next{0}, done{0}, errors{0};
  std::mutex error_mu;  // guards first_error
  std::string first_error;
  std::vector<std::vector<double>> samples(plan.clients);
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::duration_cast<Clock::duration>(
                                    std::chrono::duration<double>(plan.duration_s));
  const auto interval = plan.rate > 0 ? std::chrono::duration_cast<Clock::duration>(
                                            std::chrono::duration<double>(1.0 / plan.rate))
                                      : Clock::duration::zero();

  auto worker = [&](int client) {
    auto& mine = samples[client];
    if (plan.total > 0) mine.reserve(plan.total / plan.clients + 1);
    while (true) {
      uint64_t seq = next.fetch_add(1, std::memory_order_relaxed);
      if (plan.total > 0 && seq >= plan.total) break;
      if (plan.rate > 0) std::this_thread::sleep_until(start + interval * seq);
      auto t0 = Clock::now();
      if (plan.total == 0 && t0 >= deadline) break;
      std::string err = op(client, seq);
      auto t1 = Clock::now();
      if (err.empty()) {
        mine.push_back(std::chrono::duration<double>(t1 - t0).count());
      } else if (errors.fetch_add(1) == 0) {
        std::lock_guard lock(error_mu);
        first_error = std::move(err);
      }
      done.fetch_add(1, std::memory_order_relaxed);
    }
  };

  {
    std::unique_ptr<ProgressBar> bar;
    if (plan.progress) bar = std::make_unique<ProgressBar>(done, plan, start);
    std::vector<std::thread> threads;
    threads.reserve(plan.clients);
    for (int c = 0; c < plan.clients; ++c) threads.emplace_back(worker, c);
    for (auto& t : threads) t.join();
  }
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<double> all;
  for (auto& s : samples) all.insert(all.end(), s.begin(), s.end());
  return {Summarize(all, errors.load(), elapsed), first_error};
}

}  // namespace etcdpp::bench
