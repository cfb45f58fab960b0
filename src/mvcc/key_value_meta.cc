#include "mvcc/key_value_meta.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

namespace etcdpp::mvcc {

namespace {
using google::protobuf::internal::WireFormatLite;

// mvccpb.KeyValue's field numbers (proto/mvccpb/kv.proto).
constexpr int kKeyField = 1;
constexpr int kCreateRevisionField = 2;
constexpr int kVersionField = 4;
constexpr int kLeaseField = 6;
}  // namespace

bool DecodeKeyValueMeta(std::string_view bytes, KeyValueMeta* out) {
  *out = KeyValueMeta{};
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes.data()),
                                            static_cast<int>(bytes.size()));
  for (;;) {
    if (in.CurrentPosition() == static_cast<int>(bytes.size())) return true;
    const uint32_t tag = in.ReadTag();
    if (tag == 0) return false;  // a truncated or zero tag
    const int field = WireFormatLite::GetTagFieldNumber(tag);
    const auto type = WireFormatLite::GetTagWireType(tag);
    uint64_t v = 0;
    if (type == WireFormatLite::WIRETYPE_VARINT &&
        (field == kCreateRevisionField || field == kVersionField || field == kLeaseField)) {
      if (!in.ReadVarint64(&v)) return false;
      const auto n = static_cast<int64_t>(v);
      if (field == kCreateRevisionField) out->create_revision = n;
      if (field == kVersionField) out->version = n;
      if (field == kLeaseField) out->lease = n;
    } else if (type == WireFormatLite::WIRETYPE_LENGTH_DELIMITED && field == kKeyField) {
      uint32_t len = 0;
      if (!in.ReadVarint32(&len)) return false;
      const int at = in.CurrentPosition();
      if (len > bytes.size() - static_cast<size_t>(at)) return false;
      out->key = bytes.substr(static_cast<size_t>(at), len);
      if (!in.Skip(static_cast<int>(len))) return false;
    } else if (!WireFormatLite::SkipField(&in, tag)) {  // the value: skipped, not read
      return false;
    }
  }
}

}  // namespace etcdpp::mvcc
