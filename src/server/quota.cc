#include "server/quota.h"

#include <cmath>
#include <cstdio>

namespace etcdpp::server {

std::string HumanBytes(uint64_t bytes) {
  if (bytes < 10) return std::to_string(bytes) + " B";
  static const char* kUnits[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
  const double e = std::floor(std::log(static_cast<double>(bytes)) / std::log(1000.0));
  const double val = std::floor(static_cast<double>(bytes) / std::pow(1000.0, e) * 10 + 0.5) / 10;
  char buf[64];
  std::snprintf(buf, sizeof buf, val < 10 ? "%.1f %s" : "%.0f %s", val, kUnits[static_cast<int>(e)]);
  return buf;
}

BackendQuota::BackendQuota(int64_t configured_bytes, Logger* log) : limit_bytes_(configured_bytes) {
  if (configured_bytes < 0) {
    if (log) {
      log->Log(LogLevel::kWarn, "etcdserver", "disabling backend quota", "disabled backend quota",
               {LogField::Str("quota-name", "v3-applier"), LogField::Int("quota-size-bytes", configured_bytes)});
    }
    return;
  }
  if (configured_bytes == 0) {
    limit_bytes_ = kDefaultQuotaBytes;
    if (log && log->structured()) {
      log->Info("etcdserver", "enabled backend quota with default value",
                {LogField::Str("quota-name", "v3-applier"), LogField::Int("quota-size-bytes", kDefaultQuotaBytes),
                 LogField::Str("quota-size", HumanBytes(kDefaultQuotaBytes))});
    }
    return;
  }
  if (!log) return;
  if (configured_bytes > kMaxQuotaBytes) {
    log->Log(LogLevel::kWarn, "etcdserver",
             "backend quota " + std::to_string(configured_bytes) + " exceeds maximum recommended quota " +
                 std::to_string(kMaxQuotaBytes),
             "quota exceeds the maximum value",
             {LogField::Str("quota-name", "v3-applier"), LogField::Int("quota-size-bytes", configured_bytes),
              LogField::Str("quota-size", HumanBytes(configured_bytes)),
              LogField::Int("quota-maximum-size-bytes", kMaxQuotaBytes),
              LogField::Str("quota-maximum-size", HumanBytes(kMaxQuotaBytes))});
  }
  if (log->structured()) {
    log->Info("etcdserver", "enabled backend quota",
              {LogField::Str("quota-name", "v3-applier"), LogField::Int("quota-size-bytes", configured_bytes),
               LogField::Str("quota-size", HumanBytes(configured_bytes))});
  }
}

bool BackendQuota::Available(backend::Backend& b, int64_t cost) const {
  if (cost == 0 || !enabled()) return true;
  auto used = b.SizeInUseBytes();
  if (!used.ok()) return true;  // an unreadable size must not stop writes
  return static_cast<int64_t>(*used) + cost < limit_bytes_;
}

int64_t BackendQuota::Cost(const etcdserverpb::PutRequest& r) {
  return 256 + static_cast<int64_t>(r.key().size() + r.value().size());
}

int64_t BackendQuota::Cost(const etcdserverpb::TxnRequest& r) {
  // etcd charges the puts directly in either branch (nested txns are not looked into).
  auto branch = [](const auto& ops) {
    int64_t sum = 0;
    for (const auto& op : ops) {
      if (op.has_request_put()) sum += Cost(op.request_put());
    }
    return sum;
  };
  return std::max(branch(r.success()), branch(r.failure()));
}

int64_t BackendQuota::Cost(const etcdserverpb::InternalRaftRequest& r) {
  if (r.has_put()) return Cost(r.put());
  if (r.has_txn()) return Cost(r.txn());
  if (r.has_lease_grant()) return kLeaseCost;
  return 0;
}

}  // namespace etcdpp::server
