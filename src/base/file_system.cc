#include "base/file_system.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <system_error>

namespace etcdpp::base {
namespace {

Status Errno(std::string_view op, const std::string& path, int err) {
  std::string msg = std::string(op) + " " + path + ": " + std::strerror(err);
  if (err == ENOENT) return NotFound(std::move(msg));
  if (err == EEXIST) return AlreadyExists(std::move(msg));
  return IoError(std::move(msg));
}

class PosixFile final : public File {
 public:
  PosixFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixFile() override {
    if (fd_ >= 0) ::close(fd_);
  }

  const std::string& path() const override { return path_; }

  Status WriteAt(uint64_t offset, std::string_view data) override {
    while (!data.empty()) {
      ssize_t n = ::pwrite(fd_, data.data(), data.size(), static_cast<off_t>(offset));
      if (n < 0) {
        if (errno == EINTR) continue;
        return Errno("write", path_, errno);
      }
      data.remove_prefix(static_cast<size_t>(n));
      offset += static_cast<uint64_t>(n);
    }
    return Status::Ok();
  }

  Result<size_t> ReadAt(uint64_t offset, size_t n, char* buf) override {
    size_t done = 0;
    while (done < n) {
      ssize_t r = ::pread(fd_, buf + done, n - done, static_cast<off_t>(offset + done));
      if (r < 0) {
        if (errno == EINTR) continue;
        return Errno("read", path_, errno);
      }
      if (r == 0) break;
      done += static_cast<size_t>(r);
    }
    return done;
  }

  Status Sync() override {
    if (::fdatasync(fd_) != 0) return Errno("fdatasync", path_, errno);
    return Status::Ok();
  }

  Status Truncate(uint64_t size_bytes) override {
    if (::ftruncate(fd_, static_cast<off_t>(size_bytes)) != 0) return Errno("truncate", path_, errno);
    return Status::Ok();
  }

  Status Allocate(uint64_t size_bytes) override {
    if (size_bytes == 0) return Status::Ok();
    if (::fallocate(fd_, 0, 0, static_cast<off_t>(size_bytes)) == 0) return Status::Ok();
    if (errno != EOPNOTSUPP && errno != ENOSYS) return Errno("fallocate", path_, errno);
    // Filesystems without fallocate (tmpfs on old kernels, some FUSE): extend instead.
    ETCDPP_ASSIGN_OR_RETURN(uint64_t size, Size());
    if (size >= size_bytes) return Status::Ok();
    return Truncate(size_bytes);
  }

  Result<uint64_t> Size() override {
    struct stat st;
    if (::fstat(fd_, &st) != 0) return Errno("stat", path_, errno);
    return static_cast<uint64_t>(st.st_size);
  }

  Status TryLock() override {
    if (::flock(fd_, LOCK_EX | LOCK_NB) == 0) return Status::Ok();
    if (errno == EWOULDBLOCK) return FailedPrecondition("fileutil: file already locked");
    return Errno("flock", path_, errno);
  }

  Status Close() override {
    if (fd_ < 0) return Status::Ok();
    int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) return Errno("close", path_, errno);
    return Status::Ok();
  }

 private:
  std::string path_;
  int fd_;
};

}  // namespace

std::string JoinPath(std::string_view dir, std::string_view name) {
  std::string out(dir);
  if (!out.empty() && out.back() != '/') out.push_back('/');
  out.append(name);
  return out;
}

Result<std::unique_ptr<File>> PosixFileSystem::Open(const std::string& path, OpenMode mode,
                                                    uint32_t perm) {
  int flags = O_CLOEXEC;
  switch (mode) {
    case OpenMode::kRead: flags |= O_RDONLY; break;
    case OpenMode::kReadWrite: flags |= O_RDWR; break;
    case OpenMode::kCreate: flags |= O_RDWR | O_CREAT; break;
    case OpenMode::kCreateTruncate: flags |= O_RDWR | O_CREAT | O_TRUNC; break;
  }
  int fd;
  do {
    fd = ::open(path.c_str(), flags, static_cast<mode_t>(perm));
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return Errno("open", path, errno);
  return std::unique_ptr<File>(new PosixFile(path, fd));
}

Status PosixFileSystem::Rename(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) return Errno("rename", from + " -> " + to, errno);
  return Status::Ok();
}

Status PosixFileSystem::Remove(const std::string& path) {
  if (::remove(path.c_str()) != 0) return Errno("remove", path, errno);
  return Status::Ok();
}

Status PosixFileSystem::RemoveAll(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
  if (ec) return IoError("remove " + path + ": " + ec.message());
  return Status::Ok();
}

Status PosixFileSystem::MkdirAll(const std::string& path, uint32_t perm) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) return IoError("mkdir " + path + ": " + ec.message());
  if (::chmod(path.c_str(), static_cast<mode_t>(perm)) != 0) return Errno("chmod", path, errno);
  return Status::Ok();
}

Status PosixFileSystem::SyncDir(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Errno("open", path, errno);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return Errno("fsync", path, err);
  return Status::Ok();
}

Result<std::vector<std::string>> PosixFileSystem::ListDir(const std::string& path) {
  DIR* d = ::opendir(path.c_str());
  if (d == nullptr) return Errno("opendir", path, errno);
  std::vector<std::string> names;
  while (struct dirent* e = ::readdir(d)) {
    std::string_view n(e->d_name);
    if (n == "." || n == "..") continue;
    names.emplace_back(n);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

bool PosixFileSystem::Exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

Result<std::string> ReadWholeFile(FileSystem& fs, const std::string& path) {
  ETCDPP_ASSIGN_OR_RETURN(std::unique_ptr<File> f, fs.Open(path, OpenMode::kRead));
  ETCDPP_ASSIGN_OR_RETURN(uint64_t size, f->Size());
  std::string out(size, '\0');
  ETCDPP_ASSIGN_OR_RETURN(size_t n, f->ReadAt(0, out.size(), out.data()));
  out.resize(n);
  return out;
}

Status WriteAndSyncFile(FileSystem& fs, const std::string& path, std::string_view data,
                        uint32_t perm) {
  ETCDPP_ASSIGN_OR_RETURN(std::unique_ptr<File> f,
                          fs.Open(path, OpenMode::kCreateTruncate, perm));
  ETCDPP_RETURN_IF_ERROR(f->WriteAt(0, data));
  ETCDPP_RETURN_IF_ERROR(f->Sync());
  return f->Close();
}

Status PurgeOldFiles(FileSystem& fs, const std::string& dir, std::string_view suffix,
                     size_t max_keep, std::vector<std::string>* removed) {
  if (max_keep == 0) return Status::Ok();
  ETCDPP_ASSIGN_OR_RETURN(std::vector<std::string> all, fs.ListDir(dir));
  std::vector<std::string> names;
  for (auto& n : all) {
    if (n.size() >= suffix.size() && n.compare(n.size() - suffix.size(), suffix.size(), suffix) == 0)
      names.push_back(std::move(n));
  }
  for (size_t i = 0; names.size() - i > max_keep; ++i) {
    const std::string path = JoinPath(dir, names[i]);
    ETCDPP_ASSIGN_OR_RETURN(std::unique_ptr<File> f, fs.Open(path, OpenMode::kReadWrite));
    // A held lock means the file is still in use (the WAL locks every segment it may
    // still need); everything newer is needed too, so stop here.
    if (!f->TryLock().ok()) break;
    ETCDPP_RETURN_IF_ERROR(fs.Remove(path));
    ETCDPP_RETURN_IF_ERROR(f->Close());
    if (removed) removed->push_back(names[i]);
  }
  return Status::Ok();
}

}  // namespace etcdpp::base
