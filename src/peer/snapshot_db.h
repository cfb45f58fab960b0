// SaveSnapshotDb: stores the database bytes of a received snapshot as
// <dir>/<index %016x>.snap.db, etcd's name for it, so the server finds it by index.
// Written to a temporary name, synced, renamed, and the directory synced, so a crash
// leaves either no file or the whole file. Blocking; call off the I/O threads.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "base/status.h"

namespace etcdpp::peer {

std::string SnapshotDbPath(const std::string& dir, uint64_t index);

// Returns the path written.
Result<std::string> SaveSnapshotDb(const std::string& dir, uint64_t index, std::string_view bytes);

// SaveSnapshotDb in two steps, so a receiver can write the bytes while it holds them
// (no copy to hand to another thread) and leave only the syncs to a blocking thread:
// the temporary file is written without syncing (page cache only), by
// WriteSnapshotDbTemp at once or by a SnapshotDbTemp piece by piece; CommitSnapshotDb
// then syncs it, renames it into place and syncs the directory.
Status WriteSnapshotDbTemp(const std::string& dir, uint64_t index, std::string_view bytes);
Result<std::string> CommitSnapshotDb(const std::string& dir, uint64_t index);

// The temporary file of a database being received, appended to as the bytes arrive.
// Until Close succeeds the file is removed on any failure, on Discard and on
// destruction, so a transfer cut short leaves nothing behind. One owner at a time.
class SnapshotDbTemp {
 public:
  // Creates (truncates) <dir>/<index %016x>.snap.db.tmp.
  static Result<SnapshotDbTemp> Create(const std::string& dir, uint64_t index);
  SnapshotDbTemp(SnapshotDbTemp&& other) noexcept;
  SnapshotDbTemp& operator=(SnapshotDbTemp&&) = delete;
  ~SnapshotDbTemp() { Discard(); }

  // Writes `bytes` at the end (page cache only); on failure the file is removed.
  Status Append(std::string_view bytes);
  // Closes the file, which stays for CommitSnapshotDb.
  Status Close();
  // Closes and removes the file, unless Close succeeded.
  void Discard();
  uint64_t bytes() const { return bytes_; }

 private:
  SnapshotDbTemp(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_ = -1;
  std::string path_;  // empty once closed for good or removed
  uint64_t bytes_ = 0;
};

}  // namespace etcdpp::peer
