#include "mvcc/revision.h"

namespace etcdpp::mvcc {
namespace {

void PutBigEndian(uint64_t v, char* out) {
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
}

uint64_t GetBigEndian(const char* in) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(in[i]);
  return v;
}

}  // namespace

std::string EncodeRevision(Revision rev, bool tombstone) {
  std::string out(kRevisionBytes + (tombstone ? 1 : 0), '\0');
  PutBigEndian(static_cast<uint64_t>(rev.main), out.data());
  out[8] = '_';
  PutBigEndian(static_cast<uint64_t>(rev.sub), out.data() + 9);
  if (tombstone) out[kRevisionBytes] = kTombstoneMark;
  return out;
}

Result<Revision> DecodeRevision(std::string_view bytes) {
  const bool sized = bytes.size() == kRevisionBytes ||
                     (bytes.size() == kRevisionBytes + 1 && bytes.back() == kTombstoneMark);
  if (!sized || bytes[8] != '_') {
    return Corruption("mvcc: malformed revision key of " + std::to_string(bytes.size()) + " bytes");
  }
  return Revision{static_cast<int64_t>(GetBigEndian(bytes.data())),
                  static_cast<int64_t>(GetBigEndian(bytes.data() + 9))};
}

bool IsTombstone(std::string_view revision_bytes) {
  return revision_bytes.size() == kRevisionBytes + 1 && revision_bytes.back() == kTombstoneMark;
}

}  // namespace etcdpp::mvcc
