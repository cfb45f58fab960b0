// Revision: a point in the history of the key space. `main` numbers write transactions
// (the store starts at 1), `sub` numbers the changes inside one. The backend's `key` bucket
// is keyed by revisions in etcd's encoding (docs/formats/backend.md), so its byte order is
// revision order. A plain value type.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace etcdpp::mvcc {

struct Revision {
  int64_t main = 0;
  int64_t sub = 0;
  auto operator<=>(const Revision&) const = default;
};

inline constexpr size_t kRevisionBytes = 17;  // 8 main, '_', 8 sub
inline constexpr char kTombstoneMark = 't';

// 17 bytes, or 18 with the tombstone mark.
std::string EncodeRevision(Revision rev, bool tombstone = false);
// Fails with Corruption for anything but 17 or 18 well-formed bytes.
Result<Revision> DecodeRevision(std::string_view bytes);
bool IsTombstone(std::string_view revision_bytes);

}  // namespace etcdpp::mvcc
