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
// The same, writing the file out every `flush_bytes` as it grows: the dirty pages of a
// large copy never pile up for one long fsync at the end that would stall every other
// fsync on the disk (the WAL's, the backend's commits) meanwhile.
Status CopyToFileFlushing(LmdbEnv& env, const std::string& path, size_t flush_bytes);

}  // namespace etcdpp::backend::internal
