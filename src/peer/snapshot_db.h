// SaveSnapshotDb: stores the database bytes of a received snapshot as
// <dir>/<index %016x>.snap.db, etcd's name for it, so the server finds it by index.
// Written to a temporary name, synced, renamed, and the directory synced, so a crash
// leaves either no file or the whole file. Blocking; call off the I/O threads.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace etcdpp::peer {

std::string SnapshotDbPath(const std::string& dir, uint64_t index);

// Returns the path written.
Result<std::string> SaveSnapshotDb(const std::string& dir, uint64_t index, std::string_view bytes);

// SaveSnapshotDb in two steps, so a receiver can write the bytes while it still holds
// them (no copy to hand to another thread) and leave only the syncs to a blocking
// thread: WriteSnapshotDbTemp writes the temporary file without syncing (page cache
// only); CommitSnapshotDb syncs it, renames it into place and syncs the directory.
Status WriteSnapshotDbTemp(const std::string& dir, uint64_t index, std::string_view bytes);
Result<std::string> CommitSnapshotDb(const std::string& dir, uint64_t index);

}  // namespace etcdpp::peer
