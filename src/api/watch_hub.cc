#include "api/watch_hub.h"

#include <tuple>
#include <vector>

namespace etcdpp::api {

using Clock = std::chrono::steady_clock;

WatchHub::WatchHub(WatchHubOptions options)
    : options_(options),
      rng_(options.seed != 0 ? options.seed : std::random_device{}()),
      next_period_(Clock::now() + options.period) {
  thread_ = std::thread([this] { Run(); });
}

WatchHub::~WatchHub() { Stop(); }

Clock::time_point WatchHub::NextTickLocked() {
  // etcd adds up to a tenth of the interval at random, so that watchers created together
  // (a client reconnecting) are not all notified at the same moment.
  const int64_t interval = options_.progress_interval.count();
  const int64_t jitter = interval >= 10 ? static_cast<int64_t>(rng_() % (interval / 10)) : 0;
  return Clock::now() + std::chrono::milliseconds(interval + jitter);
}

uint64_t WatchHub::Add(std::shared_ptr<WatchSession> session) {
  {
    std::lock_guard lock(mu_);
    if (!stop_) {
      const uint64_t id = next_id_++;
      const auto tick = NextTickLocked();
      sessions_[id] = Entry{std::move(session), tick};
      ticks_.emplace(tick, id);
      ready_.insert(id);
      cv_.notify_all();
      return id;
    }
  }
  session->Close();
  return 0;
}

void WatchHub::EraseLocked(uint64_t id) {
  auto it = sessions_.find(id);
  ticks_.erase({it->second.next_tick, id});
  sessions_.erase(it);
  ready_.erase(id);
  blocked_.erase(id);
  held_.erase(id);
}

void WatchHub::Remove(uint64_t id) {
  std::shared_ptr<WatchSession> session;
  {
    std::lock_guard lock(mu_);
    auto it = sessions_.find(id);
    if (it == sessions_.end()) return;
    session = std::move(it->second.session);
    EraseLocked(id);
  }
  session->Close();  // outside the hub's lock: closing takes the store's lock
}

void WatchHub::Wake(uint64_t id) {
  std::lock_guard lock(mu_);
  if (sessions_.count(id) == 0) return;
  ready_.insert(id);
  cv_.notify_all();
}

size_t WatchHub::session_count() const {
  std::lock_guard lock(mu_);
  return sessions_.size();
}

void WatchHub::Stop() {
  std::map<uint64_t, Entry> sessions;
  {
    std::lock_guard lock(mu_);
    stop_ = true;
    sessions.swap(sessions_);
    ticks_.clear();
    ready_.clear();
    blocked_.clear();
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  for (auto& [id, e] : sessions) e.session->Close();
}

void WatchHub::Run() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    Clock::time_point wake_at = Clock::now() + std::chrono::seconds(1);
    if (options_.on_period) wake_at = std::min(wake_at, next_period_);
    if (!ticks_.empty()) wake_at = std::min(wake_at, ticks_.begin()->first);
    if (!blocked_.empty()) wake_at = std::min(wake_at, Clock::now() + options_.retry_interval);
    for (const auto& [id, until] : held_) wake_at = std::min(wake_at, until);
    cv_.wait_until(lock, wake_at, [&] { return stop_ || !ready_.empty(); });
    if (stop_) return;

    // Pick the work under the lock, do it without: sessions call into the store, whose
    // notifier calls Wake.
    const auto now = Clock::now();
    std::vector<std::shared_ptr<WatchSession>> tick;
    while (!ticks_.empty() && ticks_.begin()->first <= now) {
      const uint64_t id = ticks_.begin()->second;
      ticks_.erase(ticks_.begin());
      Entry& e = sessions_.at(id);
      e.next_tick = NextTickLocked();
      ticks_.emplace(e.next_tick, id);
      tick.push_back(e.session);
    }
    std::vector<std::pair<uint64_t, std::shared_ptr<WatchSession>>> flush;
    ready_.merge(blocked_);  // blocked sessions are retried on every round
    for (auto it = held_.begin(); it != held_.end();) {
      if (it->second <= now) {
        ready_.insert(it->first);
        it = held_.erase(it);
      } else {
        ++it;
      }
    }
    for (uint64_t id : ready_) flush.emplace_back(id, sessions_.at(id).session);
    ready_.clear();
    blocked_.clear();
    const bool period_due = options_.on_period && next_period_ <= now;
    if (period_due) next_period_ = now + options_.period;
    lock.unlock();

    if (period_due) options_.on_period();
    for (auto& s : tick) s->Tick();  // queues into the store; the notifier wakes us again
    std::vector<std::tuple<uint64_t, WatchSession::FlushResult, Clock::time_point>> results;
    for (auto& [id, s] : flush) {
      const auto result = s->Flush();
      results.emplace_back(id, result, result == WatchSession::FlushResult::kHeld ? s->held_until() : now);
    }
    std::vector<std::shared_ptr<WatchSession>> gone;
    lock.lock();
    for (auto [id, result, until] : results) {
      auto it = sessions_.find(id);
      if (it == sessions_.end()) continue;  // removed meanwhile
      if (result == WatchSession::FlushResult::kBlocked) blocked_.insert(id);
      if (result == WatchSession::FlushResult::kHeld) held_[id] = until;
      if (result == WatchSession::FlushResult::kGone) {
        gone.push_back(std::move(it->second.session));
        EraseLocked(id);
      }
    }
    if (!gone.empty()) {
      lock.unlock();
      for (auto& s : gone) s->Close();
      gone.clear();
      lock.lock();
    }
  }
}

}  // namespace etcdpp::api
