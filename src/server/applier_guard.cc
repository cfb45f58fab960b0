// The applier's alarm side: the Alarm request itself, the refusals an active alarm brings
// (CORRUPT refuses the KV and lease requests, NOSPACE the ones that add data), and the
// space quota checked around each write, as etcd 3.4's capped, corrupt and quota appliers.
#include "backend/meta.h"
#include "membership/member.h"
#include "server/applier.h"
#include "server/errors.h"

namespace etcdpp::server {
namespace {

bool RefusedWhenCorrupt(const etcdserverpb::InternalRaftRequest& r) {
  return r.has_put() || r.has_range() || r.has_delete_range() || r.has_txn() || r.has_compaction() ||
         r.has_lease_grant() || r.has_lease_revoke();
}

bool RefusedWhenNoSpace(const etcdserverpb::InternalRaftRequest& r) {
  if (r.has_put() || r.has_lease_grant()) return true;
  return r.has_txn() && BackendQuota::Cost(r.txn()) > 0;
}

}  // namespace

ApplyResult Applier::ApplyV3Guarded(const etcdserverpb::InternalRaftRequest& r, uint64_t index, uint64_t term) {
  if (r.has_alarm()) return ApplyAlarm(r.alarm(), index, term);
  AlarmStore* alarms = deps_.alarms;
  if (alarms && alarms->Has(etcdserverpb::CORRUPT) && RefusedWhenCorrupt(r)) {
    return ApplyResult{errors::kCorrupt.status(), nullptr};
  }
  if (alarms && alarms->Has(etcdserverpb::NOSPACE)) {
    if (RefusedWhenNoSpace(r)) return ApplyResult{errors::kNoSpace.status(), nullptr};
    return ApplyV3(r);
  }
  // etcd judges the space before the write and still applies it: every member applies
  // the same entries whatever its own file size.
  const bool available = !deps_.quota || deps_.quota->Available(*deps_.backend, BackendQuota::Cost(r));
  ApplyResult result = ApplyV3(r);
  if (result.status.ok() && !available) return ApplyResult{errors::kNoSpace.status(), nullptr};
  return result;
}

ApplyResult Applier::ApplyAlarm(const etcdserverpb::AlarmRequest& r, uint64_t index, uint64_t term) {
  auto resp = std::make_unique<etcdserverpb::AlarmResponse>();
  if (!deps_.alarms) return ApplyResult{Status(), std::move(resp)};
  AlarmStore& store = *deps_.alarms;
  const size_t before = store.Get(r.alarm()).size();
  Logger* log = deps_.logger;
  switch (r.action()) {
    case etcdserverpb::AlarmRequest::GET:
      for (auto& m : store.Get(r.alarm())) *resp->add_alarms() = std::move(m);
      break;
    case etcdserverpb::AlarmRequest::ACTIVATE: {
      backend::BatchTx tx = deps_.backend->BeginWrite();
      auto m = store.Activate(tx, r.memberid(), r.alarm());
      backend::WriteConsistentIndex(tx, {index, term});
      tx.End();
      if (!m) break;
      *resp->add_alarms() = *m;
      if (before == 0 && store.Get(m->alarm()).size() == 1 && log) {
        const std::string type = etcdserverpb::AlarmType_Name(m->alarm());
        const std::string from = membership::IdToString(m->memberid());
        log->Log(LogLevel::kWarn, "etcdserver", "alarm " + type + " raised by peer " + from, "alarm raised",
                 {LogField::Str("alarm", type), LogField::Str("from", from)});
      }
      break;
    }
    case etcdserverpb::AlarmRequest::DEACTIVATE: {
      backend::BatchTx tx = deps_.backend->BeginWrite();
      auto m = store.Deactivate(tx, r.memberid(), r.alarm());
      backend::WriteConsistentIndex(tx, {index, term});
      tx.End();
      if (!m) break;
      *resp->add_alarms() = *m;
      if (before > 0 && store.Get(r.alarm()).empty() && log) {
        const std::string type = etcdserverpb::AlarmType_Name(m->alarm());
        // capnslog prints the request at info level, zap a warning.
        log->Log(log->structured() ? LogLevel::kWarn : LogLevel::kInfo, "etcdserver",
                 "alarm disarmed action:DEACTIVATE " + AlarmText(*m), "alarm disarmed",
                 {LogField::Str("alarm", type), LogField::Str("from", membership::IdToString(m->memberid()))});
      }
      break;
    }
    default:
      break;
  }
  return ApplyResult{Status(), std::move(resp)};
}

bool Applier::DeferAnswer(uint64_t id, const etcdserverpb::InternalRaftRequest& r, ApplyResult& result) {
  if (errors::kNoSpace.Is(result.status) && deps_.alarms && !deps_.alarms->Has(etcdserverpb::NOSPACE) &&
      deps_.on_no_space) {
    if (deps_.logger) {
      deps_.logger->Log(LogLevel::kError, "etcdserver", "applying raft message exceeded backend quota",
                        "message exceeded backend quota; raising alarm",
                        {LogField::Int("quota-size-bytes", deps_.quota ? deps_.quota->limit_bytes() : 0),
                         LogField::Str("error", std::string(errors::kNoSpace.message))});
    }
    deps_.on_no_space(id, std::make_shared<ApplyResult>(std::move(result)));
    return true;
  }
  if (r.has_compaction() && r.compaction().physical() && result.status.ok()) {
    auto shared = std::make_shared<ApplyResult>(std::move(result));
    WaitRegistry* waits = deps_.waits;
    deps_.kv->OnCompacted(r.compaction().revision(),
                          [waits, id, shared] { waits->Trigger(id, std::move(*shared)); });
    return true;
  }
  return false;
}

}  // namespace etcdpp::server
