// The maintenance side of EtcdServer: alarms (through raft), the space quota checked
// before proposing, health with alarms, and leadership transfer.
#include <algorithm>
#include <future>

#include "base/flag_set.h"
#include "server/errors.h"
#include "server/etcd_server.h"
#include "server/server_impl.h"

namespace etcdpp::server {

void EtcdServer::Alarm(etcdserverpb::AlarmRequest r, Done<etcdserverpb::AlarmResponse> done) {
  // Every action goes through raft, GET included, as in etcd. The response carries no
  // header (etcd's AlarmResponse leaves it empty).
  etcdserverpb::InternalRaftRequest req;
  *req.mutable_alarm() = std::move(r);
  impl_->ProposeV3(std::move(req), [done = std::move(done)](ApplyResult res) {
    if (!res.status.ok()) {
      done(res.status);
      return;
    }
    etcdserverpb::AlarmResponse resp;
    if (res.response) resp = static_cast<const etcdserverpb::AlarmResponse&>(*res.response);
    done(std::move(resp));
  });
}

std::vector<etcdserverpb::AlarmMember> EtcdServer::Alarms() const {
  return impl_->alarms ? impl_->alarms->Get(etcdserverpb::NONE) : std::vector<etcdserverpb::AlarmMember>{};
}

void EtcdServer::CheckHealth(std::vector<std::string> excluded_alarms, std::function<void(bool healthy)> done) {
  for (const auto& a : Alarms()) {
    const std::string name = etcdserverpb::AlarmType_Name(a.alarm());
    if (std::find(excluded_alarms.begin(), excluded_alarms.end(), name) != excluded_alarms.end()) continue;
    if (impl_->log()) impl_->log()->Warn("etcdserver/api/etcdhttp", "/health error due to " + AlarmText(a));
    done(false);
    return;
  }
  CheckHealth(std::move(done));
}

Status EtcdServer::Impl::OpenMaintenance() {
  RemoveStaleSnapshotFiles(config.data_dir + "/member/snap");
  ETCDPP_ASSIGN_OR_RETURN(alarms, AlarmStore::Recover(*backend));
  quota = std::make_unique<BackendQuota>(config.quota_backend_bytes, log());
  ETCDPP_ASSIGN_OR_RETURN(auto_compaction,
                          ParseAutoCompaction(config.auto_compaction_mode, config.auto_compaction_retention));
  auto_compaction.revision_interval = config.auto_compaction_revision_interval;
  return Status();
}

void EtcdServer::Impl::WireMaintenance(ApplierDeps& deps) {
  deps.alarms = alarms.get();
  deps.quota = quota.get();
  deps.on_no_space = [this](uint64_t id, std::shared_ptr<ApplyResult> result) {
    RaiseNoSpace([this, id, result] { waits.Trigger(id, std::move(*result)); });
  };
}

void EtcdServer::Impl::StartAutoCompactor() {
  if (!auto_compaction.enabled()) return;
  auto compact = [this](int64_t rev) -> Status {
    etcdserverpb::InternalRaftRequest req;
    req.mutable_compaction()->set_revision(rev);
    auto promise = std::make_shared<std::promise<Status>>();
    auto future = promise->get_future();
    ProposeV3(std::move(req), [promise](ApplyResult r) { promise->set_value(r.status); });
    // Bounded by the request timeout; also gives up as soon as the member stops.
    while (future.wait_for(std::chrono::milliseconds(100)) != std::future_status::ready) {
      if (stopped.load()) return errors::kStopped.status();
    }
    return future.get();
  };
  compactor = std::make_unique<AutoCompactor>(
      auto_compaction, [this] { return kv->Rev(); }, [this] { return raft->is_leader(); }, std::move(compact), log());
  compactor->Start();
}

void EtcdServer::Impl::RaiseNoSpace(std::function<void()> then) {
  etcdserverpb::InternalRaftRequest req;
  auto* a = req.mutable_alarm();
  a->set_memberid(config.member_id);
  a->set_action(etcdserverpb::AlarmRequest::ACTIVATE);
  a->set_alarm(etcdserverpb::NOSPACE);
  ProposeV3(std::move(req), [then = std::move(then)](ApplyResult) { then(); });
}

bool EtcdServer::Impl::RefuseOverQuota(int64_t cost, std::function<void(etcdpp::Status)> refuse) {
  if (!quota || quota->Available(*backend, cost)) return false;
  // etcd raises the alarm and answers once the alarm request is done.
  RaiseNoSpace([refuse = std::move(refuse)] { refuse(errors::kNoSpace.status()); });
  return true;
}

bool EtcdServer::Impl::RunInBackground(std::function<void()> fn) {
  std::lock_guard lock(background_mu);
  if (background_closed) return false;
  // Reaps the threads that have finished, so handles do not pile up.
  std::erase_if(background, [](BackgroundThread& b) {
    if (!b.finished->load()) return false;
    b.thread.join();
    return true;
  });
  auto finished = std::make_shared<std::atomic<bool>>(false);
  background.push_back({std::thread([fn = std::move(fn), finished] {
                          fn();
                          finished->store(true);
                        }),
                        finished});
  return true;
}

void EtcdServer::Impl::JoinBackground() {
  std::vector<BackgroundThread> threads;
  {
    std::lock_guard lock(background_mu);
    background_closed = true;
    threads.swap(background);
  }
  for (auto& b : threads) b.thread.join();
}

void EtcdServer::MoveLeader(etcdserverpb::MoveLeaderRequest r, Done<etcdserverpb::MoveLeaderResponse> done) {
  Impl& s = *impl_;
  const uint64_t lead = leader();
  if (!s.raft || lead != member_id()) {
    done(errors::kNotLeader.status());
    return;
  }
  const uint64_t target = r.targetid();
  bool voter = false;
  for (const auto& m : s.cluster->Members()) {
    if (m.id == target) voter = !m.is_learner;
  }
  if (!voter) {
    done(errors::kBadLeaderTransferee.status());
    return;
  }
  const std::string self = membership::IdToString(member_id());
  const std::string from = membership::IdToString(lead);
  const std::string to = membership::IdToString(target);
  if (s.log()) {
    s.log()->Log(LogLevel::kInfo, "etcdserver", self + " starts leadership transfer from " + from + " to " + to,
                 "leadership transfer starting",
                 {LogField::Str("local-member-id", self), LogField::Str("current-leader-member-id", from),
                  LogField::Str("transferee-member-id", to)});
  }
  s.raft->TransferLeadership(target);
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + s.request_timeout();
  const bool started = s.RunInBackground([&s, this, target, start, deadline, self, from, to, done] {
    // Polls once a tick, as etcd does, until the leader is the transferee.
    std::unique_lock lock(s.timeout_mu);
    while (leader() != target) {
      if (s.timeout_stop) {
        lock.unlock();
        done(errors::kStopped.status());
        return;
      }
      if (std::chrono::steady_clock::now() >= deadline) {
        lock.unlock();
        done(errors::kTimeoutLeaderTransfer.status());
        return;
      }
      s.timeout_cv.wait_for(lock, s.config.tick);
    }
    lock.unlock();
    if (s.log()) {
      const auto took = std::chrono::steady_clock::now() - start;
      s.log()->Log(LogLevel::kInfo, "etcdserver",
                   self + " finished leadership transfer from " + from + " to " + to + " (took " +
                       FormatGoDuration(took) + ")",
                   "leadership transfer finished",
                   {LogField::Str("local-member-id", self), LogField::Str("old-leader-member-id", from),
                    LogField::Str("new-leader-member-id", to), LogField::Str("took", FormatGoDuration(took))});
    }
    done(etcdserverpb::MoveLeaderResponse());  // etcd's carries no header
  });
  if (!started) done(errors::kStopped.status());
}

}  // namespace etcdpp::server
