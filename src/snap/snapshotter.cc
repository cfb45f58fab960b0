#include "snap/snapshotter.h"

#include <algorithm>
#include <cstdio>

#include "base/crc32c.h"
#include "snappb/snap.pb.h"

namespace etcdpp::snap {
namespace {

constexpr std::string_view kSnapSuffix = ".snap";
constexpr std::string_view kDbSuffix = ".snap.db";
// etcd removes leftovers starting with this at load; our temporary db files use it too.
constexpr std::string_view kDbTmpPrefix = "db.tmp";

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

void PutVarint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

std::string Hex16(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace

std::string SnapFileName(uint64_t term, uint64_t index) {
  return Hex16(term) + "-" + Hex16(index) + std::string(kSnapSuffix);
}

std::string DbFileName(uint64_t index) { return Hex16(index) + std::string(kDbSuffix); }

Result<raftpb::Snapshot> ReadSnapFile(base::FileSystem& fs, const std::string& path) {
  ETCDPP_ASSIGN_OR_RETURN(std::string bytes, base::ReadWholeFile(fs, path));
  if (bytes.empty()) return Corruption(std::string(kErrEmptySnapshot) + ": " + path);
  snappb::snapshot envelope;
  if (!envelope.ParseFromString(bytes)) return Corruption("snap: malformed snapshot file " + path);
  if (envelope.data().empty() || envelope.crc() == 0) {
    return Corruption(std::string(kErrEmptySnapshot) + ": " + path);
  }
  if (base::Crc32c(envelope.data()) != envelope.crc()) {
    return Corruption(std::string(kErrCrcMismatch) + ": " + path);
  }
  raftpb::Snapshot snap;
  if (!snap.ParseFromString(envelope.data())) return Corruption("snap: malformed raft snapshot in " + path);
  return snap;
}

Snapshotter::Snapshotter(base::FileSystem* fs, std::string dir) : fs_(fs), dir_(std::move(dir)) {}

Status Snapshotter::SaveSnap(const raftpb::Snapshot& snapshot) {
  if (snapshot.metadata().index() == 0) return Status::Ok();
  std::string data;
  const auto& m = snapshot.metadata();
  if (m.has_index() && m.has_term() && m.has_conf_state()) {
    snapshot.SerializeToString(&data);
  } else {
    raftpb::Snapshot full = snapshot;  // etcd writes every metadata field, zeros too
    full.mutable_metadata()->set_index(m.index());
    full.mutable_metadata()->set_term(m.term());
    full.mutable_metadata()->mutable_conf_state();
    full.SerializeToString(&data);
  }
  // snappb.snapshot{crc = 1, data = 2}, encoded by hand to avoid copying data again.
  std::string file;
  file.reserve(data.size() + 16);
  file.push_back(0x08);
  PutVarint(base::Crc32c(data), &file);
  file.push_back(0x12);
  PutVarint(data.size(), &file);
  file.append(data);
  const std::string path = base::JoinPath(dir_, SnapFileName(m.term(), m.index()));
  Status s = base::WriteAndSyncFile(*fs_, path, file, 0666);
  if (!s.ok()) {
    fs_->Remove(path).IgnoreError();
    return s;
  }
  return fs_->SyncDir(dir_);
}

Result<std::vector<std::string>> Snapshotter::SnapNames() {
  ETCDPP_ASSIGN_OR_RETURN(std::vector<std::string> all, fs_->ListDir(dir_));
  std::vector<std::string> snaps;
  for (const auto& name : all) {
    if (name.starts_with(kDbTmpPrefix)) {
      // Left by a receive that crashed before its rename.
      Status s = fs_->Remove(base::JoinPath(dir_, name));
      if (!s.ok() && s.code() != StatusCode::kNotFound) return s;
      continue;
    }
    if (EndsWith(name, kSnapSuffix)) snaps.push_back(name);
  }
  std::sort(snaps.rbegin(), snaps.rend());
  return snaps;
}

template <typename Match>
Result<raftpb::Snapshot> Snapshotter::LoadMatching(Match match) {
  ETCDPP_ASSIGN_OR_RETURN(std::vector<std::string> names, SnapNames());
  for (const auto& name : names) {
    const std::string path = base::JoinPath(dir_, name);
    auto snap = ReadSnapFile(*fs_, path);
    if (!snap.ok()) {
      // etcd sets a bad file aside so the next start does not trip over it again.
      fs_->Rename(path, path + ".broken").IgnoreError();
      continue;
    }
    if (match(*snap)) return snap;
  }
  return NotFound(std::string(kErrNoSnapshot));
}

Result<raftpb::Snapshot> Snapshotter::Load() {
  return LoadMatching([](const raftpb::Snapshot&) { return true; });
}

Result<raftpb::Snapshot> Snapshotter::LoadNewestAvailable(std::span<const walpb::Snapshot> wal_snaps) {
  return LoadMatching([&](const raftpb::Snapshot& s) {
    return std::any_of(wal_snaps.begin(), wal_snaps.end(), [&](const walpb::Snapshot& w) {
      return w.term() == s.metadata().term() && w.index() == s.metadata().index();
    });
  });
}

std::string Snapshotter::DbFilePath(uint64_t index) const {
  return base::JoinPath(dir_, DbFileName(index));
}

Result<std::string> Snapshotter::FindDbFile(uint64_t index) {
  ETCDPP_RETURN_IF_ERROR(fs_->ListDir(dir_).status());
  std::string path = DbFilePath(index);
  if (fs_->Exists(path)) return path;
  return NotFound(std::string(kErrNoDbSnapshot));
}

Result<std::unique_ptr<DbFileWriter>> Snapshotter::BeginDbFile(uint64_t index) {
  const std::string tmp = base::JoinPath(dir_, std::string(kDbTmpPrefix) + "." + Hex16(index));
  ETCDPP_ASSIGN_OR_RETURN(std::unique_ptr<base::File> f,
                          fs_->Open(tmp, base::OpenMode::kCreateTruncate, 0600));
  return std::unique_ptr<DbFileWriter>(new DbFileWriter(fs_, tmp, DbFilePath(index), dir_, std::move(f)));
}

Status Snapshotter::ReleaseSnapDbs(const raftpb::Snapshot& snapshot) {
  ETCDPP_ASSIGN_OR_RETURN(std::vector<std::string> all, fs_->ListDir(dir_));
  for (const auto& name : all) {
    if (!EndsWith(name, kDbSuffix)) continue;
    const std::string hex = name.substr(0, name.size() - kDbSuffix.size());
    char* end = nullptr;
    const unsigned long long index = std::strtoull(hex.c_str(), &end, 16);
    if (hex.empty() || *end != '\0') continue;  // not ours to judge
    if (index < snapshot.metadata().index()) {
      Status s = fs_->Remove(base::JoinPath(dir_, name));
      if (!s.ok() && s.code() != StatusCode::kNotFound) return s;
    }
  }
  return Status::Ok();
}

Status Snapshotter::PurgeSnapFiles(size_t max_snapshots, std::vector<std::string>* removed) {
  return base::PurgeOldFiles(*fs_, dir_, kSnapSuffix, max_snapshots, removed);
}

DbFileWriter::DbFileWriter(base::FileSystem* fs, std::string tmp_path, std::string final_path,
                           std::string dir, std::unique_ptr<base::File> file)
    : fs_(fs), tmp_path_(std::move(tmp_path)), final_path_(std::move(final_path)),
      dir_(std::move(dir)), file_(std::move(file)) {}

DbFileWriter::~DbFileWriter() {
  if (done_) return;
  file_.reset();
  fs_->Remove(tmp_path_).IgnoreError();
}

Status DbFileWriter::Append(std::string_view bytes) {
  if (done_) return FailedPrecondition("snap: db file already committed");
  ETCDPP_RETURN_IF_ERROR(file_->WriteAt(size_, bytes));
  size_ += bytes.size();
  return Status::Ok();
}

Result<std::string> DbFileWriter::Commit() {
  if (done_) return FailedPrecondition("snap: db file already committed");
  ETCDPP_RETURN_IF_ERROR(file_->Sync());
  ETCDPP_RETURN_IF_ERROR(file_->Close());
  done_ = true;
  if (fs_->Exists(final_path_)) {
    fs_->Remove(tmp_path_).IgnoreError();
    return final_path_;
  }
  Status s = fs_->Rename(tmp_path_, final_path_);
  if (!s.ok()) {
    fs_->Remove(tmp_path_).IgnoreError();
    return s;
  }
  ETCDPP_RETURN_IF_ERROR(fs_->SyncDir(dir_));
  return final_path_;
}

}  // namespace etcdpp::snap
