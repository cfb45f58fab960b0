#include "testing/faulty_file_system.h"

#include <algorithm>
#include <filesystem>

namespace etcdpp::testing {

namespace {
std::string ParentOf(const std::string& path) {
  return std::filesystem::path(path).parent_path().string();
}
}  // namespace

class FaultyFile final : public base::File {
 public:
  FaultyFile(FaultyFileSystem* fs, std::unique_ptr<base::File> real, uint64_t generation,
             uint64_t id)
      : fs_(fs), real_(std::move(real)), path_(real_->path()), generation_(generation), id_(id) {}
  ~FaultyFile() override {
    std::lock_guard lock(fs_->mu_);
    fs_->open_paths_.erase(id_);
    fs_->open_real_.erase(id_);
  }

  const std::string& path() const override { return path_; }

  Status WriteAt(uint64_t offset, std::string_view data) override {
    std::lock_guard lock(fs_->mu_);
    ETCDPP_RETURN_IF_ERROR(Alive());
    if (fs_->fail_writes_) return IoError("injected write failure: " + path_);
    return fs_->RecordWrite(id_, *real_, offset, data);
  }
  Result<size_t> ReadAt(uint64_t offset, size_t n, char* buf) override {
    std::lock_guard lock(fs_->mu_);
    ETCDPP_RETURN_IF_ERROR(Alive());
    return real_->ReadAt(offset, n, buf);
  }
  Status Sync() override {
    std::lock_guard lock(fs_->mu_);
    ETCDPP_RETURN_IF_ERROR(Alive());
    if (fs_->fail_syncs_) return IoError("injected fdatasync failure: " + path_);
    fs_->RecordSync(id_);
    return Status::Ok();
  }
  // Size changes are treated as durable at once: the WAL only truncates or grows
  // preallocated space, which carries no acknowledged data.
  Status Truncate(uint64_t size_bytes) override {
    std::lock_guard lock(fs_->mu_);
    ETCDPP_RETURN_IF_ERROR(Alive());
    ETCDPP_RETURN_IF_ERROR(real_->Truncate(size_bytes));
    const std::string& current = fs_->open_paths_[id_];
    for (auto& u : fs_->unsynced_) {
      if (u.path == current) u.old_size = std::min(u.old_size, size_bytes);
    }
    return Status::Ok();
  }
  Status Allocate(uint64_t size_bytes) override {
    std::lock_guard lock(fs_->mu_);
    ETCDPP_RETURN_IF_ERROR(Alive());
    return real_->Allocate(size_bytes);
  }
  Result<uint64_t> Size() override {
    std::lock_guard lock(fs_->mu_);
    ETCDPP_RETURN_IF_ERROR(Alive());
    return real_->Size();
  }
  Status TryLock() override {
    std::lock_guard lock(fs_->mu_);
    ETCDPP_RETURN_IF_ERROR(Alive());
    return real_->TryLock();
  }
  Status Close() override { return real_->Close(); }

 private:
  Status Alive() const {
    if (generation_ != fs_->generation_) return IoError("file opened before a simulated crash");
    return Status::Ok();
  }
  FaultyFileSystem* fs_;
  std::unique_ptr<base::File> real_;
  std::string path_;
  uint64_t generation_;
  uint64_t id_;
};

FaultyFileSystem::FaultyFileSystem() = default;
FaultyFileSystem::~FaultyFileSystem() = default;

Status FaultyFileSystem::RecordWrite(uint64_t file_id, base::File& raw, uint64_t offset,
                                     std::string_view data) {
  ETCDPP_ASSIGN_OR_RETURN(uint64_t size, raw.Size());
  Undo u{open_paths_[file_id], offset, data.size(), std::string(), size};
  if (offset < size) {
    u.old_bytes.resize(std::min<uint64_t>(data.size(), size - offset));
    ETCDPP_ASSIGN_OR_RETURN(size_t n, raw.ReadAt(offset, u.old_bytes.size(), u.old_bytes.data()));
    u.old_bytes.resize(n);
  }
  ETCDPP_RETURN_IF_ERROR(raw.WriteAt(offset, data));
  unsynced_.push_back(std::move(u));
  return Status::Ok();
}

void FaultyFileSystem::RecordSync(uint64_t file_id) {
  ++sync_count_;
  const std::string path = open_paths_[file_id];
  std::erase_if(unsynced_, [&](const Undo& u) { return u.path == path; });
}

void FaultyFileSystem::Crash(uint64_t keep_unsynced_bytes) {
  std::lock_guard lock(mu_);
  ++generation_;
  // A dead process holds no descriptors, hence no locks.
  for (auto& [id, f] : open_real_) f->Close().IgnoreError();
  // Which prefix of each write survives: the first keep_unsynced_bytes in write order.
  std::vector<uint64_t> kept(unsynced_.size());
  uint64_t budget = keep_unsynced_bytes;
  for (size_t i = 0; i < unsynced_.size(); ++i) {
    kept[i] = std::min(budget, unsynced_[i].length);
    budget -= kept[i];
  }
  for (size_t i = unsynced_.size(); i-- > 0;) {
    const Undo& u = unsynced_[i];
    if (kept[i] == u.length) continue;  // wholly inside the surviving prefix
    auto f = real_.Open(u.path, base::OpenMode::kReadWrite);
    if (!f.ok()) continue;  // removed since; nothing to roll back
    const uint64_t keep_end = u.offset + kept[i];
    if (kept[i] < u.old_bytes.size()) {
      (*f)->WriteAt(keep_end, std::string_view(u.old_bytes).substr(kept[i])).IgnoreError();
    }
    auto size = (*f)->Size();
    const uint64_t restored = std::max(u.old_size, keep_end);
    if (size.ok() && *size > restored && u.offset + u.length > u.old_size) {
      (*f)->Truncate(restored).IgnoreError();
    }
  }
  unsynced_.clear();
  for (size_t i = dir_ops_.size(); i-- > 0;) {
    const DirOp& op = dir_ops_[i];
    if (op.is_rename) {
      real_.Rename(op.to, op.from).IgnoreError();
    } else {
      real_.RemoveAll(op.to).IgnoreError();
    }
  }
  dir_ops_.clear();
}

uint64_t FaultyFileSystem::UnsyncedBytes() {
  std::lock_guard lock(mu_);
  uint64_t n = 0;
  for (const auto& u : unsynced_) n += u.length;
  return n;
}

void FaultyFileSystem::SetFailWrites(bool fail) {
  std::lock_guard lock(mu_);
  fail_writes_ = fail;
}

void FaultyFileSystem::SetFailSyncs(bool fail) {
  std::lock_guard lock(mu_);
  fail_syncs_ = fail;
}

uint64_t FaultyFileSystem::sync_count() {
  std::lock_guard lock(mu_);
  return sync_count_;
}

Result<std::unique_ptr<base::File>> FaultyFileSystem::Open(const std::string& path,
                                                           base::OpenMode mode, uint32_t perm) {
  std::lock_guard lock(mu_);
  const bool existed = real_.Exists(path);
  ETCDPP_ASSIGN_OR_RETURN(std::unique_ptr<base::File> f, real_.Open(path, mode, perm));
  if (!existed) dir_ops_.push_back({false, "", path});
  const uint64_t id = next_file_id_++;
  open_paths_[id] = path;
  open_real_[id] = f.get();
  return std::unique_ptr<base::File>(new FaultyFile(this, std::move(f), generation_, id));
}

Status FaultyFileSystem::Rename(const std::string& from, const std::string& to) {
  std::lock_guard lock(mu_);
  ETCDPP_RETURN_IF_ERROR(real_.Rename(from, to));
  auto moved = [&](std::string& p) {
    if (p == from) {
      p = to;
    } else if (p.size() > from.size() && p.compare(0, from.size(), from) == 0 && p[from.size()] == '/') {
      p = to + p.substr(from.size());
    }
  };
  for (auto& u : unsynced_) moved(u.path);
  for (auto& [id, p] : open_paths_) moved(p);
  for (auto& op : dir_ops_) moved(op.to);
  dir_ops_.push_back({true, from, to});
  return Status::Ok();
}

Status FaultyFileSystem::Remove(const std::string& path) {
  std::lock_guard lock(mu_);
  std::erase_if(unsynced_, [&](const Undo& u) { return u.path == path; });
  return real_.Remove(path);
}

Status FaultyFileSystem::RemoveAll(const std::string& path) {
  std::lock_guard lock(mu_);
  return real_.RemoveAll(path);
}

Status FaultyFileSystem::MkdirAll(const std::string& path, uint32_t perm) {
  std::lock_guard lock(mu_);
  const bool existed = real_.Exists(path);
  ETCDPP_RETURN_IF_ERROR(real_.MkdirAll(path, perm));
  if (!existed) dir_ops_.push_back({false, "", path});
  return Status::Ok();
}

Status FaultyFileSystem::SyncDir(const std::string& path) {
  std::lock_guard lock(mu_);
  if (fail_syncs_) return IoError("injected fsync failure: " + path);
  // No real fsync: durability here is simulated, and tests stay fast.
  if (!real_.Exists(path)) return NotFound("fsync " + path + ": no such directory");
  ++sync_count_;
  std::string dir = std::filesystem::path(path).lexically_normal().string();
  while (!dir.empty() && dir.back() == '/') dir.pop_back();
  std::erase_if(dir_ops_, [&](const DirOp& op) { return ParentOf(op.to) == dir; });
  return Status::Ok();
}

Result<std::vector<std::string>> FaultyFileSystem::ListDir(const std::string& path) {
  std::lock_guard lock(mu_);
  return real_.ListDir(path);
}

bool FaultyFileSystem::Exists(const std::string& path) {
  std::lock_guard lock(mu_);
  return real_.Exists(path);
}

}  // namespace etcdpp::testing
