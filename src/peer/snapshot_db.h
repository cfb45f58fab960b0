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

}  // namespace etcdpp::peer
