// Url: a parsed URL with the fields etcd's flags care about, parsed the way Go's net/url
// does (so `--listen-client-urls` accepts and refuses what etcd does, with Go's messages),
// and ParseUrlList for etcd's comma-separated URL flags (pkg/types.NewURLs rules).
// Plain value type; any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace etcdpp {

struct Url {
  std::string scheme;     // lower-cased: "http", "https", "unix", "unixs"
  std::string host;       // without brackets: "127.0.0.1", "::1", "localhost"; "" if absent
  std::string port;       // "2379"; "" if absent
  std::string path;       // "" for etcd's URLs (a path is refused by ParseUrlList)
  std::string host_port;  // the authority's host part as written: "[::1]:2379"
  std::string opaque;     // "2379" in "localhost:2379" (scheme "localhost"), as Go parses it
  std::string user_info;  // before '@' in the authority
  std::string raw_query;  // after '?'
  std::string fragment;   // after '#'

  // Go's url.Parse. Errors read `parse "<text>": <why>`, as Go's.
  static Result<Url> Parse(std::string_view text);
  // Go's URL.String(): "http://127.0.0.1:2379".
  std::string String() const;

  friend bool operator==(const Url&, const Url&) = default;
};

// Go's net.SplitHostPort: "[::1]:80" → {"::1", "80"}. Errors read `address <a>: <why>`.
Result<std::pair<std::string, std::string>> SplitHostPort(std::string_view host_port);

// etcd's URL list rules: each entry trimmed and parsed; scheme must be http, https, unix or
// unixs; the authority must be "host:port"; no path. Sorted by String(), as etcd does.
Result<std::vector<Url>> ParseUrlList(const std::vector<std::string>& entries);
// Splits on ',' first (a flag value), then ParseUrlList.
Result<std::vector<Url>> ParseUrlList(std::string_view comma_separated);

// "a,b" of each String().
std::string JoinUrls(const std::vector<Url>& urls, std::string_view separator = ",");

}  // namespace etcdpp
