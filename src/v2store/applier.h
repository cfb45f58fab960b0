// Applies a committed v2 request (etcdserverpb::Request from the raft log) to the Store,
// as etcd's apply loop does: the one place v2 writes enter the store. Call it on the
// apply thread, in log order, with that thread's wall clock (only used to report TTLs).
//
// The server intercepts two cluster paths before calling Apply, as etcd does: a PUT of
// /0/members/<id>/attributes and of /0/version update the membership, which then writes
// the store itself (IsMemberAttributesPath, kClusterVersionPath).
#pragma once

#include <cstdint>
#include <string_view>

#include "etcdserverpb/etcdserver.pb.h"
#include "v2store/error.h"
#include "v2store/store.h"

namespace etcdpp::v2store {

inline constexpr std::string_view kClusterVersionPath = "/0/version";

// POST → Create(unique); PUT → Set, Create (prevExist=false), Update (prevExist=true),
// CompareAndSwap (prevValue/prevIndex); DELETE → Delete or CompareAndDelete; QGET → Get;
// SYNC → DeleteExpiredKeys(request.Time) and a null event. Store errors come back as
// the result's error; an unknown method as kRaftInternal "etcdserver: unknown method".
StoreResult<EventPtr> Apply(Store& store, const etcdserverpb::Request& request,
                            int64_t now_unix_ns);

// A request with every field etcd always encodes set to its zero value (all but
// PrevExist and Refresh), so our log entries are byte-identical to etcd's.
etcdserverpb::Request NewV2Request(std::string_view method, std::string_view path);
// The SYNC the leader proposes (etcd: every 500 ms while the store has TTL keys) so
// every member expires keys up to `now_unix_ns` at the same log position.
etcdserverpb::Request NewSyncRequest(uint64_t id, int64_t now_unix_ns);

// The TTL options a request carries (Expiration 0: none).
TtlOptions TtlOptionsOf(const etcdserverpb::Request& request);

// "/0/members/<hex id>/attributes".
bool IsMemberAttributesPath(std::string_view path);

}  // namespace etcdpp::v2store
