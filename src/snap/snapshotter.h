// Snapshotter: the raft snapshot files of one member, in etcd 3.4's format, and the
// backend snapshot file a follower receives from its leader. Format: docs/formats/snap.md.
//
// On disk, in the member's snap dir: "%016x-%016x.snap" (term, index) holding a
// snappb.snapshot {crc = CRC-32C of data, data = marshalled raftpb.Snapshot}, and
// "%016x.snap.db" (index) holding a whole backend. Why it survives a crash: a .snap is
// synced and its directory fsynced before SaveSnap() returns, and one cut short by a
// crash fails its CRC and is renamed "*.broken" at load, so the previous snapshot is
// used; a .snap.db is written under a temporary name, synced, then renamed, so its name
// only ever points at a complete file.
//
// Not thread-safe: used by the server's apply path (save, load) and the peer receiver
// (db files) through separate instances, or one owner at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/file_system.h"
#include "base/status.h"
#include "raftpb/raft.pb.h"
#include "walpb/record.pb.h"

namespace etcdpp::snap {

// etcd's error strings.
inline constexpr std::string_view kErrNoSnapshot = "snap: no available snapshot";
inline constexpr std::string_view kErrEmptySnapshot = "snap: empty snapshot";
inline constexpr std::string_view kErrCrcMismatch = "snap: crc mismatch";
inline constexpr std::string_view kErrNoDbSnapshot = "snap: snapshot file doesn't exist";

std::string SnapFileName(uint64_t term, uint64_t index);
std::string DbFileName(uint64_t index);

// Reads and checks one .snap file: Corruption kErrEmptySnapshot / kErrCrcMismatch /
// "snap: malformed ..." when it is not a whole, valid snapshot.
Result<raftpb::Snapshot> ReadSnapFile(base::FileSystem& fs, const std::string& path);

// Receives a backend snapshot: bytes go to a temporary file; Commit() syncs it and
// renames it to "%016x.snap.db". Destroying an uncommitted writer removes the file.
class DbFileWriter {
 public:
  ~DbFileWriter();
  DbFileWriter(const DbFileWriter&) = delete;
  DbFileWriter& operator=(const DbFileWriter&) = delete;

  Status Append(std::string_view bytes);
  // Returns the final path. If that file already exists it is kept and this copy
  // dropped, as etcd does.
  Result<std::string> Commit();
  uint64_t size_bytes() const { return size_; }

 private:
  friend class Snapshotter;
  DbFileWriter(base::FileSystem* fs, std::string tmp_path, std::string final_path,
               std::string dir, std::unique_ptr<base::File> file);
  base::FileSystem* fs_;
  std::string tmp_path_;
  std::string final_path_;
  std::string dir_;
  std::unique_ptr<base::File> file_;
  uint64_t size_ = 0;
  bool done_ = false;
};

class Snapshotter {
 public:
  Snapshotter(base::FileSystem* fs, std::string dir);

  // Writes the .snap file for snapshot (nothing for an empty one, index 0) and makes it
  // durable. Metadata fields are written even when zero, as etcd does.
  Status SaveSnap(const raftpb::Snapshot& snapshot);
  // The newest valid snapshot; broken files met on the way are renamed "*.broken".
  // NotFound kErrNoSnapshot when there is none.
  Result<raftpb::Snapshot> Load();
  // Like Load(), but only a snapshot whose (term, index) is one of wal_snaps (see
  // wal::ValidSnapshotEntries).
  Result<raftpb::Snapshot> LoadNewestAvailable(std::span<const walpb::Snapshot> wal_snaps);

  std::string DbFilePath(uint64_t index) const;
  // The received backend for index, or NotFound kErrNoDbSnapshot.
  Result<std::string> FindDbFile(uint64_t index);
  Result<std::unique_ptr<DbFileWriter>> BeginDbFile(uint64_t index);
  // Removes .snap.db files for indexes below snapshot's (superseded backends).
  Status ReleaseSnapDbs(const raftpb::Snapshot& snapshot);
  // Keeps the newest max_snapshots .snap files (--max-snapshots; 0 keeps all).
  Status PurgeSnapFiles(size_t max_snapshots, std::vector<std::string>* removed = nullptr);

  const std::string& dir() const { return dir_; }

 private:
  template <typename Match>
  Result<raftpb::Snapshot> LoadMatching(Match match);
  Result<std::vector<std::string>> SnapNames();

  base::FileSystem* fs_;
  std::string dir_;
};

}  // namespace etcdpp::snap
