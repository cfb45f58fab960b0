// EtcdServer: one etcd member's state machines behind raft — the v3 KV store, leases,
// alarms and membership — and the requests the v3 API makes of them. It opens (or
// bootstraps) the data dir, runs the raft thread (RaftNode) and the apply thread
// (Applier), and answers requests asynchronously.
//
// Threads: request methods are called on I/O threads and never block; `done` runs once,
// on whichever thread finishes the request (apply, raft, or the calling thread for
// serializable reads), and must post its response rather than do heavy work.
// Open/Start/Stop belong to the owning thread (embed::Member).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/log.h"
#include "base/status.h"
#include "etcdserverpb/etcdserver.pb.h"
#include "etcdserverpb/rpc.pb.h"
#include "membership/member.h"
#include "server/lease_forwarder.h"
#include "server/transport.h"
#include "v2store/error.h"
#include "v2store/event.h"

namespace etcdpp::mvcc {
class EncodedRows;
class WatchStream;
}
namespace etcdpp::v2store {
class Store;
}

namespace etcdpp::server {

// A snapshot of the backend in etcd's bbolt format, in a temporary file.
// A Range answer sent as it is read: the encoded RangeResponse is `rows`' bytes followed by
// `rest` (the other fields); without `rows`, `rest` is the whole response (a range that
// cannot stream: sorted, filtered, keys or count only).
struct RangeAnswer {
  std::shared_ptr<mvcc::EncodedRows> rows;
  std::string rest;
};

struct SnapshotFile {
  std::string path;
  uint64_t size_bytes = 0;
};
// Sends a snapshot: runs on a background thread the server joins at Stop, may block while
// `stopping()` is false. The file is removed once it returns.
using SnapshotSender =
    std::function<void(const Result<SnapshotFile>& file, const std::function<bool()>& stopping)>;

struct ServerConfig {
  std::string name = "default";
  std::string data_dir = "default.etcd";
  std::string wal_dir;  // empty: <data_dir>/member/wal
  uint64_t member_id = 0;
  uint64_t cluster_id = 0;
  // New cluster: every initial member (this one included); joining a running cluster
  // (new_cluster false): its members, as they answered. Ignored once data exists.
  std::vector<membership::Member> initial_members;
  bool new_cluster = true;
  std::vector<std::string> advertise_client_urls;

  std::chrono::milliseconds tick{100};  // --heartbeat-interval
  int election_ticks = 10;              // --election-timeout / --heartbeat-interval
  bool pre_vote = false;
  bool strict_reconfig_check = true;  // --strict-reconfig-check
  bool initial_election_tick_advance = true;
  uint64_t snapshot_count = 100000;
  size_t max_snapshots = 5;  // --max-snapshots
  size_t max_wals = 5;       // --max-wals
  // --experimental-raft-log-tail-bytes (ours): raft log bytes kept in memory; older
  // entries are read back from the WAL.
  uint64_t raft_log_tail_bytes = 16 << 20;
  uint64_t max_request_bytes = 1572864;
  uint64_t max_txn_ops = 128;
  int64_t quota_backend_bytes = 0;  // 0: 2 GiB
  std::string auto_compaction_mode = "periodic";  // or "revision"
  std::string auto_compaction_retention = "0";    // "0": no auto compaction
  // How often revision-mode auto compaction looks at the revision (etcd: 5 minutes).
  std::chrono::milliseconds auto_compaction_revision_interval{5 * 60 * 1000};
  int backend_batch_interval_ms = 100;
  size_t backend_batch_limit = 10000;
  bool unsafe_no_fsync = false;
  // --experimental-enable-lease-checkpoint(-persist).
  bool lease_checkpoint = false;
  bool lease_checkpoint_persist = false;
  Logger* logger = nullptr;
};

class EtcdServer {
 public:
  template <typename T>
  using Done = std::function<void(Result<T>)>;

  // Opens the data dir (creating and bootstrapping it for a new member), replays the WAL
  // after the backend's consistent index, and gets ready to Start. The transport may be
  // given later (SetTransport), once the member and cluster IDs are known.
  static Result<std::unique_ptr<EtcdServer>> Open(ServerConfig config, Transport* transport);
  // Before Start only.
  void SetTransport(Transport* transport);
  // Before Start only; without one a follower cannot renew leases (kNoLeader).
  void SetLeaseForwarder(LeaseForwarder* forwarder);
  ~EtcdServer();

  // Starts the raft and apply threads, then publishes this member's name and client URLs.
  etcdpp::Status Start();
  // Stops accepting requests, fails those in flight, joins the threads, closes the files.
  void Stop();

  // KV.
  void Range(etcdserverpb::RangeRequest r, Done<etcdserverpb::RangeResponse> done);
  // Range answered with the encoded RangeResponse: the key-values are copied once, from the
  // backend into the answer (what the gRPC service sends).
  void RangeEncoded(etcdserverpb::RangeRequest r, Done<std::string> done);
  // Range with the key-values read from the backend as they are sent (the gRPC service).
  void RangeStreamed(etcdserverpb::RangeRequest r, Done<RangeAnswer> done);
  void Put(etcdserverpb::PutRequest r, Done<etcdserverpb::PutResponse> done);
  void DeleteRange(etcdserverpb::DeleteRangeRequest r, Done<etcdserverpb::DeleteRangeResponse> done);
  void Txn(etcdserverpb::TxnRequest r, Done<etcdserverpb::TxnResponse> done);
  void Compact(etcdserverpb::CompactionRequest r, Done<etcdserverpb::CompactionResponse> done);
  // Cluster and maintenance.
  void MemberList(Done<etcdserverpb::MemberListResponse> done);
  // Runtime reconfiguration (reconfig.cc), with etcd's --strict-reconfig-check rules.
  void MemberAdd(etcdserverpb::MemberAddRequest r, Done<etcdserverpb::MemberAddResponse> done);
  void MemberRemove(etcdserverpb::MemberRemoveRequest r, Done<etcdserverpb::MemberRemoveResponse> done);
  void MemberUpdate(etcdserverpb::MemberUpdateRequest r, Done<etcdserverpb::MemberUpdateResponse> done);
  // A follower forwards the promotion to the leader (through promote_forwarder), which
  // alone knows whether the learner has caught up.
  void MemberPromote(etcdserverpb::MemberPromoteRequest r, Done<etcdserverpb::MemberPromoteResponse> done);
  using PromoteForwarder = std::function<void(std::vector<std::string> leader_peer_urls, uint64_t id,
                                              Done<std::vector<membership::Member>> done)>;
  // Before Start only.
  void SetPromoteForwarder(PromoteForwarder forwarder);
  // The promotion asked of this member as the leader (the peer port's /members/promote).
  void PromoteAsLeader(uint64_t id, Done<std::vector<membership::Member>> done);
  bool IsLearner() const;
  // This member was removed from the cluster: by a change it applied (true a second
  // later, so the others learn the commit first, as etcd), or as a peer told it.
  bool removed() const;
  void MarkRemoved();
  void GetStatus(Done<etcdserverpb::StatusResponse> done);
  void HashKV(etcdserverpb::HashKVRequest r, Done<etcdserverpb::HashKVResponse> done);
  void Hash(Done<etcdserverpb::HashResponse> done);
  void Defragment(Done<etcdserverpb::DefragmentResponse> done);
  void Alarm(etcdserverpb::AlarmRequest r, Done<etcdserverpb::AlarmResponse> done);
  // Lease (lease_requests.cc). Grant and revoke go through raft. A keep-alive renews on
  // the leader's lessor (forwarded over the peer port from a follower) and gets the new
  // TTL or kLeaseNotFound; time-to-live likewise asks the leader; Leases lists this
  // member's leases.
  void LeaseGrant(etcdserverpb::LeaseGrantRequest r, Done<etcdserverpb::LeaseGrantResponse> done);
  void LeaseRevoke(etcdserverpb::LeaseRevokeRequest r, Done<etcdserverpb::LeaseRevokeResponse> done);
  void LeaseRenew(int64_t id, Done<int64_t> done);
  void LeaseTimeToLive(etcdserverpb::LeaseTimeToLiveRequest r, Done<etcdserverpb::LeaseTimeToLiveResponse> done);
  void LeaseLeases(Done<etcdserverpb::LeaseLeasesResponse> done);
  // The peer port's /leases and /leases/internal: this member's own lessor only, once
  // everything committed is applied. Errors carry the lessor's messages ("lease not
  // found", "not a primary lessor"), as etcd's lease handler answers them.
  void LocalLeaseRenew(int64_t id, Done<int64_t> done);
  void LocalLeaseTimeToLive(etcdserverpb::LeaseTimeToLiveRequest r, Done<etcdserverpb::LeaseTimeToLiveResponse> done);
  // The active alarms, from any thread.
  std::vector<etcdserverpb::AlarmMember> Alarms() const;
  // Leader only: hands leadership to `targetID` and answers once it has it.
  void MoveLeader(etcdserverpb::MoveLeaderRequest r, Done<etcdserverpb::MoveLeaderResponse> done);
  // Maintenance.Snapshot: a consistent copy of the backend as etcd's bbolt file.
  void Snapshot(SnapshotSender send);
  // Linearizable health: a quorum read through raft, as etcd's /health does.
  void CheckHealth(std::function<void(bool healthy)> done);
  // etcd's /health: unhealthy while an alarm not named in `excluded_alarms` ("NOSPACE")
  // is active, then as CheckHealth.
  void CheckHealth(std::vector<std::string> excluded_alarms, std::function<void(bool healthy)> done);

  // The member joined raft and published its name and client URLs (etcd's ReadyNotify).
  bool ready() const;
  uint64_t member_id() const;
  // From the peer transport (any thread): a raft message from another member, and a
  // member that could not be reached.
  void Step(raftpb::Message message);
  void ReportUnreachable(uint64_t id);
  std::vector<membership::Member> Members() const;
  bool IsRemoved(uint64_t id) const;
  uint64_t cluster_id() const;
  uint64_t leader() const;
  std::string cluster_version() const;
  // A stream of watchers over the v3 store (any thread). Every stream must be destroyed
  // before Stop.
  std::unique_ptr<mvcc::WatchStream> NewWatchStream();
  // Header fields every response carries (revision = the store's current revision).
  void FillHeader(etcdserverpb::ResponseHeader* header) const;

  // The v2 API (v2_requests.cc). V2Propose sends a v2 request (a write, a SYNC, or a
  // quorum GET renamed QGET) through raft; `done` gets the store's event or error once
  // applied, or a server failure (timeout, stopped, ...).
  struct V2Result {
    v2store::EventPtr event;
    std::optional<v2store::Error> error;
  };
  void V2Propose(etcdserverpb::Request r, Done<V2Result> done);
  // The store, for local GETs and watches (any thread; the store locks itself).
  v2store::Store& v2_store() const;
  // X-Raft-Index and X-Raft-Term: the committed index and the current term.
  uint64_t committed_index() const;
  uint64_t raft_term() const;
  // /v2/stats/self and /v2/stats/leader bodies (v2_stats.cc); the leader's is empty on
  // a follower.
  std::string V2SelfStatsJson() const;
  std::optional<std::string> V2LeaderStatsJson() const;
  // The name this member was started with.
  const std::string& name() const;

  struct Impl;

 private:
  explicit EtcdServer(std::unique_ptr<Impl> impl);
  // RangeEncoded and RangeStreamed: `stream` asks for the key-values as EncodedRows.
  void RangeAnswered(etcdserverpb::RangeRequest r, Done<RangeAnswer> done, bool stream);
  std::unique_ptr<Impl> impl_;
};

}  // namespace etcdpp::server
