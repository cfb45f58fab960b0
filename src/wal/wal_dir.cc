#include "wal/wal_dir.h"

#include <memory>

#include "raftpb/raft.pb.h"
#include "wal/record_codec.h"
#include "wal/segment_name.h"

namespace etcdpp::wal {
namespace {

// Open read-only handles on segments [from, end) of dir.
struct OpenSegments {
  std::vector<std::unique_ptr<base::File>> files;
  std::vector<SegmentSource> sources;
};

Result<OpenSegments> OpenFrom(base::FileSystem& fs, const std::string& dir,
                              const std::vector<SegmentName>& names, size_t from) {
  OpenSegments out;
  for (size_t i = from; i < names.size(); ++i) {
    ETCDPP_ASSIGN_OR_RETURN(std::unique_ptr<base::File> f,
                            fs.Open(base::JoinPath(dir, names[i].name), base::OpenMode::kRead));
    out.sources.push_back({names[i].name, f.get()});
    out.files.push_back(std::move(f));
  }
  return out;
}

}  // namespace

bool Exist(base::FileSystem& fs, const std::string& dir) {
  auto names = ListSegments(fs, dir);
  return names.ok() && !names->empty();
}

Status Verify(base::FileSystem& fs, const std::string& dir, const walpb::Snapshot& at) {
  ETCDPP_ASSIGN_OR_RETURN(std::vector<SegmentName> names, ListSegments(fs, dir));
  auto first = SearchSegment(names, at.index());
  if (!first || !IsContiguous(names, *first)) return NotFound("wal: file not found");
  ETCDPP_ASSIGN_OR_RETURN(OpenSegments segs, OpenFrom(fs, dir, names, *first));
  Decoder decoder(std::move(segs.sources));
  Record rec;
  std::string metadata;
  bool have_metadata = false, match = false;
  while (true) {
    ETCDPP_ASSIGN_OR_RETURN(bool got, decoder.Next(&rec));
    if (!got) break;
    switch (static_cast<RecordType>(rec.type)) {
      case RecordType::kMetadata:
        if (have_metadata && metadata != rec.data) return FailedPrecondition("wal: conflicting metadata found");
        metadata = rec.data;
        have_metadata = true;
        break;
      case RecordType::kSnapshot: {
        walpb::Snapshot s;
        if (!s.ParseFromString(rec.data)) return Corruption("wal: malformed snapshot record in " + decoder.segment_name());
        if (s.index() == at.index()) {
          if (s.term() != at.term()) return FailedPrecondition("wal: snapshot mismatch");
          match = true;
        }
        break;
      }
      case RecordType::kEntry:
      case RecordType::kState:
      case RecordType::kCrc:
        break;
      default:
        return Corruption("unexpected block type " + std::to_string(rec.type));
    }
  }
  if (!match) return NotFound("wal: snapshot not found");
  return Status::Ok();
}

Result<std::vector<walpb::Snapshot>> ValidSnapshotEntries(base::FileSystem& fs, const std::string& dir) {
  ETCDPP_ASSIGN_OR_RETURN(std::vector<SegmentName> names, ListSegments(fs, dir));
  if (names.empty()) return NotFound("wal: file not found");
  ETCDPP_ASSIGN_OR_RETURN(OpenSegments segs, OpenFrom(fs, dir, names, 0));
  Decoder decoder(std::move(segs.sources));
  std::vector<walpb::Snapshot> snaps;
  raftpb::HardState state;
  Record rec;
  while (true) {
    ETCDPP_ASSIGN_OR_RETURN(bool got, decoder.Next(&rec));
    if (!got) break;
    if (rec.type == static_cast<int64_t>(RecordType::kSnapshot)) {
      walpb::Snapshot s;
      if (!s.ParseFromString(rec.data)) return Corruption("wal: malformed snapshot record in " + decoder.segment_name());
      snaps.push_back(s);
    } else if (rec.type == static_cast<int64_t>(RecordType::kState)) {
      if (!state.ParseFromString(rec.data)) return Corruption("wal: malformed hard state in " + decoder.segment_name());
    }
  }
  // A snapshot past the commit index may describe entries that never became durable.
  std::erase_if(snaps, [&](const walpb::Snapshot& s) { return s.index() > state.commit(); });
  return snaps;
}

Status Repair(base::FileSystem& fs, const std::string& dir) {
  ETCDPP_ASSIGN_OR_RETURN(std::vector<SegmentName> names, ListSegments(fs, dir));
  if (names.empty()) return NotFound("wal: file not found");
  const std::string path = base::JoinPath(dir, names.back().name);
  ETCDPP_ASSIGN_OR_RETURN(std::unique_ptr<base::File> f, fs.Open(path, base::OpenMode::kReadWrite));
  ETCDPP_RETURN_IF_ERROR(f->TryLock());
  Decoder decoder({{names.back().name, f.get()}});
  Record rec;
  while (true) {
    ETCDPP_ASSIGN_OR_RETURN(bool got, decoder.Next(&rec));
    if (!got) break;
  }
  if (!decoder.torn_tail()) return Status::Ok();
  ETCDPP_RETURN_IF_ERROR(SaveBrokenCopy(fs, *f, path + ".broken"));
  ETCDPP_RETURN_IF_ERROR(f->Truncate(decoder.last_valid_offset()));
  return f->Sync();
}

Status SaveBrokenCopy(base::FileSystem& fs, base::File& segment, const std::string& path) {
  ETCDPP_ASSIGN_OR_RETURN(std::unique_ptr<base::File> copy,
                          fs.Open(path, base::OpenMode::kCreateTruncate, 0600));
  std::string buf(1 << 20, '\0');
  for (uint64_t off = 0;;) {
    ETCDPP_ASSIGN_OR_RETURN(size_t n, segment.ReadAt(off, buf.size(), buf.data()));
    if (n == 0) break;
    ETCDPP_RETURN_IF_ERROR(copy->WriteAt(off, std::string_view(buf.data(), n)));
    off += n;
  }
  ETCDPP_RETURN_IF_ERROR(copy->Sync());
  return copy->Close();
}

Status PurgeSegments(base::FileSystem& fs, const std::string& dir, size_t max_wals,
                     std::vector<std::string>* removed) {
  return base::PurgeOldFiles(fs, dir, ".wal", max_wals, removed);
}

}  // namespace etcdpp::wal
