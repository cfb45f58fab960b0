// CRC-32C (Castagnoli): the checksum of etcd's WAL records, snap files and backend hash.
//
// Pure functions, safe from any thread. Extend() chains like Go's crc32.Update: the
// value passed in is a previous result (0 to start), so Extend(Extend(0, a), b) equals
// Value(a + b). Uses the SSE4.2 crc32 instruction when the CPU has it.
#pragma once

#include <cstdint>
#include <string_view>

namespace etcdpp::base {

uint32_t Crc32cExtend(uint32_t crc, std::string_view data);

inline uint32_t Crc32c(std::string_view data) { return Crc32cExtend(0, data); }

}  // namespace etcdpp::base
