#include "base/url.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

namespace etcdpp {
namespace {

bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Characters Go accepts unescaped in a host.
bool HostCharOk(unsigned char c) {
  if (c >= 0x80 || IsAlpha(static_cast<char>(c)) || IsDigit(static_cast<char>(c))) return true;
  static constexpr std::string_view kAllowed = "!$&'()*+,;=:[]<>\"-_.~%";
  return kAllowed.find(static_cast<char>(c)) != std::string_view::npos;
}

bool ValidOptionalPort(std::string_view port) {
  if (port.empty()) return true;
  if (port[0] != ':') return false;
  return std::all_of(port.begin() + 1, port.end(), IsDigit);
}

bool HexDigit(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

// Go's parseHost: checks brackets, the port and the characters; returns the host as written.
Status CheckHost(std::string_view host) {
  if (!host.empty() && host[0] == '[') {
    size_t close = host.rfind(']');
    if (close == std::string_view::npos) return InvalidArgument("missing ']' in host");
    std::string_view colon_port = host.substr(close + 1);
    if (!ValidOptionalPort(colon_port)) {
      return InvalidArgument(fmt::format("invalid port \"{}\" after host", colon_port));
    }
  } else if (size_t colon = host.rfind(':'); colon != std::string_view::npos) {
    std::string_view colon_port = host.substr(colon);
    if (!ValidOptionalPort(colon_port)) {
      return InvalidArgument(fmt::format("invalid port \"{}\" after host", colon_port));
    }
  }
  for (size_t i = 0; i < host.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(host[i]);
    if (c == '%') {
      if (i + 2 >= host.size() || !HexDigit(host[i + 1]) || !HexDigit(host[i + 2])) {
        std::string_view bad = host.substr(i, std::min<size_t>(3, host.size() - i));
        return InvalidArgument(fmt::format("invalid URL escape \"{}\"", bad));
      }
      i += 2;
      continue;
    }
    if (!HostCharOk(c)) {
      return InvalidArgument(fmt::format("invalid character \"{}\" in host name", host.substr(i, 1)));
    }
  }
  return Status::Ok();
}

// Go's getScheme: a scheme is letters then letters, digits, '+', '-', '.' up to ':'.
Result<std::pair<std::string, std::string_view>> SplitScheme(std::string_view raw) {
  for (size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (IsAlpha(c)) continue;
    if (IsDigit(c) || c == '+' || c == '-' || c == '.') {
      if (i == 0) return std::pair<std::string, std::string_view>{"", raw};
      continue;
    }
    if (c == ':') {
      if (i == 0) return InvalidArgument("missing protocol scheme");
      std::string scheme(raw.substr(0, i));
      for (char& ch : scheme) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      return std::pair<std::string, std::string_view>{scheme, raw.substr(i + 1)};
    }
    return std::pair<std::string, std::string_view>{"", raw};
  }
  return std::pair<std::string, std::string_view>{"", raw};
}

Status ParseInto(std::string_view raw, Url& url) {
  for (char c : raw) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return InvalidArgument("net/url: invalid control character in URL");
    }
  }
  ETCDPP_ASSIGN_OR_RETURN(auto split, SplitScheme(raw));
  url.scheme = std::move(split.first);
  std::string_view rest = split.second;
  if (size_t q = rest.find('?'); q != std::string_view::npos) {
    url.raw_query = std::string(rest.substr(q + 1));
    rest = rest.substr(0, q);
  }
  if (!rest.starts_with("/")) {
    if (!url.scheme.empty()) {
      url.opaque = std::string(rest);
      return Status::Ok();
    }
    std::string_view segment = rest.substr(0, rest.find('/'));
    if (segment.find(':') != std::string_view::npos) {
      return InvalidArgument("first path segment in URL cannot contain colon");
    }
  }
  if ((!url.scheme.empty() || !rest.starts_with("///")) && rest.starts_with("//")) {
    std::string_view authority = rest.substr(2);
    size_t slash = authority.find('/');
    rest = slash == std::string_view::npos ? std::string_view() : authority.substr(slash);
    authority = authority.substr(0, slash);
    if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
      url.user_info = std::string(authority.substr(0, at));
      authority = authority.substr(at + 1);
    }
    ETCDPP_RETURN_IF_ERROR(CheckHost(authority));
    url.host_port = std::string(authority);
  }
  url.path = std::string(rest);
  return Status::Ok();
}

}  // namespace

Result<std::pair<std::string, std::string>> SplitHostPort(std::string_view hp) {
  auto fail = [&](std::string_view why) {
    return InvalidArgument(fmt::format("address {}: {}", hp, why));
  };
  size_t colon = hp.rfind(':');
  if (colon == std::string_view::npos) return fail("missing port in address");
  std::string_view host;
  if (!hp.empty() && hp[0] == '[') {
    size_t close = hp.find(']');
    if (close == std::string_view::npos) return fail("missing ']' in address");
    if (close + 1 == hp.size()) return fail("missing port in address");
    if (close + 1 != colon) return fail(hp[close + 1] == ':' ? "too many colons in address" : "missing port in address");
    host = hp.substr(1, close - 1);
    if (hp.substr(0, colon).find('[', 1) != std::string_view::npos) return fail("unexpected '[' in address");
    if (hp.substr(close + 1).find(']') != std::string_view::npos) return fail("unexpected ']' in address");
  } else {
    host = hp.substr(0, colon);
    if (host.find(':') != std::string_view::npos) return fail("too many colons in address");
    if (host.find_first_of("[]") != std::string_view::npos) {
      return fail(host.find('[') != std::string_view::npos ? "unexpected '[' in address" : "unexpected ']' in address");
    }
  }
  return std::pair<std::string, std::string>{std::string(host), std::string(hp.substr(colon + 1))};
}

Result<Url> Url::Parse(std::string_view text) {
  Url url;
  std::string_view raw = text;
  if (size_t hash = raw.find('#'); hash != std::string_view::npos) {
    url.fragment = std::string(raw.substr(hash + 1));
    raw = raw.substr(0, hash);
  }
  Status s = ParseInto(raw, url);
  if (!s.ok()) return InvalidArgument(fmt::format("parse \"{}\": {}", raw, s.message()));
  if (auto hp = SplitHostPort(url.host_port); hp.ok()) {
    url.host = hp->first;
    url.port = hp->second;
  } else {
    url.host = url.host_port;
    if (url.host.size() >= 2 && url.host.front() == '[' && url.host.back() == ']') {
      url.host = url.host.substr(1, url.host.size() - 2);
    }
  }
  return url;
}

std::string Url::String() const {
  std::string out;
  if (!scheme.empty()) out += scheme + ":";
  if (!opaque.empty()) {
    out += opaque;
  } else {
    if (!scheme.empty() || !host_port.empty() || !user_info.empty()) {
      if (!host_port.empty() || !path.empty() || !user_info.empty()) out += "//";
      if (!user_info.empty()) out += user_info + "@";
      out += host_port;
    }
    if (!path.empty() && path[0] != '/' && !host_port.empty()) out += '/';
    out += path;
  }
  if (!raw_query.empty()) out += "?" + raw_query;
  if (!fragment.empty()) out += "#" + fragment;
  return out;
}

Result<std::vector<Url>> ParseUrlList(const std::vector<std::string>& entries) {
  if (entries.empty()) return InvalidArgument("no valid URLs given");
  std::vector<Url> urls;
  for (const std::string& entry : entries) {
    std::string_view in = entry;
    while (!in.empty() && std::isspace(static_cast<unsigned char>(in.front()))) in.remove_prefix(1);
    while (!in.empty() && std::isspace(static_cast<unsigned char>(in.back()))) in.remove_suffix(1);
    ETCDPP_ASSIGN_OR_RETURN(Url url, Url::Parse(in));
    if (url.scheme != "http" && url.scheme != "https" && url.scheme != "unix" && url.scheme != "unixs") {
      return InvalidArgument(fmt::format("URL scheme must be http, https, unix, or unixs: {}", in));
    }
    if (!SplitHostPort(url.host_port).ok()) {
      return InvalidArgument(fmt::format("URL address does not have the form \"host:port\": {}", in));
    }
    if (!url.path.empty()) return InvalidArgument(fmt::format("URL must not contain a path: {}", in));
    urls.push_back(std::move(url));
  }
  std::stable_sort(urls.begin(), urls.end(),
                   [](const Url& a, const Url& b) { return a.String() < b.String(); });
  return urls;
}

Result<std::vector<Url>> ParseUrlList(std::string_view comma_separated) {
  std::vector<std::string> entries;
  size_t start = 0;
  for (;;) {
    size_t comma = comma_separated.find(',', start);
    entries.emplace_back(comma_separated.substr(start, comma - start));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return ParseUrlList(entries);
}

std::string JoinUrls(const std::vector<Url>& urls, std::string_view separator) {
  std::string out;
  for (size_t i = 0; i < urls.size(); ++i) {
    if (i > 0) out += separator;
    out += urls[i].String();
  }
  return out;
}

}  // namespace etcdpp
