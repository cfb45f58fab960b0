// FaultyFileSystem: a test-only FileSystem over the real one that can simulate a
// power loss. It remembers every write not yet covered by File::Sync() (with the bytes
// it overwrote) and every creation or rename not yet covered by SyncDir(); Crash()
// undoes them, optionally keeping a prefix of the unsynced bytes to model a torn write.
// It can also make writes or syncs fail, to test that durability failures surface.
//
// Thread-safe (one mutex); files opened before a Crash() fail every later call, as a
// dead process's descriptors would.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/file_system.h"

namespace etcdpp::testing {

class FaultyFileSystem final : public base::FileSystem {
 public:
  FaultyFileSystem();
  ~FaultyFileSystem() override;

  // Simulates a power loss: unsynced bytes are rolled back (except the first
  // keep_unsynced_bytes of them, in write order, across all files) and unsynced
  // creations and renames are undone.
  void Crash(uint64_t keep_unsynced_bytes = 0);
  // Total bytes written and not yet synced.
  uint64_t UnsyncedBytes();
  // Failure injection: every later WriteAt / Sync fails with IoError while set.
  void SetFailWrites(bool fail);
  void SetFailSyncs(bool fail);
  uint64_t sync_count();

  Result<std::unique_ptr<base::File>> Open(const std::string& path, base::OpenMode mode,
                                           uint32_t perm = 0600) override;
  Status Rename(const std::string& from, const std::string& to) override;
  Status Remove(const std::string& path) override;
  Status RemoveAll(const std::string& path) override;
  Status MkdirAll(const std::string& path, uint32_t perm = 0700) override;
  Status SyncDir(const std::string& path) override;
  Result<std::vector<std::string>> ListDir(const std::string& path) override;
  bool Exists(const std::string& path) override;

 private:
  friend class FaultyFile;
  struct Undo {
    std::string path;
    uint64_t offset;
    uint64_t length;
    std::string old_bytes;  // bytes that were there (shorter when the write extended)
    uint64_t old_size;
  };
  struct DirOp {
    bool is_rename;
    std::string from;  // renames only
    std::string to;    // the created or renamed-to path
  };

  Status RecordWrite(uint64_t file_id, base::File& raw, uint64_t offset, std::string_view data);
  void RecordSync(uint64_t file_id);

  std::mutex mu_;  // guards everything below
  base::PosixFileSystem real_;
  std::vector<Undo> unsynced_;
  std::vector<DirOp> dir_ops_;
  std::map<uint64_t, std::string> open_paths_;  // file id -> current path (renames move it)
  std::map<uint64_t, base::File*> open_real_;   // file id -> real file, closed by Crash()
  uint64_t next_file_id_ = 1;
  uint64_t generation_ = 0;
  bool fail_writes_ = false;
  bool fail_syncs_ = false;
  uint64_t sync_count_ = 0;
};

}  // namespace etcdpp::testing
