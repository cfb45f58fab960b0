// ParseRowMeta: the fields of a key bucket row (an mvccpb.KeyValue) that rebuilding the
// index needs, read without touching the value's bytes. A restart or an installed snapshot
// scans every row; parsing whole rows would copy every value and fault every page of the
// backend's memory map into the process (a 1 GiB file of 1 MiB values would become 1 GiB of
// resident memory), where the key and revisions sit in the row's first bytes and the lease
// after the value.
#pragma once

#include <cstdint>
#include <string_view>

#include "base/status.h"

namespace etcdpp::mvcc {

struct RowMeta {
  std::string_view key;  // points into the row
  int64_t create_revision = 0;
  int64_t mod_revision = 0;
  int64_t version = 0;
  int64_t lease = 0;
};

// Fails with Corruption on a row that is not a well-formed KeyValue.
Result<RowMeta> ParseRowMeta(std::string_view row);

}  // namespace etcdpp::mvcc
