#include "wal/record_codec.h"

#include <algorithm>
#include <cstring>

#include "base/crc32c.h"

namespace etcdpp::wal {
namespace {

void PutVarint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

bool GetVarint(std::string_view* in, uint64_t* v) {
  uint64_t result = 0;
  for (int shift = 0; shift < 64 && !in->empty(); shift += 7) {
    const uint8_t b = static_cast<uint8_t>(in->front());
    in->remove_prefix(1);
    result |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (b < 0x80) {
      *v = result;
      return true;
    }
  }
  return false;
}

// Parses walpb.Record{type=1, crc=2, data=3}, skipping unknown fields as protobuf does.
bool ParseRecord(std::string_view in, Record* rec) {
  rec->type = 0;
  rec->crc = 0;
  rec->data.clear();
  while (!in.empty()) {
    uint64_t tag, v;
    if (!GetVarint(&in, &tag)) return false;
    const uint64_t field = tag >> 3;
    switch (tag & 7) {
      case 0:
        if (!GetVarint(&in, &v)) return false;
        if (field == 1) rec->type = static_cast<int64_t>(v);
        if (field == 2) rec->crc = static_cast<uint32_t>(v);
        break;
      case 1:
        if (in.size() < 8) return false;
        in.remove_prefix(8);
        break;
      case 2:
        if (!GetVarint(&in, &v) || v > in.size()) return false;
        if (field == 3) rec->data.assign(in.data(), v);
        in.remove_prefix(v);
        break;
      case 5:
        if (in.size() < 4) return false;
        in.remove_prefix(4);
        break;
      default:
        return false;
    }
    if (field == 0) return false;
  }
  return true;
}

}  // namespace

uint64_t EncodeFrameLength(uint64_t data_bytes, uint64_t* pad_bytes) {
  // Padding to 8 bytes keeps every length word inside one sector, so it is never torn.
  *pad_bytes = (8 - data_bytes % 8) % 8;
  uint64_t len = data_bytes;
  if (*pad_bytes != 0) len |= (0x80 | *pad_bytes) << 56;
  return len;
}

void Encoder::Append(RecordType type, std::string_view data, std::string* out) {
  const bool is_crc = type == RecordType::kCrc;
  if (!is_crc) crc_ = base::Crc32cExtend(crc_, data);
  // Record body, field order as etcd's marshaller: type, crc, then data when present.
  // Built in place after a placeholder length word, filled in once the size is known.
  const size_t header_at = out->size();
  out->append(kFrameHeaderBytes, '\0');
  const size_t body_at = out->size();
  out->push_back(0x08);
  PutVarint(static_cast<uint64_t>(type), out);
  out->push_back(0x10);
  PutVarint(crc_, out);
  if (!is_crc) {
    out->push_back(0x1a);
    PutVarint(data.size(), out);
    out->append(data);
  }
  uint64_t pad = 0;
  const uint64_t len = EncodeFrameLength(out->size() - body_at, &pad);
  for (size_t i = 0; i < kFrameHeaderBytes; ++i) (*out)[header_at + i] = static_cast<char>(len >> (8 * i));
  out->append(pad, '\0');
}

// Sequential buffered reads of one segment.
class Decoder::Reader {
 public:
  explicit Reader(base::File* file) : file_(file) {}

  // Appends up to n bytes to out; fewer only at end of file.
  Result<size_t> Read(size_t n, std::string* out) {
    size_t done = 0;
    while (done < n) {
      if (pos_ == buf_.size()) {
        buf_.resize(kChunkBytes);
        ETCDPP_ASSIGN_OR_RETURN(size_t got, file_->ReadAt(file_offset_, kChunkBytes, buf_.data()));
        buf_.resize(got);
        file_offset_ += got;
        pos_ = 0;
        if (got == 0) break;
      }
      const size_t take = std::min(n - done, buf_.size() - pos_);
      out->append(buf_.data() + pos_, take);
      pos_ += take;
      done += take;
    }
    return done;
  }

 private:
  static constexpr size_t kChunkBytes = 256 * 1024;
  base::File* file_;
  uint64_t file_offset_ = 0;
  std::string buf_;
  size_t pos_ = 0;
};

Decoder::Decoder(std::vector<SegmentSource> segments) : segments_(std::move(segments)) {}
Decoder::~Decoder() = default;

const std::string& Decoder::segment_name() const {
  static const std::string kNone;
  return seg_ < segments_.size() ? segments_[seg_].name : kNone;
}

Status Decoder::Corrupt(std::string_view what, uint64_t offset) const {
  return Corruption(std::string(what) + " (segment " + segment_name() + ", offset " +
                    std::to_string(offset) + ")");
}

Result<bool> Decoder::Next(Record* rec) {
  while (seg_ < segments_.size() && !torn_tail_) {
    if (!reader_) {
      reader_ = std::make_unique<Reader>(segments_[seg_].file);
      last_valid_offset_ = 0;
    }
    bool segment_done = false;
    ETCDPP_ASSIGN_OR_RETURN(bool got, NextInSegment(rec, &segment_done));
    if (got) return true;
    if (!segment_done || seg_ + 1 == segments_.size()) return false;
    ++seg_;
    reader_.reset();
  }
  return false;
}

Result<bool> Decoder::NextInSegment(Record* rec, bool* segment_done) {
  const bool last = seg_ + 1 == segments_.size();
  const uint64_t start = last_valid_offset_;
  std::string header;
  ETCDPP_ASSIGN_OR_RETURN(size_t n, reader_->Read(kFrameHeaderBytes, &header));
  uint64_t len = 0;
  for (size_t i = 0; i < n; ++i) len |= static_cast<uint64_t>(static_cast<uint8_t>(header[i])) << (8 * i);
  if (n == 0 || (n == kFrameHeaderBytes && len == 0)) {
    // End of file, or the zeros of preallocated space: the segment ends here.
    *segment_done = true;
    return false;
  }
  if (n < kFrameHeaderBytes) {
    if (last) return torn_tail_ = true, false;
    return Corrupt("wal: unexpected EOF", start);
  }
  const uint64_t rec_bytes = len & ~(uint64_t{0xff} << 56);
  const uint64_t pad = (len >> 63) ? (len >> 56) & 0x7 : 0;
  const uint64_t body_offset = start + kFrameHeaderBytes;
  const uint64_t frame_end = body_offset + rec_bytes + pad;
  if (rec_bytes >= kMaxRecordBytes - pad) {
    if (last && IsTail(frame_end)) return torn_tail_ = true, false;
    return Corrupt("wal: max entry size limit exceeded", start);
  }
  body_.clear();
  ETCDPP_ASSIGN_OR_RETURN(size_t got, reader_->Read(rec_bytes + pad, &body_));
  if (got < rec_bytes + pad) {
    if (last) return torn_tail_ = true, false;
    return Corrupt("wal: unexpected EOF", start);
  }
  if (!ParseRecord(std::string_view(body_).substr(0, rec_bytes), rec)) {
    if (last && (LooksTorn(body_, body_offset) || IsTail(frame_end))) return torn_tail_ = true, false;
    return Corrupt("wal: malformed record", start);
  }
  if (rec->type != static_cast<int64_t>(RecordType::kCrc)) {
    const uint32_t expect = base::Crc32cExtend(crc_, rec->data);
    if (rec->crc != expect) {
      if (last && (LooksTorn(body_, body_offset) || IsTail(frame_end))) return torn_tail_ = true, false;
      return Corrupt("wal: crc mismatch", start);
    }
    crc_ = expect;
  } else {
    // A crc record restates the chain value at the segment start; 0 means we started
    // reading mid-chain and adopt it.
    if (crc_ != 0 && rec->crc != crc_) return Corrupt("wal: crc mismatch", start);
    crc_ = rec->crc;
  }
  last_valid_offset_ = frame_end;
  return true;
}

Result<bool> Decoder::OnlyZerosFrom(uint64_t offset) const {
  base::File* f = segments_[seg_].file;
  std::string buf(64 * 1024, '\0');
  // Bounded by the segment size: reads stop at end of file.
  while (true) {
    ETCDPP_ASSIGN_OR_RETURN(size_t n, f->ReadAt(offset, buf.size(), buf.data()));
    if (n == 0) return true;
    for (size_t i = 0; i < n; ++i) {
      if (buf[i] != 0) return false;
    }
    offset += n;
  }
}

bool Decoder::IsTail(uint64_t frame_end) const {
  // A bad record followed by nothing but zeros is the last thing ever written: a write
  // torn at any byte (disks that do not write whole sectors atomically), never a hole
  // in the middle of acknowledged records.
  auto zeros = OnlyZerosFrom(frame_end);
  return zeros.ok() && *zeros;
}

bool Decoder::LooksTorn(std::string_view body, uint64_t body_offset) const {
  // A write interrupted by power loss leaves whole sectors unwritten (zero, as the
  // segment was preallocated); data that is wrong but nowhere zero is corruption.
  uint64_t off = body_offset;
  while (!body.empty()) {
    const size_t chunk = std::min<uint64_t>(kMinSectorBytes - off % kMinSectorBytes, body.size());
    const std::string_view sector = body.substr(0, chunk);
    if (std::all_of(sector.begin(), sector.end(), [](char c) { return c == 0; })) return true;
    body.remove_prefix(chunk);
    off += chunk;
  }
  return false;
}

}  // namespace etcdpp::wal
