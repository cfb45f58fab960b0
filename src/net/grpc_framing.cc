#include "net/grpc_framing.h"

#include <algorithm>
#include <charconv>
#include <limits>

namespace etcdpp::net {

void WriteGrpcPrefix(char* out, size_t message_bytes) {
  const uint32_t n = static_cast<uint32_t>(message_bytes);
  out[0] = 0;
  out[1] = static_cast<char>(n >> 24);
  out[2] = static_cast<char>(n >> 16);
  out[3] = static_cast<char>(n >> 8);
  out[4] = static_cast<char>(n);
}

std::string GrpcPrefix(size_t message_bytes) {
  std::string prefix(kGrpcPrefixBytes, '\0');
  WriteGrpcPrefix(prefix.data(), message_bytes);
  return prefix;
}

void AppendGrpcMessage(std::string& out, std::string_view message) {
  char prefix[kGrpcPrefixBytes];
  WriteGrpcPrefix(prefix, message.size());
  out.append(prefix, kGrpcPrefixBytes);
  out.append(message);
}

std::string EncodeGrpcMessage(std::string_view message) {
  std::string out;
  out.reserve(kGrpcPrefixBytes + message.size());
  AppendGrpcMessage(out, message);
  return out;
}

GrpcStatus GrpcMessageReader::Feed(std::string_view data, std::vector<std::string>& out) {
  if (failed_) return GrpcStatus::Ok();
  while (!data.empty()) {
    if (body_expected_ == 0) {
      const size_t take = std::min(kGrpcPrefixBytes - header_have_, data.size());
      std::copy_n(data.data(), take, header_ + header_have_);
      header_have_ += take;
      data.remove_prefix(take);
      if (header_have_ < kGrpcPrefixBytes) break;
      header_have_ = 0;
      const size_t length = (size_t{header_[1]} << 24) | (size_t{header_[2]} << 16) |
                            (size_t{header_[3]} << 8) | size_t{header_[4]};
      if (header_[0] != 0) {
        failed_ = true;
        return {GrpcCode::kInternal, "grpc: compressed flag set with identity or empty encoding"};
      }
      if (length > max_message_bytes_) {
        failed_ = true;
        return {GrpcCode::kResourceExhausted, "grpc: received message larger than max (" +
                                                  std::to_string(length) + " vs. " +
                                                  std::to_string(max_message_bytes_) + ")"};
      }
      if (length == 0) {
        out.emplace_back();
        continue;
      }
      body_expected_ = length;
      body_.clear();
      body_.reserve(length);
    }
    const size_t take = std::min(body_expected_ - body_.size(), data.size());
    body_.append(data.data(), take);
    data.remove_prefix(take);
    if (body_.size() == body_expected_) {
      out.push_back(std::move(body_));
      body_ = std::string();
      body_expected_ = 0;
    }
  }
  return GrpcStatus::Ok();
}

std::string PercentEncodeGrpcMessage(std::string_view message) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(message.size());
  for (unsigned char c : message) {
    if (c >= 0x20 && c <= 0x7E && c != '%') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}

namespace {
int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::string PercentDecodeGrpcMessage(std::string_view encoded) {
  std::string out;
  out.reserve(encoded.size());
  for (size_t i = 0; i < encoded.size(); ++i) {
    if (encoded[i] == '%' && i + 2 < encoded.size()) {
      const int hi = HexValue(encoded[i + 1]);
      const int lo = HexValue(encoded[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(encoded[i]);
  }
  return out;
}

std::optional<std::chrono::nanoseconds> ParseGrpcTimeout(std::string_view value) {
  using namespace std::chrono;
  if (value.size() < 2 || value.size() > 9) return std::nullopt;
  int64_t amount = 0;
  const std::string_view digits = value.substr(0, value.size() - 1);
  if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  std::from_chars(digits.data(), digits.data() + digits.size(), amount);
  int64_t unit_ns = 0;
  switch (value.back()) {
    case 'H': unit_ns = 3600'000'000'000; break;
    case 'M': unit_ns = 60'000'000'000; break;
    case 'S': unit_ns = 1'000'000'000; break;
    case 'm': unit_ns = 1'000'000; break;
    case 'u': unit_ns = 1'000; break;
    case 'n': unit_ns = 1; break;
    default: return std::nullopt;
  }
  if (amount > std::numeric_limits<int64_t>::max() / unit_ns) return nanoseconds::max();
  return nanoseconds(amount * unit_ns);
}

std::string FormatGrpcTimeout(std::chrono::nanoseconds timeout) {
  static constexpr struct {
    int64_t ns;
    char unit;
  } kUnits[] = {{1, 'n'}, {1'000, 'u'}, {1'000'000, 'm'}, {1'000'000'000, 'S'},
                {60'000'000'000, 'M'}, {3600'000'000'000, 'H'}};
  constexpr int64_t kMaxAmount = 99'999'999;
  const int64_t ns = std::max<int64_t>(0, timeout.count());
  for (const auto& u : kUnits) {
    const int64_t amount = (ns + u.ns - 1) / u.ns;  // round up: never shorten a deadline
    if (amount <= kMaxAmount) return std::to_string(amount) + u.unit;
  }
  return std::to_string(kMaxAmount) + 'H';
}

std::string GrpcCodeText(GrpcCode code) { return std::to_string(static_cast<int>(code)); }

}  // namespace etcdpp::net
