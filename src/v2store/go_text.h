// Text conventions of etcd's Go runtime that clients see byte for byte: encoding/json's
// string escaping, RFC 3339 timestamps with nanoseconds, and the path package's Clean
// and Join. Pure functions; any thread.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace etcdpp::v2store {

// The zero time.Time ("0001-01-01T00:00:00Z"): a node that never expires.
inline constexpr int64_t kPermanent = std::numeric_limits<int64_t>::min();

// Appends `s` as a JSON string literal the way encoding/json writes it: <, >, & and
// U+2028/U+2029 as \u escapes, control bytes as \u00xx except \n \r \t, and each byte of
// invalid UTF-8 as \ufffd.
void AppendJsonString(std::string& out, std::string_view s);

// time.Time's RFC3339Nano text in UTC ("2026-11-26T00:01:09.05347961Z": trailing zeros
// of the fraction dropped). kPermanent formats as the zero time.
std::string FormatRfc3339Nano(int64_t unix_ns);

// Parses RFC 3339 with optional fraction and a Z or ±hh:mm offset. The zero time parses
// as kPermanent; times outside int64 nanoseconds are clamped.
std::optional<int64_t> ParseRfc3339(std::string_view text);

// path.Clean: the shortest equivalent slash path ("" → ".", "/a/../b/" → "/b").
std::string CleanPath(std::string_view p);
// path.Join of two elements, cleaned; empty elements are ignored.
std::string JoinPath(std::string_view a, std::string_view b);
// Clean(Join("/", p)): the absolute form every store operation works on.
std::string AbsolutePath(std::string_view p);

}  // namespace etcdpp::v2store
