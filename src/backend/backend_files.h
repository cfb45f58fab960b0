// File helpers shared by the backend's maintenance operations (snapshot, defrag, swap).
// Internal to the backend module.
#pragma once

#include <string>

#include "backend/lmdb_env.h"
#include "base/status.h"

namespace etcdpp::backend::internal {

// IoError "<what>: <strerror(errno)>".
Status Errno(const std::string& what);
// fsyncs the directory holding `file`, so a rename or create in it is durable.
Status SyncDirOf(const std::string& file);
// Writes a compacted copy of `env`'s last commit into a new file at `path`, fsync'd.
Status CopyToFile(LmdbEnv& env, const std::string& path);

}  // namespace etcdpp::backend::internal
