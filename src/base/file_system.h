// FileSystem: the seam between storage code (WAL, snap files) and the disk.
//
// Storage modules take a FileSystem* in their constructor instead of calling POSIX
// directly, so tests can swap in testing::FaultyFileSystem, which forgets unsynced
// bytes on a simulated crash (the idea of LevelDB's Env). PosixFileSystem is the real
// one. A FileSystem may be shared by threads; a File belongs to one thread at a time.
//
// Durability contract (what callers may rely on, and all the fault filesystem keeps
// after a crash): bytes written to a File survive only after File::Sync(); a file
// creation or rename survives only after SyncDir() of the directory holding the new
// name.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace etcdpp::base {

enum class OpenMode {
  kRead,            // existing file, read only
  kReadWrite,       // existing file
  kCreate,          // read-write, created if missing, kept if present
  kCreateTruncate,  // read-write, created if missing, emptied if present
};

// An open file. Positioned reads and writes; no hidden file offset.
class File {
 public:
  virtual ~File() = default;

  virtual const std::string& path() const = 0;
  // Writes all of data at offset (extending the file if needed).
  virtual Status WriteAt(uint64_t offset, std::string_view data) = 0;
  // Reads up to n bytes at offset into buf; fewer only at end of file.
  virtual Result<size_t> ReadAt(uint64_t offset, size_t n, char* buf) = 0;
  // fdatasync: data written so far, and the size, survive a crash once this returns OK.
  virtual Status Sync() = 0;
  virtual Status Truncate(uint64_t size_bytes) = 0;
  // Grows the file to at least size_bytes with zeros, reserving the blocks (fallocate).
  virtual Status Allocate(uint64_t size_bytes) = 0;
  virtual Result<uint64_t> Size() = 0;
  // Takes an exclusive advisory lock (flock), held until Close or destruction. Fails
  // with FailedPrecondition "fileutil: file already locked" if another holder has it.
  virtual Status TryLock() = 0;
  virtual Status Close() = 0;
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;

  virtual Result<std::unique_ptr<File>> Open(const std::string& path, OpenMode mode,
                                             uint32_t perm = 0600) = 0;
  virtual Status Rename(const std::string& from, const std::string& to) = 0;
  // Removes a file or an empty directory.
  virtual Status Remove(const std::string& path) = 0;
  virtual Status RemoveAll(const std::string& path) = 0;
  virtual Status MkdirAll(const std::string& path, uint32_t perm = 0700) = 0;
  // fsync of a directory: makes creations, removals and renames in it durable.
  virtual Status SyncDir(const std::string& path) = 0;
  // Entry names (not paths) in the directory, sorted.
  virtual Result<std::vector<std::string>> ListDir(const std::string& path) = 0;
  virtual bool Exists(const std::string& path) = 0;
};

// The real filesystem.
class PosixFileSystem final : public FileSystem {
 public:
  Result<std::unique_ptr<File>> Open(const std::string& path, OpenMode mode,
                                     uint32_t perm = 0600) override;
  Status Rename(const std::string& from, const std::string& to) override;
  Status Remove(const std::string& path) override;
  Status RemoveAll(const std::string& path) override;
  Status MkdirAll(const std::string& path, uint32_t perm = 0700) override;
  Status SyncDir(const std::string& path) override;
  Result<std::vector<std::string>> ListDir(const std::string& path) override;
  bool Exists(const std::string& path) override;
};

std::string JoinPath(std::string_view dir, std::string_view name);

Result<std::string> ReadWholeFile(FileSystem& fs, const std::string& path);

// Creates or replaces path with data and syncs it (not its directory).
Status WriteAndSyncFile(FileSystem& fs, const std::string& path, std::string_view data,
                        uint32_t perm);

// Removes the oldest (by name) files in dir ending in suffix until at most max_keep
// remain, like etcd's purge loop: it stops at the first file whose lock is held (a WAL
// segment still in use is never removed). max_keep 0 keeps everything. Removed names
// are appended to removed when given.
Status PurgeOldFiles(FileSystem& fs, const std::string& dir, std::string_view suffix,
                     size_t max_keep, std::vector<std::string>* removed = nullptr);

}  // namespace etcdpp::base
