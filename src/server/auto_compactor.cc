#include "server/auto_compactor.h"

#include <cctype>

#include "base/flag_set.h"
#include "server/errors.h"

namespace etcdpp::server {
namespace {

using std::chrono::milliseconds;

bool IsUnsignedInt(const std::string& s) {
  if (s.empty() || s.size() > 18) return false;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

Result<AutoCompactionOptions> ParseAutoCompaction(const std::string& mode, const std::string& retention) {
  AutoCompactionOptions o;
  o.revision_mode = mode == "revision";
  std::string text = retention.empty() ? "0" : retention;
  if (IsUnsignedInt(text)) {
    const int64_t n = std::stoll(text);
    if (o.revision_mode) {
      o.retention_revs = n;
    } else {
      o.period = std::chrono::hours(n);
    }
    return o;
  }
  auto d = ParseGoDuration(text);
  if (!d.ok()) return InvalidArgument("error parsing CompactionRetention: " + d.status().message());
  // etcd hands a duration to revision mode as its nanosecond count of revisions.
  if (o.revision_mode) {
    o.retention_revs = d->count();
  } else {
    o.period = std::chrono::duration_cast<milliseconds>(*d);
  }
  return o;
}

AutoCompactor::AutoCompactor(AutoCompactionOptions options, RevFn rev, IsLeaderFn is_leader, CompactFn compact,
                             Logger* logger)
    : options_(options),
      rev_(std::move(rev)),
      is_leader_(std::move(is_leader)),
      compact_(std::move(compact)),
      log_(logger) {}

AutoCompactor::~AutoCompactor() { Stop(); }

void AutoCompactor::Start() {
  thread_ = std::thread([this] { options_.revision_mode ? RunRevision() : RunPeriodic(); });
}

void AutoCompactor::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool AutoCompactor::Sleep(milliseconds d) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, d, [&] { return stop_; });
  return !stop_;
}

void AutoCompactor::LogStart(int64_t rev) {
  if (!log_) return;
  if (options_.revision_mode) {
    log_->Log(LogLevel::kNotice, "compactor",
              "Starting auto-compaction at revision " + std::to_string(rev) + " (retention: " +
                  std::to_string(options_.retention_revs) + " revisions)",
              "starting auto revision compaction",
              {LogField::Int("revision", rev), LogField::Int("revision-compaction-retention", options_.retention_revs)});
  } else {
    const std::string period = FormatGoDuration(options_.period);
    log_->Log(LogLevel::kNotice, "compactor",
              "Starting auto-compaction at revision " + std::to_string(rev) + " (retention: " + period + ")",
              "starting auto periodic compaction",
              {LogField::Int("revision", rev), LogField::Str("compact-period", period)});
  }
}

void AutoCompactor::LogOutcome(int64_t rev, const Status& s, milliseconds retry) {
  if (!log_) return;
  const char* kind = options_.revision_mode ? "revision" : "periodic";
  if (s.ok()) {
    log_->Log(LogLevel::kNotice, "compactor", "Finished auto-compaction at revision " + std::to_string(rev),
              std::string("completed auto ") + kind + " compaction", {LogField::Int("revision", rev)});
    return;
  }
  log_->Log(LogLevel::kNotice, "compactor",
            "Failed auto-compaction at revision " + std::to_string(rev) + " (" + s.message() + ")",
            std::string("failed auto ") + kind + " compaction",
            {LogField::Int("revision", rev), LogField::Str("retry-interval", FormatGoDuration(retry)),
             LogField::Str("error", s.message())});
  log_->Notice("compactor", "Retry after " + FormatGoDuration(retry));
}

void AutoCompactor::RunRevision() {
  int64_t prev = 0;
  while (Sleep(options_.revision_interval)) {
    if (!is_leader_()) continue;
    const int64_t rev = rev_() - options_.retention_revs;
    if (rev <= 0 || rev == prev) continue;
    LogStart(rev);
    Status s = compact_(rev);
    if (s.ok() || errors::kCompacted.Is(s)) {
      prev = rev;
      s = Status();
    }
    LogOutcome(rev, s, options_.revision_interval);
  }
}

void AutoCompactor::RunPeriodic() {
  const milliseconds period = options_.period;
  const milliseconds capped = std::min<milliseconds>(period, std::chrono::hours(1));
  const milliseconds retry = std::max<milliseconds>(capped / 10, milliseconds(1));
  const size_t retentions = static_cast<size_t>(period / retry) + 1;
  auto last_success = std::chrono::steady_clock::now();
  milliseconds base = period;
  std::deque<int64_t> revs;  // revs.front() is the revision sampled a period ago
  while (true) {
    revs.push_back(rev_());
    if (revs.size() > retentions) revs.pop_front();
    if (!Sleep(retry)) return;
    if (!is_leader_()) continue;
    if (std::chrono::steady_clock::now() - last_success < base) continue;
    base = capped;
    const int64_t rev = revs.front();
    LogStart(rev);
    Status s = compact_(rev);
    if (s.ok() || errors::kCompacted.Is(s)) {
      s = Status();
      last_success = std::chrono::steady_clock::now();
    }
    LogOutcome(rev, s, retry);
  }
}

}  // namespace etcdpp::server
