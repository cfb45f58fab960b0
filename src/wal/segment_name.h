// WAL segment file names: "%016x-%016x.wal" of (sequence number, index of the first
// entry the segment may hold), as etcd names them. Pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/file_system.h"
#include "base/status.h"

namespace etcdpp::wal {

struct SegmentName {
  uint64_t seq = 0;
  uint64_t index = 0;
  std::string name;
};

std::string FormatSegmentName(uint64_t seq, uint64_t index);
std::optional<SegmentName> ParseSegmentName(std::string_view name);

// The segments in dir, in name order (other files, such as *.tmp, are skipped).
Result<std::vector<SegmentName>> ListSegments(base::FileSystem& fs, const std::string& dir);

// Position in segments of the newest segment whose first index is <= index, or nullopt.
std::optional<size_t> SearchSegment(const std::vector<SegmentName>& segments, uint64_t index);

// Whether segments (from some position on) have consecutive sequence numbers.
bool IsContiguous(const std::vector<SegmentName>& segments, size_t from);

}  // namespace etcdpp::wal
