#include "peer/snapshot_db.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>

namespace etcdpp::peer {

namespace {

Status Errno(const std::string& what) { return IoError(what + ": " + std::strerror(errno)); }

Status WriteAll(int fd, std::string_view bytes, const std::string& path) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Errno("write " + path);
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

}  // namespace

std::string SnapshotDbPath(const std::string& dir, uint64_t index) {
  char name[32];
  std::snprintf(name, sizeof name, "%016" PRIx64 ".snap.db", index);
  return dir + "/" + name;
}

Result<SnapshotDbTemp> SnapshotDbTemp::Create(const std::string& dir, uint64_t index) {
  std::string temp = SnapshotDbPath(dir, index) + ".tmp";
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Errno("open " + temp);
  return SnapshotDbTemp(fd, std::move(temp));
}

SnapshotDbTemp::SnapshotDbTemp(SnapshotDbTemp&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), path_(std::move(other.path_)), bytes_(other.bytes_) {
  other.path_.clear();
}

Status SnapshotDbTemp::Append(std::string_view bytes) {
  if (fd_ < 0) return IoError("write " + path_ + ": file closed");
  Status s = WriteAll(fd_, bytes, path_);
  if (!s.ok()) {
    Discard();
    return s;
  }
  bytes_ += bytes.size();
  return s;
}

Status SnapshotDbTemp::Close() {
  if (fd_ < 0) return IoError("close " + path_ + ": file closed");
  const int rc = ::close(std::exchange(fd_, -1));
  if (rc != 0) {
    Status s = Errno("close " + path_);
    Discard();
    return s;
  }
  path_.clear();  // kept: CommitSnapshotDb owns it now
  return Status::Ok();
}

void SnapshotDbTemp::Discard() {
  if (fd_ >= 0) ::close(std::exchange(fd_, -1));
  if (!path_.empty()) ::unlink(path_.c_str());
  path_.clear();
}

Status WriteSnapshotDbTemp(const std::string& dir, uint64_t index, std::string_view bytes) {
  ETCDPP_ASSIGN_OR_RETURN(SnapshotDbTemp temp, SnapshotDbTemp::Create(dir, index));
  ETCDPP_RETURN_IF_ERROR(temp.Append(bytes));
  return temp.Close();
}

Result<std::string> SaveSnapshotDb(const std::string& dir, uint64_t index, std::string_view bytes) {
  ETCDPP_RETURN_IF_ERROR(WriteSnapshotDbTemp(dir, index, bytes));
  return CommitSnapshotDb(dir, index);
}

Result<std::string> CommitSnapshotDb(const std::string& dir, uint64_t index) {
  const std::string path = SnapshotDbPath(dir, index);
  const std::string temp = path + ".tmp";
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return Errno("open " + temp);
  Status s;
  if (::fsync(fd) != 0) s = Errno("fsync " + temp);
  ::close(fd);
  if (s.ok() && ::rename(temp.c_str(), path.c_str()) != 0) s = Errno("rename " + temp);
  if (!s.ok()) {
    ::unlink(temp.c_str());
    return s;
  }
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) return Errno("open " + dir);
  const int rc = ::fsync(dir_fd);
  ::close(dir_fd);
  if (rc != 0) return Errno("fsync " + dir);
  return path;
}

}  // namespace etcdpp::peer
