#include "net/sniff.h"

namespace etcdpp::net {

Protocol SniffProtocol(std::string_view first_bytes, bool allow_tls) {
  if (first_bytes.empty()) return Protocol::kNeedMore;
  if (allow_tls && static_cast<unsigned char>(first_bytes[0]) == 0x16) return Protocol::kTls;
  const size_t n = first_bytes.size() < kHttp2Preface.size() ? first_bytes.size() : kHttp2Preface.size();
  if (first_bytes.substr(0, n) != kHttp2Preface.substr(0, n)) return Protocol::kHttp1;
  return n == kHttp2Preface.size() ? Protocol::kHttp2 : Protocol::kNeedMore;
}

}  // namespace etcdpp::net
