// RawNode: the host-facing API of one raft node (etcd's RawNode). The host drives it
// from a single thread: feed Tick(), Step(), Propose() and friends; when HasReady(),
// take GetReady(), act on it, then call Advance(ready).
//
// The contract of a Ready, in order:
//  1. Persist `snapshot` (if not empty), then `entries` and `hard_state` (if not
//     empty) — durably (fsync) when `must_sync` — before sending any message. A leader
//     may send its MsgApps while its own write is in flight (etcd does), since it only
//     counts itself for commit once the entries are acknowledged by Advance.
//  2. Send `messages`. A MsgSnap must be answered later with ReportSnapshot().
//     Unreachable peers should be reported with ReportUnreachable().
//  3. Apply `committed_entries` in order (they are already durable); for a conf change
//     entry call ApplyConfChange(). Serve reads whose ReadState index <= applied.
//  4. Call Advance(ready): it tells raft that all of the above is done, i.e. entries are
//     stable and committed entries applied. A host with a separate apply thread may call
//     it once the committed entries are queued for applying (etcd does): raft then
//     counts them as applied, which only gates the next conf change proposal and
//     campaigning. ApplyConfChange must still be called on the raft thread, in log order.
// Everything in a Ready is a copy owned by the caller.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "raft/raft.h"

namespace etcdpp::raft {

struct Ready {
  std::optional<SoftState> soft_state;  // set when leader or role changed
  raftpb::HardState hard_state;         // empty (all zero) when unchanged
  std::vector<ReadState> read_states;
  Entries entries;                      // to persist before sending
  raftpb::Snapshot snapshot;            // to persist/install; empty if index == 0
  Entries committed_entries;            // to apply
  std::vector<raftpb::Message> messages;
  bool must_sync = false;
};

enum class SnapshotStatus { kFinish, kFailure };

struct PeerProgress {
  uint64_t id = 0;
  uint64_t match = 0;
  uint64_t next = 0;
  ProgressState state = ProgressState::kProbe;
  bool is_learner = false;
  bool recent_active = false;
};

struct NodeStatus {
  uint64_t id = 0;
  raftpb::HardState hard_state;
  SoftState soft_state;
  uint64_t applied = 0;
  uint64_t lead_transferee = kNone;
  std::vector<PeerProgress> progress;  // only on the leader
};

struct Peer {
  uint64_t id = 0;
  std::string context;  // e.g. the member's JSON, stored in the bootstrap conf change
};

class RawNode {
 public:
  static Result<std::unique_ptr<RawNode>> Create(const Config& config);

  // Writes the initial configuration into an empty log as conf change entries at
  // term 1 (what etcd does when a new cluster starts), and applies it.
  etcdpp::Status Bootstrap(const std::vector<Peer>& peers);

  void Tick() { raft_->Tick(); }
  etcdpp::Status Campaign();
  // ErrProposalDropped when there is no leader, a transfer runs, or the uncommitted
  // bound is reached; the caller retries or fails the request.
  etcdpp::Status Propose(std::string data);
  // Proposes several entries as one message: one append and one broadcast for all of
  // them (how a host that drains a queue of requests should propose). All or nothing.
  etcdpp::Status ProposeBatch(std::vector<std::string> data);
  etcdpp::Status ProposeConfChange(const raftpb::ConfChange& cc);
  raftpb::ConfState ApplyConfChange(const raftpb::ConfChange& cc) {
    return raft_->ApplyConfChange(cc);
  }
  // A message from a peer. Local message types are refused (ErrStepLocalMsg), as are
  // responses from peers not in the configuration (ErrStepPeerNotFound).
  etcdpp::Status Step(raftpb::Message m);
  // Requests a read index; the answer comes back as a ReadState carrying ctx, which
  // must be unique among outstanding requests.
  void ReadIndex(std::string ctx);
  void TransferLeader(uint64_t transferee);
  void ReportUnreachable(uint64_t id);
  void ReportSnapshot(uint64_t id, SnapshotStatus status);

  bool HasReady() const;
  Ready GetReady();
  void Advance(const Ready& rd);

  NodeStatus GetStatus() const;
  Raft& raft() { return *raft_; }
  const Raft& raft() const { return *raft_; }

 private:
  explicit RawNode(std::unique_ptr<Raft> r);

  std::unique_ptr<Raft> raft_;
  SoftState prev_soft_;
  raftpb::HardState prev_hard_;
};

}  // namespace etcdpp::raft
