#include "wal/wal.h"

#include <filesystem>

#include "wal/segment_name.h"
#include "wal/wal_dir.h"

namespace etcdpp::wal {
namespace {

// Encoded records are written out once this many are pending, so a Ready of large entries
// does not build its whole encoding in memory first; a buffer grown past twice this by
// one large record is released after the write.
constexpr size_t kWriteChunkBytes = size_t{1} << 20;

bool IsEmptyHardState(const raftpb::HardState& s) {
  return s.term() == 0 && s.vote() == 0 && s.commit() == 0;
}

std::string ParentDir(const std::string& dir) {
  std::filesystem::path p = std::filesystem::path(dir).lexically_normal();
  if (!p.has_filename()) p = p.parent_path();
  std::string parent = p.parent_path().string();
  return parent.empty() ? "." : parent;
}

std::string TrimSlash(std::string dir) {
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  return dir;
}

}  // namespace

Wal::Wal(base::FileSystem* fs, std::string dir, WalOptions options)
    : fs_(fs), dir_(TrimSlash(std::move(dir))), options_(options) {}

Wal::~Wal() = default;

Result<std::unique_ptr<Wal>> Wal::Create(base::FileSystem* fs, const std::string& dir,
                                         std::string_view metadata, WalOptions options) {
  std::unique_ptr<Wal> w(new Wal(fs, dir, options));
  if (Exist(*fs, w->dir_)) return AlreadyExists("wal: " + w->dir_ + " already holds a WAL");
  // Build the whole first segment under dir.tmp, then rename it into place, so a crash
  // leaves either no WAL or a complete one.
  const std::string tmp = w->dir_ + ".tmp";
  if (fs->Exists(tmp)) ETCDPP_RETURN_IF_ERROR(fs->RemoveAll(tmp));
  ETCDPP_RETURN_IF_ERROR(fs->MkdirAll(tmp, 0700));
  const SegmentName name{0, 0, FormatSegmentName(0, 0)};
  ETCDPP_ASSIGN_OR_RETURN(std::unique_ptr<base::File> f,
                          fs->Open(base::JoinPath(tmp, name.name), base::OpenMode::kCreate, 0600));
  ETCDPP_RETURN_IF_ERROR(f->TryLock());
  ETCDPP_RETURN_IF_ERROR(f->Allocate(options.segment_size_bytes));
  w->segments_.push_back({name, std::move(f)});
  w->writable_ = true;
  w->read_done_ = true;
  w->metadata_ = std::string(metadata);
  ETCDPP_RETURN_IF_ERROR(w->Append(RecordType::kCrc, {}));
  ETCDPP_RETURN_IF_ERROR(w->Append(RecordType::kMetadata, metadata));
  walpb::Snapshot zero;
  zero.set_index(0);
  zero.set_term(0);
  ETCDPP_RETURN_IF_ERROR(w->SaveSnapshot(zero));
  ETCDPP_RETURN_IF_ERROR(fs->SyncDir(tmp));
  if (fs->Exists(w->dir_)) ETCDPP_RETURN_IF_ERROR(fs->RemoveAll(w->dir_));
  ETCDPP_RETURN_IF_ERROR(fs->Rename(tmp, w->dir_));
  ETCDPP_RETURN_IF_ERROR(fs->SyncDir(ParentDir(w->dir_)));
  return w;
}

Result<std::unique_ptr<Wal>> Wal::Open(base::FileSystem* fs, const std::string& dir,
                                       const walpb::Snapshot& at, WalOptions options) {
  return OpenAt(fs, dir, at, options, /*write=*/true);
}

Result<std::unique_ptr<Wal>> Wal::OpenForRead(base::FileSystem* fs, const std::string& dir,
                                              const walpb::Snapshot& at) {
  return OpenAt(fs, dir, at, WalOptions{}, /*write=*/false);
}

Result<std::unique_ptr<Wal>> Wal::OpenAt(base::FileSystem* fs, const std::string& dir,
                                         const walpb::Snapshot& at, WalOptions options,
                                         bool write) {
  std::unique_ptr<Wal> w(new Wal(fs, dir, options));
  ETCDPP_ASSIGN_OR_RETURN(std::vector<SegmentName> names, ListSegments(*fs, w->dir_));
  auto first = SearchSegment(names, at.index());
  if (names.empty() || !first || !IsContiguous(names, *first)) return NotFound("wal: file not found");
  for (size_t i = *first; i < names.size(); ++i) {
    const std::string path = base::JoinPath(w->dir_, names[i].name);
    ETCDPP_ASSIGN_OR_RETURN(
        std::unique_ptr<base::File> f,
        fs->Open(path, write ? base::OpenMode::kReadWrite : base::OpenMode::kRead));
    if (write) ETCDPP_RETURN_IF_ERROR(f->TryLock());
    w->segments_.push_back({names[i], std::move(f)});
  }
  w->writable_ = write;
  w->start_ = at;
  return w;
}

Result<Wal::Contents> Wal::ReadAll() { return ReadAll(nullptr); }

Result<Wal::Contents> Wal::ReadAll(const std::function<Status(raftpb::Entry&&)>& sink) {
  if (read_done_) return FailedPrecondition("wal: decoder not found");
  read_done_ = true;
  std::vector<SegmentSource> sources;
  for (auto& s : segments_) sources.push_back({s.name.name, s.file.get()});
  Decoder decoder(std::move(sources));
  Contents out;
  uint64_t entries = 0;  // entries after the snapshot so far, kept or handed to the sink
  bool have_metadata = false;
  bool match = false;
  Record rec;
  while (true) {
    ETCDPP_ASSIGN_OR_RETURN(bool got, decoder.Next(&rec));
    if (!got) break;
    switch (static_cast<RecordType>(rec.type)) {
      case RecordType::kEntry: {
        raftpb::Entry e;
        if (!e.ParseFromString(rec.data)) return Corruption("wal: malformed entry in " + decoder.segment_name());
        last_index_ = e.index();
        if (e.index() > start_.index()) {
          const uint64_t up = e.index() - start_.index() - 1;
          if (up > entries) return OutOfRange("wal: slice bounds out of range");
          // A rewritten index replaces that entry and everything after it.
          entries = up + 1;
          if (sink) {
            ETCDPP_RETURN_IF_ERROR(sink(std::move(e)));
          } else {
            out.entries.resize(up);
            out.entries.push_back(std::move(e));
          }
        }
        break;
      }
      case RecordType::kState:
        if (!out.state.ParseFromString(rec.data)) return Corruption("wal: malformed hard state in " + decoder.segment_name());
        break;
      case RecordType::kMetadata:
        if (have_metadata && rec.data != out.metadata) return FailedPrecondition("wal: conflicting metadata found");
        out.metadata = rec.data;
        have_metadata = true;
        break;
      case RecordType::kCrc:
        break;  // chain checked by the decoder
      case RecordType::kSnapshot: {
        walpb::Snapshot s;
        if (!s.ParseFromString(rec.data)) return Corruption("wal: malformed snapshot record in " + decoder.segment_name());
        if (s.index() == start_.index()) {
          if (s.term() != start_.term()) return FailedPrecondition("wal: snapshot mismatch");
          match = true;
        }
        break;
      }
      default:
        return Corruption("unexpected block type " + std::to_string(rec.type));
    }
  }
  if (decoder.torn_tail() && writable_) {
    if (!options_.repair_torn_tail) {
      return OutOfRange("wal: unexpected EOF (torn record in segment " + decoder.segment_name() +
                        " at offset " + std::to_string(decoder.last_valid_offset()) + ")");
    }
    ETCDPP_RETURN_IF_ERROR(RepairTail());
  }
  if (!match) return NotFound("wal: snapshot not found");
  metadata_ = out.metadata;
  state_ = out.state;
  if (writable_) {
    // Clear whatever lies past the last good record so stale bytes can never be
    // mistaken for records appended later.
    tail_offset_ = decoder.last_valid_offset();
    ETCDPP_RETURN_IF_ERROR(ZeroTail());
    encoder_ = Encoder(decoder.crc());
  } else {
    segments_.clear();
  }
  return out;
}

Status Wal::RepairTail() {
  // Keep the damaged segment for inspection, as etcd does; ZeroTail() then clears the
  // torn record.
  const std::string broken = base::JoinPath(dir_, segments_.back().name.name + ".broken");
  return SaveBrokenCopy(*fs_, *segments_.back().file, broken);
}

Status Wal::ZeroTail() {
  // Zeroes every non-zero byte past tail_offset_ (a torn record, or stale data beyond a
  // clean end) so it can never be mistaken for records appended later. Overwriting in
  // place keeps the preallocated blocks; truncating and reallocating costs a journal
  // commit on ext4.
  base::File& tail = *segments_.back().file;
  std::string buf(1 << 20, '\0');
  bool wrote = false;
  uint64_t off = tail_offset_;
  while (true) {
    ETCDPP_ASSIGN_OR_RETURN(size_t n, tail.ReadAt(off, buf.size(), buf.data()));
    if (n == 0) break;
    size_t first = 0, last = n;
    while (first < n && buf[first] == 0) ++first;
    while (last > first && buf[last - 1] == 0) --last;
    if (first < last) {
      ETCDPP_RETURN_IF_ERROR(tail.WriteAt(off + first, std::string(last - first, '\0')));
      wrote = true;
    }
    off += n;
  }
  if (off < options_.segment_size_bytes) {
    ETCDPP_RETURN_IF_ERROR(tail.Allocate(options_.segment_size_bytes));
  }
  return wrote ? tail.Sync() : Status::Ok();
}

Status Wal::Fail(Status s) {
  if (failed_.ok()) failed_ = s;
  return s;
}

Status Wal::Append(RecordType type, std::string_view data) {
  encoder_.Append(type, data, &pending_);
  return Status::Ok();
}

Status Wal::Flush() {
  if (pending_.empty()) return Status::Ok();
  Status s = segments_.back().file->WriteAt(tail_offset_, pending_);
  if (!s.ok()) return Fail(s);
  tail_offset_ += pending_.size();
  if (pending_.capacity() > 2 * kWriteChunkBytes) {
    pending_ = std::string();
  } else {
    pending_.clear();
  }
  return Status::Ok();
}

Status Wal::Sync() {
  if (!failed_.ok()) return failed_;
  ETCDPP_RETURN_IF_ERROR(Flush());
  if (options_.no_fsync) return Status::Ok();
  Status s = segments_.back().file->Sync();
  if (!s.ok()) return Fail(s);
  return Status::Ok();
}

Status Wal::WriteState(const raftpb::HardState& state) {
  if (IsEmptyHardState(state)) return Status::Ok();
  // etcd writes all three fields, zeros included.
  raftpb::HardState full;
  full.set_term(state.term());
  full.set_vote(state.vote());
  full.set_commit(state.commit());
  state_ = full;
  full.SerializeToString(&scratch_);
  return Append(RecordType::kState, scratch_);
}

Status Wal::Save(const raftpb::HardState& state, std::span<const raftpb::Entry> entries) {
  if (!failed_.ok()) return failed_;
  if (!writable_ || !read_done_ || segments_.empty()) return FailedPrecondition("wal: not open for appending");
  if (IsEmptyHardState(state) && entries.empty()) return Status::Ok();
  // raft's MustSync: entries, or a changed term or vote, must be durable before any
  // message that depends on them is sent.
  const bool must_sync = !entries.empty() || state.vote() != state_.vote() || state.term() != state_.term();
  // Readers refuse records this large, so writing one would make the log unreadable.
  for (const raftpb::Entry& e : entries) {
    if (e.ByteSizeLong() + 32 >= kMaxRecordBytes) return InvalidArgument("wal: max entry size limit exceeded");
  }
  for (const raftpb::Entry& e : entries) {
    e.SerializeToString(&scratch_);
    ETCDPP_RETURN_IF_ERROR(Append(RecordType::kEntry, scratch_));
    last_index_ = e.index();
    if (pending_.size() >= kWriteChunkBytes) ETCDPP_RETURN_IF_ERROR(Flush());
  }
  if (scratch_.capacity() > 2 * kWriteChunkBytes) scratch_ = std::string();
  ETCDPP_RETURN_IF_ERROR(WriteState(state));
  ETCDPP_RETURN_IF_ERROR(Flush());
  if (tail_offset_ < options_.segment_size_bytes) return must_sync ? Sync() : Status::Ok();
  return Cut();
}

Status Wal::SaveSnapshot(const walpb::Snapshot& snapshot) {
  if (!failed_.ok()) return failed_;
  if (!writable_ || !read_done_ || segments_.empty()) return FailedPrecondition("wal: not open for appending");
  walpb::Snapshot full;
  full.set_index(snapshot.index());
  full.set_term(snapshot.term());
  full.SerializeToString(&scratch_);
  ETCDPP_RETURN_IF_ERROR(Append(RecordType::kSnapshot, scratch_));
  if (last_index_ < snapshot.index()) last_index_ = snapshot.index();
  return Sync();
}

Status Wal::Cut() {
  // Seal the full tail at its real length, durably, before starting the next segment.
  base::File& old_tail = *segments_.back().file;
  Status s = old_tail.Truncate(tail_offset_);
  if (!s.ok()) return Fail(s);
  ETCDPP_RETURN_IF_ERROR(Sync());

  const SegmentName name{segments_.back().name.seq + 1, last_index_ + 1,
                         FormatSegmentName(segments_.back().name.seq + 1, last_index_ + 1)};
  const std::string tmp = base::JoinPath(dir_, std::to_string(next_tmp_++ % 2) + ".tmp");
  auto opened = fs_->Open(tmp, base::OpenMode::kCreateTruncate, 0600);
  if (!opened.ok()) return Fail(opened.status());
  std::unique_ptr<base::File> f = std::move(opened).value();
  if (!(s = f->TryLock()).ok() || !(s = f->Allocate(options_.segment_size_bytes)).ok()) return Fail(s);
  segments_.push_back({name, std::move(f)});
  tail_offset_ = 0;
  // A segment opens with the chain value so far, the metadata and the hard state, so it
  // can be read on its own once older segments are purged.
  ETCDPP_RETURN_IF_ERROR(Append(RecordType::kCrc, {}));
  ETCDPP_RETURN_IF_ERROR(Append(RecordType::kMetadata, metadata_));
  ETCDPP_RETURN_IF_ERROR(WriteState(state_));
  ETCDPP_RETURN_IF_ERROR(Sync());
  if (!(s = fs_->Rename(tmp, base::JoinPath(dir_, name.name))).ok()) return Fail(s);
  if (!(s = fs_->SyncDir(dir_)).ok()) return Fail(s);
  return Status::Ok();
}

Status Wal::ReleaseLockTo(uint64_t index) {
  if (segments_.empty()) return Status::Ok();
  // Keep the newest segment starting at or before index: it may hold entries after it.
  size_t smaller = segments_.size() - 1;
  for (size_t i = 0; i < segments_.size(); ++i) {
    if (segments_[i].name.index >= index) {
      smaller = i == 0 ? 0 : i - 1;
      break;
    }
  }
  if (smaller == 0) return Status::Ok();
  for (size_t i = 0; i < smaller; ++i) {
    if (segments_[i].file) ETCDPP_RETURN_IF_ERROR(segments_[i].file->Close());
  }
  segments_.erase(segments_.begin(), segments_.begin() + static_cast<ptrdiff_t>(smaller));
  return Status::Ok();
}

Status Wal::Close() {
  Status result;
  if (writable_ && read_done_ && !segments_.empty() && failed_.ok()) result = Sync();
  for (auto& s : segments_) {
    if (s.file) {
      Status c = s.file->Close();
      if (result.ok()) result = c;
    }
  }
  segments_.clear();
  return result;
}

std::vector<std::string> Wal::LockedSegments() const {
  std::vector<std::string> out;
  if (!writable_) return out;
  for (const auto& s : segments_) out.push_back(s.name.name);
  return out;
}

}  // namespace etcdpp::wal
