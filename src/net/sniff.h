// Protocol sniffing for a shared listener: decides from a connection's first bytes
// whether it speaks TLS, HTTP/2 (prior knowledge / h2c, by the client preface) or
// HTTP/1.1. Pure function; callable from any thread.
#pragma once

#include <string_view>

namespace etcdpp::net {

inline constexpr std::string_view kHttp2Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

enum class Protocol {
  kNeedMore,  // the bytes so far are a proper prefix of the HTTP/2 preface
  kHttp2,
  kHttp1,     // anything else that is not TLS (a parser decides if it is valid HTTP)
  kTls,       // a TLS handshake record (content type 22)
};

// `allow_tls`: whether a leading 0x16 byte means TLS (listeners that accept both).
Protocol SniffProtocol(std::string_view first_bytes, bool allow_tls = false);

}  // namespace etcdpp::net
