#include "mvcc/kv_row_meta.h"

namespace etcdpp::mvcc {
namespace {

bool ReadVarint(std::string_view row, size_t& pos, uint64_t& out) {
  out = 0;
  for (int shift = 0; shift < 64 && pos < row.size(); shift += 7) {
    const auto byte = static_cast<uint8_t>(row[pos++]);
    out |= uint64_t{byte & 0x7fu} << shift;
    if ((byte & 0x80u) == 0) return true;
  }
  return false;
}

Status Bad() { return Corruption("mvcc: unreadable row in the key bucket"); }

}  // namespace

Result<RowMeta> ParseRowMeta(std::string_view row) {
  RowMeta meta;
  size_t pos = 0;
  while (pos < row.size()) {
    uint64_t tag = 0;
    if (!ReadVarint(row, pos, tag)) return Bad();
    const uint64_t field = tag >> 3;
    switch (tag & 7) {
      case 0: {  // varint
        uint64_t v = 0;
        if (!ReadVarint(row, pos, v)) return Bad();
        const auto value = static_cast<int64_t>(v);
        if (field == 2) meta.create_revision = value;
        if (field == 3) meta.mod_revision = value;
        if (field == 4) meta.version = value;
        if (field == 6) meta.lease = value;
        break;
      }
      case 2: {  // length-delimited: the key is kept, the value only stepped over
        uint64_t len = 0;
        if (!ReadVarint(row, pos, len) || len > row.size() - pos) return Bad();
        if (field == 1) meta.key = row.substr(pos, len);
        pos += len;
        break;
      }
      case 1:  // fixed64, fixed32: not in a KeyValue, skipped as protobuf would
        if (row.size() - pos < 8) return Bad();
        pos += 8;
        break;
      case 5:
        if (row.size() - pos < 4) return Bad();
        pos += 4;
        break;
      default:
        return Bad();
    }
  }
  return meta;
}

}  // namespace etcdpp::mvcc
