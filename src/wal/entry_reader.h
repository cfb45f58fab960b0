// EntryReader: reads a range of raft entries back from the WAL on disk, so the raft log
// can keep only a byte-bounded tail in memory and still serve a lagging follower
// (DESIGN §7). Memory use is bounded by max_bytes plus one entry, whatever the range.
//
// It opens segment files read-only (no locks) by name, so it can run on any thread
// while the raft thread appends to the same WAL; it sees what has been written so far
// (ask only for entries known durable). One EntryReader per thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/file_system.h"
#include "base/status.h"
#include "raftpb/raft.pb.h"

namespace etcdpp::wal {

class EntryReader {
 public:
  EntryReader(base::FileSystem* fs, std::string dir);

  // Entries lo, lo+1, ... below hi as they stand after all rewrites, stopping early once
  // their encoded size reaches max_bytes (at least one entry is returned). NotFound when
  // entry lo is not in the WAL (released by a purge, or not written yet).
  //
  // Starts at the newest segment opened before lo (segment names carry the first index)
  // and reads on until the range is complete and committed by a hard state record (a
  // later leader may rewrite uncommitted entries, never committed ones), or to the end
  // of the log; only the range itself is kept in memory.
  Result<std::vector<raftpb::Entry>> Read(uint64_t lo, uint64_t hi, uint64_t max_bytes);

 private:
  base::FileSystem* fs_;
  std::string dir_;
};

}  // namespace etcdpp::wal
