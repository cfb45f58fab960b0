// LeaseKeeper: the member's lessor together with what binds it to the rest of the
// server — its records in the backend's `lease` bucket, the deletion of a revoked
// lease's keys in one KV transaction, and the hooks through which mvcc attaches and
// detaches leased keys (and refuses a put naming an unknown lease).
//
// Owned by EtcdServer::Impl. Threads: the lessor is single-threaded, yet three kinds of
// threads need it — the apply thread (grant, revoke, checkpoint, and attach/detach inside
// KV writes), I/O threads (keep-alive, time-to-live, list) and the lease loop (expiry,
// checkpoints, demotion). One mutex serializes them. Every call but a revoke is short
// and in memory, and a keep-alive behind a mutex never waits for a backlog of applies,
// as it would if it were queued onto the apply thread. mvcc calls the hooks from KV
// writes the apply thread makes; when that write is the keeper's own revoke the mutex
// is already held, which the apply-thread-only flag revoking_ records.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "etcdserverpb/rpc.pb.h"
#include "lease/lessor.h"
#include "mvcc/kv_store.h"
#include "mvcc/lease_hooks.h"
#include "server/backend_lease_store.h"
#include "server/wait.h"

namespace etcdpp::server {

class LeaseKeeper {
 public:
  LeaseKeeper(backend::Backend* backend, lease::LessorConfig config, lease::Clock clock);
  ~LeaseKeeper();

  // Loads the leases from the backend; call before the KV store opens (its restore
  // attaches the leased keys through hooks()).
  Status Recover();
  mvcc::LeaseHooks* hooks();
  // The store revoked leases delete their keys from; set once, before applying.
  void SetKv(mvcc::KvStore* kv) { kv_ = kv; }

  // Apply thread: the lease requests of the raft log, answered as etcd's applier does
  // (error statuses carry the client-visible "etcdserver: ..." messages).
  ApplyResult ApplyGrant(const etcdserverpb::LeaseGrantRequest& r);
  ApplyResult ApplyRevoke(const etcdserverpb::LeaseRevokeRequest& r);
  ApplyResult ApplyCheckpoint(const etcdserverpb::LeaseCheckpointRequest& r);

  // Any thread.
  void Promote(lease::Duration extend);
  // Demotes unless is_leader() says otherwise, checked under the lessor's lock so that a
  // promotion (which happens only once raft reports this member leader) is never undone
  // by a stale look at leadership.
  void DemoteUnlessLeader(const std::function<bool()>& is_leader);
  bool is_primary() const;
  // Keep-alive on the primary; errors as Lessor::Renew (lessor messages, not prefixed).
  Result<int64_t> Renew(int64_t id, bool* clear_checkpoint);
  std::optional<lease::LeaseInfo> Lookup(int64_t id, bool with_keys) const;
  std::vector<int64_t> LeaseIds() const;
  std::vector<int64_t> FindExpired(size_t limit);
  std::vector<lease::LeaseCheckpoint> FindDueCheckpoints(size_t limit);

 private:
  class Deleter;
  class Hooks;

  mutable std::mutex mu_;  // guards lessor_ (and the lessor's store writes)
  BackendLeaseStore store_;
  std::unique_ptr<Deleter> deleter_;
  std::unique_ptr<Hooks> hooks_;
  std::unique_ptr<lease::Lessor> lessor_;
  mvcc::KvStore* kv_ = nullptr;
  bool revoking_ = false;  // apply thread only: inside Revoke, mu_ held
};

// The lessor's error as the client sees it: "lease not found" becomes etcd's
// "etcdserver: requested lease not found" (NotFound), and so on; others pass through.
Status LeaseToClientError(const Status& s);

}  // namespace etcdpp::server
