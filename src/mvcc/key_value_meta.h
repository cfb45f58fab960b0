// KeyValueMeta: the fields of a stored mvccpb.KeyValue that rebuilding the key index
// needs (key, create revision, version, lease), read without the value. A row of the key
// bucket is read straight from the backend's memory map, so skipping the value's bytes
// means its pages are never touched: restoring a large database at start no longer
// brings the whole file into the process's RSS.
#pragma once

#include <cstdint>
#include <string_view>

namespace etcdpp::mvcc {

struct KeyValueMeta {
  std::string_view key;  // points into the decoded bytes
  int64_t create_revision = 0;
  int64_t version = 0;
  int64_t lease = 0;
};

// Decodes a serialized mvccpb.KeyValue; false when it is malformed.
bool DecodeKeyValueMeta(std::string_view bytes, KeyValueMeta* out);

}  // namespace etcdpp::mvcc
