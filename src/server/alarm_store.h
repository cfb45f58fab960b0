// AlarmStore: the member's active alarms (NOSPACE, CORRUPT), one per member and type, kept
// in the backend's `alarm` bucket as etcd keeps them (key: the marshalled AlarmMember,
// empty value) so they survive a restart.
//
// Threads: Activate/Deactivate run on the apply thread (inside the entry's BatchTx, so the
// change commits with its consistent index); Get/Has may be called from any thread.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "backend/backend.h"
#include "base/status.h"
#include "etcdserverpb/rpc.pb.h"

namespace etcdpp::server {

class AlarmStore {
 public:
  // Loads the alarms persisted in `b`.
  static Result<std::unique_ptr<AlarmStore>> Recover(backend::Backend& b);
  // Replaces the alarms with those persisted in `b` (after a snapshot install). Apply thread.
  Status Reload(backend::Backend& b);

  // Raises `type` for `member`; returns the stored alarm (the existing one when it was
  // already raised). NONE is not an alarm: nullopt.
  std::optional<etcdserverpb::AlarmMember> Activate(backend::BatchTx& tx, uint64_t member,
                                                    etcdserverpb::AlarmType type);
  // Clears it; nullopt when it was not raised.
  std::optional<etcdserverpb::AlarmMember> Deactivate(backend::BatchTx& tx, uint64_t member,
                                                      etcdserverpb::AlarmType type);
  // The alarms of `type` (all of them for NONE), ordered by type then member.
  std::vector<etcdserverpb::AlarmMember> Get(etcdserverpb::AlarmType type) const;
  bool Has(etcdserverpb::AlarmType type) const;

 private:
  using Key = std::pair<int, uint64_t>;  // (type, member)
  mutable std::mutex mu_;                // guards alarms_
  std::map<Key, etcdserverpb::AlarmMember> alarms_;
};

// etcd's text for an alarm in Status errors and logs (gogoproto's compact text form):
// `memberID:<decimal> alarm:NOSPACE ` (note the trailing space).
std::string AlarmText(const etcdserverpb::AlarmMember& m);

}  // namespace etcdpp::server
