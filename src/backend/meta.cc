#include "backend/meta.h"

namespace etcdpp::backend {

std::string EncodeUint64(uint64_t value) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<char>(value & 0xff);
    value >>= 8;
  }
  return out;
}

Result<uint64_t> DecodeUint64(std::string_view bytes) {
  if (bytes.size() != 8) return Corruption("backend: expected 8 bytes, got " + std::to_string(bytes.size()));
  uint64_t value = 0;
  for (char c : bytes) value = (value << 8) | static_cast<uint8_t>(c);
  return value;
}

void WriteConsistentIndex(BatchTx& tx, ConsistentIndex ci) {
  tx.Put(Bucket::kMeta, kConsistentIndexKey, EncodeUint64(ci.index));
  tx.Put(Bucket::kMeta, kTermKey, EncodeUint64(ci.term));
}

Result<ConsistentIndex> ReadConsistentIndex(const ReadTx& tx) {
  ConsistentIndex ci;
  ETCDPP_ASSIGN_OR_RETURN(auto index, tx.Get(Bucket::kMeta, kConsistentIndexKey));
  if (index) {
    ETCDPP_ASSIGN_OR_RETURN(ci.index, DecodeUint64(*index));
  }
  ETCDPP_ASSIGN_OR_RETURN(auto term, tx.Get(Bucket::kMeta, kTermKey));
  if (term) {
    ETCDPP_ASSIGN_OR_RETURN(ci.term, DecodeUint64(*term));
  }
  return ci;
}

}  // namespace etcdpp::backend
