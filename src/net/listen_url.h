// ListenUrl: one of etcd's listen URLs (http://host:port, https://host:port,
// unix://path, unixs://path) taken apart. Pure value; any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace etcdpp::net {

struct ListenUrl {
  std::string scheme;
  std::string host;    // TCP: without brackets for IPv6
  uint16_t port = 0;   // TCP
  std::string path;    // unix: the socket path (etcd uses host + path)
  bool secure = false; // https / unixs
  bool is_unix = false;

  // The listening address as etcd names it: "host:port" or the socket path.
  std::string Address() const;
};

Result<ListenUrl> ParseListenUrl(std::string_view url);

}  // namespace etcdpp::net
