// gRPC-over-HTTP/2 wire details that need no connection: length-prefixed messages
// (1-byte compressed flag, 4-byte big-endian length), the percent-encoding of
// grpc-message, and grpc-timeout values. Pure functions and one incremental reader
// owned by a single stream; none of it touches sockets or threads.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/grpc_status.h"

namespace etcdpp::net {

inline constexpr size_t kGrpcPrefixBytes = 5;

// Writes the uncompressed prefix of a `message_bytes` long message at `out` (5 bytes).
void WriteGrpcPrefix(char* out, size_t message_bytes);
// The uncompressed length prefix of a message of that size.
std::string GrpcPrefix(size_t message_bytes);
// Appends `message` with its uncompressed length prefix to `out`.
void AppendGrpcMessage(std::string& out, std::string_view message);
std::string EncodeGrpcMessage(std::string_view message);

// Splits a stream's DATA bytes into messages. A message longer than the limit is refused
// from its prefix alone, before any of its body is buffered, so a bogus 100 MiB length
// costs nothing.
class GrpcMessageReader {
 public:
  explicit GrpcMessageReader(size_t max_message_bytes) : max_message_bytes_(max_message_bytes) {}

  // Appends each completed message to `out`. Returns a non-OK status (RESOURCE_EXHAUSTED
  // for an oversized message, INTERNAL for a compressed one) once; the reader then ignores
  // all further input.
  GrpcStatus Feed(std::string_view data, std::vector<std::string>& out);

  // True when some bytes of an unfinished message have been received.
  bool partial() const { return header_have_ > 0 || body_expected_ > 0; }
  bool failed() const { return failed_; }

 private:
  size_t max_message_bytes_;
  unsigned char header_[kGrpcPrefixBytes] = {};
  size_t header_have_ = 0;
  size_t body_expected_ = 0;  // non-zero while a body is being collected
  std::string body_;
  bool failed_ = false;
};

// grpc-message carries UTF-8 percent-encoded: every byte outside 0x20..0x7E and '%'
// becomes %XX.
std::string PercentEncodeGrpcMessage(std::string_view message);
// Decodes %XX sequences; malformed sequences pass through unchanged (as the spec asks).
std::string PercentDecodeGrpcMessage(std::string_view encoded);

// Parses a grpc-timeout header ("<1-8 digits><H|M|S|m|u|n>"); nullopt when malformed.
// Very large hour values are clamped rather than overflowing.
std::optional<std::chrono::nanoseconds> ParseGrpcTimeout(std::string_view value);
// The shortest exact-or-rounded-up encoding with at most 8 digits.
std::string FormatGrpcTimeout(std::chrono::nanoseconds timeout);

// The decimal text of a status code, as sent in grpc-status.
std::string GrpcCodeText(GrpcCode code);

}  // namespace etcdpp::net
