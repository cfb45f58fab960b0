// The WAL's record framing: how records are laid out in a segment, and the rolling
// CRC that chains them. Format: docs/formats/wal.md.
//
// Encoder turns records into framed bytes; Decoder reads them back from a chain of
// segment files, verifying the CRC chain, and tells a torn tail (an interrupted last
// write, safe to cut off) from corruption (reported with file and offset). Both are
// plain values owned by one thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/file_system.h"
#include "base/status.h"

namespace etcdpp::wal {

enum class RecordType : int64_t {
  kMetadata = 1,
  kEntry = 2,
  kState = 3,
  kCrc = 4,
  kSnapshot = 5,
};

// etcd's SegmentSizeBytes: decimal 64 MB, not MiB.
inline constexpr uint64_t kSegmentSizeBytes = 64ull * 1000 * 1000;
// Records at or above this size (etcd's maxWALEntrySizeLimit) are refused on read.
inline constexpr uint64_t kMaxRecordBytes = 10ull * 1024 * 1024;
// Torn-write detection works in units of the smallest disk sector.
inline constexpr uint64_t kMinSectorBytes = 512;
inline constexpr uint64_t kFrameHeaderBytes = 8;

struct Record {
  int64_t type = 0;
  uint32_t crc = 0;
  std::string data;
};

class Encoder {
 public:
  // prev_crc: the chain value carried over from the previous segment (0 for a new WAL).
  explicit Encoder(uint32_t prev_crc = 0) : crc_(prev_crc) {}

  // Appends one framed record to out. kCrc records carry the current chain value and no
  // data; every other record folds its data into the chain first.
  void Append(RecordType type, std::string_view data, std::string* out);
  uint32_t crc() const { return crc_; }

 private:
  uint32_t crc_;
};

// Bytes of the length word for a record of data_bytes: low 56 bits the length, top
// byte 0x80|pad when the record is padded to 8-byte alignment.
uint64_t EncodeFrameLength(uint64_t data_bytes, uint64_t* pad_bytes);

// One segment handed to a Decoder: its file name (for messages) and an open file.
struct SegmentSource {
  std::string name;
  base::File* file;  // borrowed; must outlive the Decoder
};

class Decoder {
 public:
  explicit Decoder(std::vector<SegmentSource> segments);
  ~Decoder();

  // Reads the next record into rec. Returns true with a record, false at the end of the
  // last segment (a clean end, or a torn tail: see torn_tail()). Corruption anywhere
  // else is an error naming the segment and byte offset.
  Result<bool> Next(Record* rec);

  // After Next() returned false: whether the last segment ended in a torn write.
  bool torn_tail() const { return torn_tail_; }
  // Offset just past the last good record in the segment being read.
  uint64_t last_valid_offset() const { return last_valid_offset_; }
  size_t segment_index() const { return seg_; }
  const std::string& segment_name() const;
  // Chain value after the last record read; seeds the Encoder that continues the WAL.
  uint32_t crc() const { return crc_; }

 private:
  class Reader;
  Result<bool> NextInSegment(Record* rec, bool* segment_done);
  bool LooksTorn(std::string_view frame_body, uint64_t body_offset) const;
  bool IsTail(uint64_t frame_end) const;
  Result<bool> OnlyZerosFrom(uint64_t offset) const;
  Status Corrupt(std::string_view what, uint64_t offset) const;

  std::vector<SegmentSource> segments_;
  std::unique_ptr<Reader> reader_;
  size_t seg_ = 0;
  uint64_t last_valid_offset_ = 0;
  uint32_t crc_ = 0;
  bool torn_tail_ = false;
  std::string body_;
};

}  // namespace etcdpp::wal
