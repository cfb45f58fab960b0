#include "net/listen_url.h"

#include <charconv>

namespace etcdpp::net {

std::string ListenUrl::Address() const {
  if (is_unix) return path;
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

Result<ListenUrl> ParseListenUrl(std::string_view url) {
  ListenUrl u;
  const size_t sep = url.find("://");
  if (sep == std::string_view::npos) return InvalidArgument("URL scheme must be http, https, unix, or unixs: " + std::string(url));
  u.scheme = std::string(url.substr(0, sep));
  std::string_view rest = url.substr(sep + 3);
  if (u.scheme == "unix" || u.scheme == "unixs") {
    u.is_unix = true;
    u.secure = u.scheme == "unixs";
    u.path = std::string(rest);
    if (u.path.empty()) return InvalidArgument("missing unix socket path in " + std::string(url));
    return u;
  }
  if (u.scheme != "http" && u.scheme != "https") {
    return InvalidArgument("URL scheme must be http, https, unix, or unixs: " + std::string(url));
  }
  u.secure = u.scheme == "https";
  const size_t slash = rest.find('/');
  if (slash != std::string_view::npos) {
    if (rest.substr(slash) != "/") return InvalidArgument("URL must not contain a path: " + std::string(url));
    rest = rest.substr(0, slash);
  }
  std::string_view port;
  if (!rest.empty() && rest.front() == '[') {
    const size_t close = rest.find(']');
    if (close == std::string_view::npos || close + 1 >= rest.size() || rest[close + 1] != ':') {
      return InvalidArgument("URL address does not have the form \"host:port\": " + std::string(url));
    }
    u.host = std::string(rest.substr(1, close - 1));
    port = rest.substr(close + 2);
  } else {
    const size_t colon = rest.rfind(':');
    if (colon == std::string_view::npos) {
      return InvalidArgument("URL address does not have the form \"host:port\": " + std::string(url));
    }
    u.host = std::string(rest.substr(0, colon));
    port = rest.substr(colon + 1);
  }
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc() || end != port.data() + port.size() || value > 65535) {
    return InvalidArgument("invalid port in URL: " + std::string(url));
  }
  u.port = static_cast<uint16_t>(value);
  return u;
}

}  // namespace etcdpp::net
