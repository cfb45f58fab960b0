#include "wal/entry_reader.h"

#include <memory>

#include "wal/record_codec.h"
#include "wal/segment_name.h"

namespace etcdpp::wal {
namespace {

// The index of a marshalled raftpb.Entry without decoding its data: fields are written
// in number order (Type 1, Term 2, Index 3, Data 4), so the index comes first.
bool PeekEntryIndex(std::string_view in, uint64_t* index) {
  while (!in.empty()) {
    uint64_t tag = 0, v = 0;
    int shift = 0;
    auto varint = [&](uint64_t* out) {
      *out = 0;
      for (shift = 0; shift < 64 && !in.empty(); shift += 7) {
        const uint8_t b = static_cast<uint8_t>(in.front());
        in.remove_prefix(1);
        *out |= static_cast<uint64_t>(b & 0x7f) << shift;
        if (b < 0x80) return true;
      }
      return false;
    };
    if (!varint(&tag)) return false;
    switch (tag & 7) {
      case 0:
        if (!varint(&v)) return false;
        if ((tag >> 3) == 3) {
          *index = v;
          return true;
        }
        break;
      case 2:
        if (!varint(&v) || v > in.size()) return false;
        in.remove_prefix(v);
        break;
      case 1:
        if (in.size() < 8) return false;
        in.remove_prefix(8);
        break;
      case 5:
        if (in.size() < 4) return false;
        in.remove_prefix(4);
        break;
      default:
        return false;
    }
  }
  *index = 0;  // proto2: an absent Index is 0
  return true;
}

}  // namespace

EntryReader::EntryReader(base::FileSystem* fs, std::string dir) : fs_(fs), dir_(std::move(dir)) {}

Result<std::vector<raftpb::Entry>> EntryReader::Read(uint64_t lo, uint64_t hi, uint64_t max_bytes) {
  std::vector<raftpb::Entry> out;
  if (lo >= hi) return out;
  ETCDPP_ASSIGN_OR_RETURN(std::vector<SegmentName> names, ListSegments(*fs_, dir_));
  auto first = SearchSegment(names, lo);
  if (!first) return NotFound("wal: entry " + std::to_string(lo) + " is not in the WAL");
  std::vector<std::unique_ptr<base::File>> files;
  std::vector<SegmentSource> sources;
  for (size_t i = *first; i < names.size(); ++i) {
    auto f = fs_->Open(base::JoinPath(dir_, names[i].name), base::OpenMode::kRead);
    if (!f.ok()) {
      if (f.status().code() == StatusCode::kNotFound) break;  // purged meanwhile
      return f.status();
    }
    sources.push_back({names[i].name, f->get()});
    files.push_back(std::move(f).value());
  }
  Decoder decoder(std::move(sources));
  uint64_t bytes = 0;
  Record rec;
  while (true) {
    ETCDPP_ASSIGN_OR_RETURN(bool got, decoder.Next(&rec));
    if (!got) break;
    if (rec.type == static_cast<int64_t>(RecordType::kState)) {
      // Raft never rewrites a committed entry, and the committed version of an entry is
      // written no later than the hard state that commits it: once the whole range is
      // held and committed, nothing later in the log can change it.
      raftpb::HardState hs;
      if (!out.empty() && out.back().index() + 1 == hi && hs.ParseFromString(rec.data) &&
          hs.commit() + 1 >= hi) {
        break;
      }
      continue;
    }
    if (rec.type != static_cast<int64_t>(RecordType::kEntry)) continue;
    uint64_t index = 0;
    if (!PeekEntryIndex(rec.data, &index)) return Corruption("wal: malformed entry in " + decoder.segment_name());
    if (index >= hi) continue;
    // An entry at index drops everything we hold from index on (raft log rewrite).
    const uint64_t keep = index < lo ? 0 : index - lo;
    if (keep < out.size()) {
      for (size_t i = keep; i < out.size(); ++i) bytes -= out[i].ByteSizeLong();
      out.resize(keep);
    }
    if (index < lo || index != lo + out.size()) continue;
    raftpb::Entry e;
    if (!e.ParseFromString(rec.data)) return Corruption("wal: malformed entry in " + decoder.segment_name());
    bytes += rec.data.size();
    out.push_back(std::move(e));
    // Shrink the range once the budget is spent; rewrites below hi still apply.
    if (bytes >= max_bytes) hi = index + 1;
  }
  if (out.empty()) return NotFound("wal: entry " + std::to_string(lo) + " is not in the WAL");
  return out;
}

}  // namespace etcdpp::wal
