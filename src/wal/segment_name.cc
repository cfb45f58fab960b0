#include "wal/segment_name.h"

#include <cstdio>

namespace etcdpp::wal {
namespace {

bool ParseHex16(std::string_view s, uint64_t* out) {
  if (s.size() != 16) return false;
  uint64_t v = 0;
  for (char c : s) {
    int d;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
    else return false;
    v = (v << 4) | static_cast<uint64_t>(d);
  }
  *out = v;
  return true;
}

}  // namespace

std::string FormatSegmentName(uint64_t seq, uint64_t index) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%016llx-%016llx.wal", static_cast<unsigned long long>(seq),
                static_cast<unsigned long long>(index));
  return buf;
}

std::optional<SegmentName> ParseSegmentName(std::string_view name) {
  // 16 hex + '-' + 16 hex + ".wal"
  if (name.size() != 37 || name[16] != '-' || name.substr(33) != ".wal") return std::nullopt;
  SegmentName out;
  if (!ParseHex16(name.substr(0, 16), &out.seq) || !ParseHex16(name.substr(17, 16), &out.index))
    return std::nullopt;
  out.name = std::string(name);
  return out;
}

Result<std::vector<SegmentName>> ListSegments(base::FileSystem& fs, const std::string& dir) {
  ETCDPP_ASSIGN_OR_RETURN(std::vector<std::string> names, fs.ListDir(dir));
  std::vector<SegmentName> out;
  for (const auto& n : names) {
    if (auto s = ParseSegmentName(n)) out.push_back(std::move(*s));
  }
  return out;
}

std::optional<size_t> SearchSegment(const std::vector<SegmentName>& segments, uint64_t index) {
  for (size_t i = segments.size(); i-- > 0;) {
    if (index >= segments[i].index) return i;
  }
  return std::nullopt;
}

bool IsContiguous(const std::vector<SegmentName>& segments, size_t from) {
  for (size_t i = from + 1; i < segments.size(); ++i) {
    if (segments[i].seq != segments[i - 1].seq + 1) return false;
  }
  return true;
}

}  // namespace etcdpp::wal
