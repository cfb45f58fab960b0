// Lessor: the lease state machine of one member (etcd's lessor). It grants, renews and
// revokes leases, tracks which keys each lease holds, persists leases through a
// LeaseStore and, on the leader (the "primary"), finds leases whose TTL ran out and
// leases due for a checkpoint — the server then proposes revokes and checkpoints
// through raft. Followers keep leases alive forever until promoted.
//
// Owned and called by one thread (the apply thread); time comes from the injected
// clock, never the system clock, so tests and the simulator control it. Grant, Revoke,
// Checkpoint, Attach and Detach are applied from the raft log and must behave the same
// on every member; Renew, Promote, Demote and the Find* calls depend on leadership.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/status.h"
#include "lease/expiry_heap.h"
#include "lease/lease_store.h"

namespace etcdpp::lease {

// etcd's lessor error strings (the server adds its "etcdserver: " prefixes).
inline constexpr std::string_view kErrLeaseNotFound = "lease not found";
inline constexpr std::string_view kErrLeaseExists = "lease already exists";
inline constexpr std::string_view kErrLeaseTtlTooLarge = "too large lease TTL";
inline constexpr std::string_view kErrNotPrimary = "not a primary lessor";

inline constexpr int64_t kNoLease = 0;
inline constexpr int64_t kMaxLeaseTtlSeconds = 9'000'000'000;

using Clock = std::function<TimePoint()>;
using Duration = std::chrono::steady_clock::duration;

struct LessorConfig {
  // Granted TTLs below this are raised to it; see MinLeaseTtlSeconds().
  int64_t min_lease_ttl_seconds = 0;
  // --experimental-enable-lease-checkpoint: the primary reports remaining TTLs so a new
  // leader does not restart long leases from their full TTL.
  bool checkpointing = false;
  Duration checkpoint_interval = std::chrono::minutes(5);
  // Also write checkpointed remaining TTLs to the store (etcd 3.6 behaviour).
  bool checkpoint_persist = false;
  // How long an expired lease waits before FindExpired() reports it again (the
  // revoke proposal may have been lost). etcd uses the request timeout.
  Duration expired_retry_interval = std::chrono::seconds(3);
};

// etcd's minimum TTL: 1.5 election timeouts (in whole ticks), rounded up to seconds.
int64_t MinLeaseTtlSeconds(int64_t election_ticks, int64_t heartbeat_ms);

struct LeaseInfo {
  int64_t id = 0;
  int64_t ttl_seconds = 0;        // granted TTL (after the minimum rule)
  int64_t remaining_ttl_seconds = 0;  // checkpointed remaining TTL, 0 if none
  Duration remaining{};           // until expiry; Duration::max() while not primary
  std::vector<std::string> keys;  // sorted; filled by TimeToLive(with_keys) only
};

struct LeaseCheckpoint {
  int64_t id = 0;
  int64_t remaining_ttl_seconds = 0;
};

class Lessor {
 public:
  Lessor(LeaseStore* store, KeyDeleter* deleter, Clock clock, LessorConfig config);
  Lessor(const Lessor&) = delete;
  Lessor& operator=(const Lessor&) = delete;

  // Replaces the in-memory state with the leases in the store (start-up, or after a
  // backend snapshot was installed). Leases come back without keys (mvcc re-attaches
  // them as it restores) and never expire until Promote().
  Status Recover();

  // id must be non-zero (the server picks IDs before proposing). Errors: NotFound
  // kErrLeaseNotFound for id 0, InvalidArgument kErrLeaseTtlTooLarge, AlreadyExists
  // kErrLeaseExists.
  Result<LeaseInfo> Grant(int64_t id, int64_t ttl_seconds);
  // Deletes the lease's keys in one transaction, then the lease.
  Status Revoke(int64_t id);
  // Applies a checkpoint (remaining TTL) from the log; unknown IDs are ignored.
  Status Checkpoint(int64_t id, int64_t remaining_ttl_seconds);
  // Keep-alive on the primary: restarts the lease's TTL and returns it. NotFound for an
  // unknown or already expired lease; FailedPrecondition kErrNotPrimary on followers.
  // *clear_checkpoint (optional) is set when the server should propose a checkpoint of
  // 0 so other members forget the old remaining TTL.
  Result<int64_t> Renew(int64_t id, bool* clear_checkpoint = nullptr);

  Status Attach(int64_t id, std::span<const std::string> keys);
  Status Detach(int64_t id, std::span<const std::string> keys);
  // The lease holding key, or kNoLease.
  int64_t GetLease(std::string_view key) const;

  std::optional<LeaseInfo> Lookup(int64_t id, bool with_keys = false) const;
  // All leases, soonest expiry first.
  std::vector<LeaseInfo> Leases() const;
  size_t size() const { return leases_.size(); }

  // Becomes the primary: every lease gets extend plus its remaining TTL, and when there
  // are many, expiries are spread so no more than ~750 fall in one second (as etcd).
  void Promote(Duration extend);
  void Demote();
  bool is_primary() const { return primary_; }

  // Primary only: up to limit leases whose time ran out, soonest first. Each is
  // re-armed expired_retry_interval later, so it is reported again only if its revoke
  // did not get applied by then.
  std::vector<int64_t> FindExpired(size_t limit);
  // Primary with checkpointing only: leases due for a checkpoint and their remaining TTL.
  std::vector<LeaseCheckpoint> FindDueCheckpoints(size_t limit);

 private:
  struct Lease {
    int64_t id = 0;
    int64_t ttl = 0;
    int64_t remaining_ttl = 0;
    TimePoint expiry = TimePoint::max();  // max: forever (not primary)
    std::set<std::string> keys;
    int64_t EffectiveTtl() const { return remaining_ttl > 0 ? remaining_ttl : ttl; }
  };
  Status Persist(const Lease& l);
  void Refresh(Lease& l, Duration extend, int64_t ttl_seconds);
  void ScheduleCheckpoint(const Lease& l);
  Duration Remaining(const Lease& l, TimePoint now) const;
  LeaseInfo Info(const Lease& l, TimePoint now, bool with_keys) const;
  void SpreadExpiries(TimePoint now, Duration extend);

  LeaseStore* store_;
  KeyDeleter* deleter_;
  Clock clock_;
  LessorConfig config_;
  bool primary_ = false;
  std::unordered_map<int64_t, Lease> leases_;
  std::unordered_map<std::string, int64_t> key_to_lease_;
  ExpiryHeap expiry_;  // primary only: next time to look at each lease
  struct CheckpointAt {
    TimePoint when;
    int64_t id;
    bool operator>(const CheckpointAt& o) const { return when > o.when; }
  };
  std::vector<CheckpointAt> checkpoints_;  // min-heap by when
};

}  // namespace etcdpp::lease
