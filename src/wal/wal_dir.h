// Whole-directory WAL operations the server runs at start-up and for retention, without
// an open Wal: existence, verification, the snapshot positions recorded, repair of a
// torn tail, and purging released segments. Callable from any thread; each call opens
// what it needs and closes it before returning.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/file_system.h"
#include "base/status.h"
#include "walpb/record.pb.h"

namespace etcdpp::wal {

// Whether dir holds at least one segment (etcd's wal.Exist).
bool Exist(base::FileSystem& fs, const std::string& dir);

// Reads the WAL from the segment holding `at` and checks the CRC chain, that metadata
// never changes and that the snapshot record `at` is present (etcd's wal.Verify).
Status Verify(base::FileSystem& fs, const std::string& dir, const walpb::Snapshot& at);

// The snapshot positions recorded in the WAL whose index is covered by the last hard
// state's commit, oldest first (etcd's ValidSnapshotEntries): the .snap files that may be
// loaded at start-up are the ones matching these.
Result<std::vector<walpb::Snapshot>> ValidSnapshotEntries(base::FileSystem& fs, const std::string& dir);

// Cuts a torn record off the last segment, keeping a copy "<segment>.broken" (etcd's
// Repair). OK when there was nothing to repair; an error for real corruption.
Status Repair(base::FileSystem& fs, const std::string& dir);

// Copies a damaged segment to path (its ".broken" twin) and syncs the copy, before a
// repair cuts the original.
Status SaveBrokenCopy(base::FileSystem& fs, base::File& segment, const std::string& path);

// Removes the oldest segments beyond max_wals (--max-wals; 0 keeps all), never one an
// open Wal still holds locked (see Wal::ReleaseLockTo).
Status PurgeSegments(base::FileSystem& fs, const std::string& dir, size_t max_wals,
                     std::vector<std::string>* removed = nullptr);

}  // namespace etcdpp::wal
