// The member's v2 API entry points: v2 requests proposed through raft and answered from
// the v2 store once applied, the leader's SYNC proposals that expire TTL keys, and the
// store's recovery from raft snapshots.
#include <chrono>

#include "server/errors.h"
#include "server/server_impl.h"
#include "v2store/applier.h"

namespace etcdpp::server {
namespace {

// etcd's leader proposes a SYNC this often while the store holds keys with a TTL.
constexpr std::chrono::milliseconds kV2SyncInterval{500};

int64_t NowUnixNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

Status EtcdServer::Impl::RecoverV2Store(const raftpb::Snapshot& snap) {
  if (snap.metadata().index() == 0 || snap.data().empty()) return Status();
  Status s = v2->Recover(snap.data());
  if (!s.ok()) return Corruption("failed to recover the v2 store from the snapshot at index " +
                                 std::to_string(snap.metadata().index()) + ": " + s.message());
  return Status();
}

void EtcdServer::Impl::RunV2Sync() {
  std::unique_lock lock(timeout_mu);
  while (!timeout_stop) {
    timeout_cv.wait_for(lock, kV2SyncInterval);
    if (timeout_stop) return;
    if (!raft || !raft->is_leader() || !v2->HasTtlKeys()) continue;
    lock.unlock();
    // Nobody waits for a SYNC: a lost one is simply followed by the next.
    raft->Propose(v2store::NewSyncRequest(ids->Next(), NowUnixNs()).SerializeAsString(), [](etcdpp::Status) {});
    lock.lock();
  }
}

void EtcdServer::V2Propose(etcdserverpb::Request r, Done<V2Result> done) {
  Impl& s = *impl_;
  const uint64_t id = s.ids->Next();
  r.set_id(id);
  // etcd 3.4 puts v2 requests in the log as a bare marshalled Request.
  s.ProposeBytes(id, r.SerializeAsString(), [done = std::move(done)](ApplyResult applied) {
    if (!applied.status.ok()) {
      done(applied.status);
      return;
    }
    done(V2Result{std::move(applied.v2_event), std::move(applied.v2_error)});
  });
}

v2store::Store& EtcdServer::v2_store() const { return *impl_->v2; }
uint64_t EtcdServer::committed_index() const { return impl_->raft ? impl_->raft->committed_index() : 0; }
uint64_t EtcdServer::raft_term() const { return impl_->raft ? impl_->raft->term() : 0; }
const std::string& EtcdServer::name() const { return impl_->config.name; }

}  // namespace etcdpp::server
