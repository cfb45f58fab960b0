// EtcdServer::Impl (internal to the server module): the parts of a member and the order
// they are built in. See etcd_server.h for the threads.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "backend/backend.h"
#include "etcdserverpb/etcdserver.pb.h"
#include "base/file_system.h"
#include "mvcc/kv_store.h"
#include "mvcc/watchable_store.h"
#include "raft/raw_node.h"
#include "raft/storage.h"
#include "server/alarm_store.h"
#include "server/applier.h"
#include "server/auto_compactor.h"
#include "server/cluster.h"
#include "server/etcd_server.h"
#include "server/id_generator.h"
#include "server/lease_keeper.h"
#include "server/lease_loop.h"
#include "server/quota.h"
#include "server/raft_node.h"
#include "server/wait.h"
#include "snap/snapshotter.h"
#include "v2store/store.h"
#include "wal/wal.h"

namespace etcdpp::server {

// Removes temporary snapshot files a crash left in the snap directory.
void RemoveStaleSnapshotFiles(const std::string& snap_dir);

void MemberToPb(const membership::Member& m, etcdserverpb::Member* out);

// Hands raft's log lines to the member's logger in raft's own line shape.
class RaftLogAdapter final : public raft::LogSink {
 public:
  explicit RaftLogAdapter(Logger* logger) : logger_(logger) {}
  void Log(raft::LogLevel level, std::string_view line) override {
    if (!logger_) return;
    etcdpp::LogLevel l = level == raft::LogLevel::kDebug     ? etcdpp::LogLevel::kDebug
                         : level == raft::LogLevel::kWarning ? etcdpp::LogLevel::kWarn
                         : level == raft::LogLevel::kError   ? etcdpp::LogLevel::kError
                                                             : etcdpp::LogLevel::kInfo;
    logger_->Raft(l, line);
  }

 private:
  Logger* logger_;
};

struct EtcdServer::Impl {
  ServerConfig config;
  Transport* transport = nullptr;
  NoPeersTransport no_peers;  // the transport of a member started without one
  base::PosixFileSystem fs;
  std::unique_ptr<backend::Backend> backend;
  std::unique_ptr<LeaseKeeper> leases;  // before kv: the store's restore attaches keys
  std::unique_ptr<mvcc::KvStore> kv;
  std::unique_ptr<mvcc::WatchableStore> watchable;  // over kv; destroyed before it
  std::unique_ptr<Cluster> cluster;
  // etcd's v2 store: membership under /0, v2 keys under /1 (v2_requests.cc).
  std::unique_ptr<v2store::Store> v2 =
      std::make_unique<v2store::Store>(std::vector<std::string>{"/0", "/1"});
  std::unique_ptr<wal::Wal> wal;
  std::unique_ptr<snap::Snapshotter> snapshotter;
  raftpb::Snapshot snapshot;  // the newest at open (index 0: none)
  raft::MemoryStorage storage;
  std::unique_ptr<raft::SplitMixRng> rng;
  std::unique_ptr<RaftLogAdapter> raft_log;
  std::unique_ptr<IdGenerator> ids;
  WaitRegistry waits;
  std::unique_ptr<Applier> applier;
  std::unique_ptr<AlarmStore> alarms;
  std::unique_ptr<BackendQuota> quota;
  bool imported_bolt = false;  // the backend came from a bbolt file at this open
  AutoCompactionOptions auto_compaction;
  std::unique_ptr<AutoCompactor> compactor;  // null without auto compaction
  std::unique_ptr<raft::RawNode> node;  // until Start hands it to the raft thread
  std::unique_ptr<RaftNode> raft;
  LeaseForwarder* lease_forwarder = nullptr;
  std::unique_ptr<LeaseLoop> lease_loop;
  std::atomic<bool> stopped{false};
  std::atomic<bool> published{false};
  bool joining = false;  // a new member of a running cluster (--initial-cluster-state existing)
  // steady_clock milliseconds from which removed() is true; 0 while a member.
  std::atomic<int64_t> removed_from_ms{0};

  // Proposals waiting for their result, by deadline, so that a lost one times out.
  std::mutex timeout_mu;  // guards deadlines and timeout_stop
  std::condition_variable timeout_cv;
  std::multimap<std::chrono::steady_clock::time_point, uint64_t> deadlines;
  bool timeout_stop = false;
  std::thread timeout_thread;
  std::thread publisher;
  // The leader's SYNC proposals that expire v2 TTL keys (v2_requests.cc).
  std::thread v2_sync;
  void RunV2Sync();
  // When this member started (/v2/stats/self), and since when it follows the current
  // leader (or leads).
  std::chrono::system_clock::time_point start_time = std::chrono::system_clock::now();
  mutable std::mutex leader_seen_mu;  // guards leader_seen and leader_seen_since
  mutable uint64_t leader_seen = 0;
  mutable std::chrono::system_clock::time_point leader_seen_since;
  // Threads of requests that wait in the background (MoveLeader); they sleep on
  // timeout_cv and end once timeout_stop is set.
  std::mutex background_mu;  // guards background
  struct BackgroundThread {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> finished;
  };
  std::vector<BackgroundThread> background;
  bool background_closed = false;

  // MsgSnaps for followers, sent one at a time with a backend copy by snapshot_thread.
  std::mutex snapshot_mu;  // guards snapshot_queue and snapshot_stop
  std::condition_variable snapshot_cv;
  std::deque<raftpb::Message> snapshot_queue;
  bool snapshot_stop = false;
  std::thread snapshot_thread;

  Logger* log() const { return config.logger; }
  std::chrono::milliseconds request_timeout() const {
    // etcd: 5 s plus twice the election timeout.
    return std::chrono::milliseconds(5000) + 2 * config.tick * config.election_ticks;
  }

  Status OpenStorage();
  // v2_requests.cc: the v2 store becomes the one in `snap`'s data (none: left as is).
  Status RecoverV2Store(const raftpb::Snapshot& snap);
  // Finds the newest snapshot the WAL knows of (and puts its backend in place if the
  // backend is older, as after a crash between receiving and applying it).
  Status LoadSnapshot();
  Status BootstrapNew();
  Status RestartFromWal();
  // Apply thread: the backend received with `snap` replaces ours; every state machine
  // reloads from it.
  Result<backend::ConsistentIndex> InstallSnapshot(const raftpb::Snapshot& snap);
  void QueueSnapshotMessage(raftpb::Message m);
  void RunSnapshotSender();
  void RunTimeouts();
  void Publish();
  void DecideClusterVersion();
  // Proposes a bare v2 request (etcd's form for member attributes and the cluster
  // version) and blocks until its outcome. Publisher thread only.
  etcdpp::Status ProposeAndWait(const etcdserverpb::Request& req);
  // Proposes an InternalRaftRequest and runs `done` with the applied result.
  void ProposeV3(etcdserverpb::InternalRaftRequest r, ApplyCallback done);
  // Proposes a membership change; `done` gets the applied outcome (reconfig.cc).
  void ProposeConfChange(raftpb::ConfChange cc, ApplyCallback done);
  // Registers `done` under `id` with the request timeout; false (and `done` ran with
  // the error) if the server cannot take a request now.
  bool RegisterWaiter(uint64_t id, ApplyCallback& done);
  EtcdServer::PromoteForwarder promote_forwarder;
  // Voters (but `except`) we have been connected to for etcd's health interval, this
  // member included.
  int ConnectedVoters(uint64_t except) const;
  // Proposes raw bytes registered under request id `id`.
  void ProposeBytes(uint64_t id, std::string data, ApplyCallback done);
  // Builds the lessor over the backend (OpenStorage, before the KV store opens).
  Status OpenLeases();
  // The lease loop and the lessor's promotion, wired once raft exists (Start).
  void StartLeases();
  // Runs `read` once the state reflects every write acknowledged before now.
  void LinearizableRead(std::function<void(etcdpp::Status)> read);
  // maintenance.cc: raises this member's NOSPACE alarm through raft, then runs `then`.
  void RaiseNoSpace(std::function<void()> then);
  // When a request costing `cost` would not fit the quota: raises the alarm, answers
  // through `refuse` with etcd's NOSPACE error and returns true.
  bool RefuseOverQuota(int64_t cost, std::function<void(etcdpp::Status)> refuse);
  // Recovers the alarms, sets up the quota and parses the auto-compaction settings.
  Status OpenMaintenance();
  // Gives the applier the alarm store, the quota and the NOSPACE raiser.
  void WireMaintenance(ApplierDeps& deps);
  void StartAutoCompactor();
  // snapshot.cc: a data dir restored by etcdctl — its bbolt backend becomes ours, and its
  // membership comes from the log when the members bucket is gone.
  Status ImportBoltBackend(const std::string& path);
  Status RecoverMembersFromLog(const std::vector<raftpb::Entry>& entries);
  // Starts `fn` on a thread JoinBackground joins; false (nothing started) once it has run.
  bool RunInBackground(std::function<void()> fn);
  void JoinBackground();  // after timeout_stop is set
};

}  // namespace etcdpp::server
