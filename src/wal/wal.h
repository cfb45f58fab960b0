// Wal: the raft write-ahead log of one member, in etcd 3.4's on-disk format so a data
// dir moves between etcd and etcdpp. Format: docs/formats/wal.md.
//
// On disk: a directory of segments "%016x-%016x.wal" (sequence, first index), each
// preallocated to 64 MB, holding length-framed walpb records (metadata, entry, hard
// state, snapshot, crc) whose CRC-32C is chained across records and segments. Why it
// survives a crash: a Save() returns only after fdatasync of everything it wrote; a new
// WAL or segment is fully written and synced under a temporary name, then renamed and
// the directory fsynced, so a name never points at a half-built file; a write torn by
// power loss leaves zero sectors in the last record, which ReadAll() cuts off, while
// any other damage is refused as corruption with segment and offset.
//
// Life cycle: Create() a new WAL, or Open() at a snapshot position then ReadAll() to
// replay (after which it appends). Owned by the raft thread; not thread-safe. Segments
// it may still need stay flock'ed until ReleaseLockTo(), so PurgeSegments() never
// removes them.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/file_system.h"
#include "base/status.h"
#include "raftpb/raft.pb.h"
#include "wal/record_codec.h"
#include "wal/segment_name.h"
#include "walpb/record.pb.h"

namespace etcdpp::wal {

struct WalOptions {
  uint64_t segment_size_bytes = kSegmentSizeBytes;
  // --unsafe-no-fsync: skip fdatasync (tests and benchmarks of the rest of the stack).
  bool no_fsync = false;
  // Open(): cut a torn last record off the tail during ReadAll(), keeping a copy of the
  // damaged segment as "<name>.broken" (etcd's Repair). When false, ReadAll() fails
  // with OutOfRange "wal: unexpected EOF ..." instead.
  bool repair_torn_tail = true;
};

class Wal {
 public:
  // Creates dir (which must hold no WAL) with one segment holding metadata and a
  // snapshot record at {0, 0}. The returned WAL appends.
  static Result<std::unique_ptr<Wal>> Create(base::FileSystem* fs, const std::string& dir,
                                             std::string_view metadata, WalOptions options = {});
  // Opens the segments from the one holding snapshot position `at`, locking them, for
  // ReadAll() and then appending.
  static Result<std::unique_ptr<Wal>> Open(base::FileSystem* fs, const std::string& dir,
                                           const walpb::Snapshot& at, WalOptions options = {});
  // Like Open(), but read-only: no locks, torn tails tolerated, no appends.
  static Result<std::unique_ptr<Wal>> OpenForRead(base::FileSystem* fs, const std::string& dir,
                                                  const walpb::Snapshot& at);

  // Releases files without syncing; call Close() for an orderly shutdown.
  ~Wal();
  Wal(const Wal&) = delete;
  Wal& operator=(const Wal&) = delete;

  struct Contents {
    std::string metadata;
    raftpb::HardState state;
    std::vector<raftpb::Entry> entries;  // after the snapshot index; later writes win
  };
  // Replays everything after the opening snapshot. Fails with "wal: snapshot not
  // found", "wal: snapshot mismatch", "wal: conflicting metadata found", "wal: slice
  // bounds out of range" or a corruption naming segment and offset. Once only.
  Result<Contents> ReadAll();
  // ReadAll handing each entry after the snapshot to `sink` as it is decoded instead of
  // keeping it (Contents::entries stays empty), so replay never holds the whole log. An
  // entry at an index already handed over replaces that one and everything after it
  // (raft storage's Append does exactly that); an error from the sink stops the replay.
  Result<Contents> ReadAll(const std::function<Status(raftpb::Entry&&)>& sink);

  // Appends entries then the hard state (skipped when empty), with one fdatasync when
  // raft requires it (new entries, or a term or vote change). Entries must set every
  // non-nullable field (see raftpb/raft.proto). An entry of 10 MiB or more is refused
  // up front (InvalidArgument, nothing written). Any other error is a durability
  // failure: the caller must stop (the WAL refuses further writes).
  Status Save(const raftpb::HardState& state, std::span<const raftpb::Entry> entries);
  // Records a snapshot position and syncs.
  Status SaveSnapshot(const walpb::Snapshot& snapshot);
  Status Sync();
  // Unlocks segments wholly before the one holding index (keeping that one), so a
  // purge may remove them. Call once the snapshot at index is durable.
  Status ReleaseLockTo(uint64_t index);
  // Syncs and closes. Idempotent.
  Status Close();

  const std::string& dir() const { return dir_; }
  // Index of the last entry written (or replayed).
  uint64_t last_index() const { return last_index_; }
  // Names of the segments this WAL still holds locked, oldest first.
  std::vector<std::string> LockedSegments() const;

 private:
  struct Segment {
    SegmentName name;
    std::unique_ptr<base::File> file;  // null for read-only opens after ReadAll
  };
  Wal(base::FileSystem* fs, std::string dir, WalOptions options);
  static Result<std::unique_ptr<Wal>> OpenAt(base::FileSystem* fs, const std::string& dir,
                                             const walpb::Snapshot& at, WalOptions options,
                                             bool write);
  Status RepairTail();
  Status ZeroTail();
  Status Append(RecordType type, std::string_view data);
  Status Flush();
  Status WriteState(const raftpb::HardState& state);
  Status Cut();
  Status Fail(Status s);

  base::FileSystem* fs_;
  std::string dir_;
  WalOptions options_;
  bool writable_ = false;
  bool read_done_ = false;
  walpb::Snapshot start_;
  std::string metadata_;
  raftpb::HardState state_;
  uint64_t last_index_ = 0;
  std::vector<Segment> segments_;  // locked segments; the last is the tail
  Encoder encoder_;
  uint64_t tail_offset_ = 0;  // where the next record goes in the tail
  std::string pending_;       // encoded records not yet written
  std::string scratch_;
  Status failed_;             // sticky durability failure
  uint64_t next_tmp_ = 0;
};

}  // namespace etcdpp::wal
