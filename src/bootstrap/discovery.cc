#include "bootstrap/discovery.h"

#include <algorithm>
#include <cctype>
#include <set>

#include <nlohmann/json.hpp>

#include "base/url.h"
#include "bootstrap/static_cluster.h"
#include "membership/member.h"

namespace etcdpp::bootstrap {
namespace {

constexpr std::string_view kPkg = "discovery";

DiscoveryError Fail(DiscoveryFailure kind, std::string message) { return DiscoveryError{kind, std::move(message)}; }

// Go's url.QueryEscape, for the form body of a registration.
std::string FormEscape(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else if (c == ' ') {
      out.push_back('+');
    } else {
      out += {'%', kHex[c >> 4], kHex[c & 15]};
    }
  }
  return out;
}

// A v2 keys error answer as etcd's client prints it: "100: Key not found (/x) [3]".
struct KeysError {
  int code = 0;
  std::string text;
};
std::optional<KeysError> ParseKeysError(const std::string& body) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_object() || !j.contains("errorCode") || !j["errorCode"].is_number_integer()) return std::nullopt;
  KeysError e;
  e.code = j["errorCode"].get<int>();
  auto str = [&](const char* k) { return j.contains(k) && j[k].is_string() ? j[k].get<std::string>() : std::string(); };
  uint64_t index = j.contains("index") && j["index"].is_number_unsigned() ? j["index"].get<uint64_t>() : 0;
  e.text = std::to_string(e.code) + ": " + str("message") + " (" + str("cause") + ") [" + std::to_string(index) + "]";
  return e;
}

// The protocol's state: one object per JoinDiscoveryCluster call.
class Discovery {
 public:
  Discovery(const DiscoveryOptions& o, DiscoveryUrl url) : o_(o), url_(std::move(url)) {}

  ClusterOrError Join(const std::string& registration) {
    // A full cluster is refused before registering.
    if (auto checked = Check(); checked.error) return {{}, checked.error};
    if (auto e = CreateSelf(registration)) return {{}, e};
    Checked checked = Check();
    if (checked.error) return {{}, checked.error};
    return WaitNodes(std::move(checked));
  }

 private:
  struct Checked {
    std::vector<Registration> nodes;
    uint64_t size = 0;
    uint64_t index = 0;
    std::optional<DiscoveryError> error;
  };
  std::string SelfKey() const { return url_.cluster + "/" + membership::IdToString(o_.local_id); }
  // The token directory as keys name it: "/discovery/<token>" for ".../v2/keys/discovery/<token>".
  std::string KeysDir() const {
    const std::string prefix = "/v2/keys";
    return url_.cluster.starts_with(prefix) ? url_.cluster.substr(prefix.size()) : url_.cluster;
  }

  peer::PeerRequest Request(std::string method, const std::string& path_and_query) const {
    peer::PeerRequest r;
    r.method = std::move(method);
    r.timeout = o_.request_timeout;
    r.keep_headers = {"x-etcd-index"};
    if (o_.proxy.empty()) {
      r.url = url_.base;
      r.path = path_and_query;
    } else {
      r.url = o_.proxy;
      r.path = url_.base + path_and_query;  // absolute-form request to an HTTP proxy
    }
    return r;
  }

  // The exchange; a failure to reach the service, or a 5xx answer, is "unreachable" (etcd's
  // ClusterError) and is retried by the callers.
  Result<peer::PeerAnswer> Send(peer::PeerRequest r, std::string* unreachable) {
    Result<peer::PeerAnswer> a = o_.exchange(std::move(r));
    if (!a.ok()) {
      *unreachable = a.status().message();
    } else if (a->status >= 500) {
      *unreachable = "server responded with status " + std::to_string(a->status);
    }
    return a;
  }

  bool Backoff(std::string_view step) {
    if (retries_ >= o_.max_retries) return false;
    ++retries_;
    const uint64_t shift = std::min<uint64_t>(retries_, 8);
    const auto delay = std::chrono::seconds(uint64_t{1} << shift);
    if (o_.log) {
      o_.log->Log(LogLevel::kInfo, kPkg,
                  std::string(step) + ": error connecting to " + url_.base + ", retrying in " +
                      std::to_string(delay.count()) + "s",
                  "retry connecting to discovery service",
                  {LogField::Str("url", url_.base), LogField::Str("reason", step),
                   LogField::Str("backoff", std::to_string(delay.count()) + "s")});
    }
    return o_.wait(std::chrono::duration_cast<std::chrono::milliseconds>(delay));
  }

  void LogUnreachable(const std::string& path, const std::string& why) {
    if (!o_.log) return;
    o_.log->Log(LogLevel::kError, kPkg, "error #0: " + why, "failed to get from discovery server",
                {LogField::Str("discovery-url", url_.base), LogField::Str("path", path), LogField::Str("error", why)});
  }

  // etcd's checkCluster: the size, the registrations, and whether this member still fits;
  // while the service cannot be reached, retried after a backoff (max_retries bounds it).
  Checked Check() {
    for (;;) {
      bool unreachable = false;
      Checked c = CheckOnce(&unreachable);
      if (!unreachable) return c;
      if (!Backoff("cluster status check")) {
        const bool exhausted = retries_ >= o_.max_retries;
        return Checked{{}, 0, 0,
                       exhausted ? Fail(DiscoveryFailure::kOther, "discovery: too many retries")
                                 : Fail(DiscoveryFailure::kInterrupted, "discovery: interrupted")};
      }
    }
  }

  Checked CheckOnce(bool* retry) {
    std::string unreachable;
    const std::string size_path = url_.cluster + "/_config/size";
    auto a = Send(Request("GET", size_path), &unreachable);
    if (!unreachable.empty()) {
      LogUnreachable(KeysDir() + "/_config/size", unreachable);
      *retry = true;
      return {};
    }
    Checked c;
    if (a->status != 200) {
      auto e = ParseKeysError(a->body);
      if (!e) return Checked{{}, 0, 0, Fail(DiscoveryFailure::kOther, "discovery: bad discovery endpoint")};
      const auto kind = e->code == 100 ? DiscoveryFailure::kSizeNotFound : DiscoveryFailure::kOther;
      return Checked{{}, 0, 0, Fail(kind, e->text)};
    }
    auto j = nlohmann::json::parse(a->body, nullptr, false);
    if (!j.is_object() || !j.contains("node") || !j["node"].is_object()) {
      return Checked{{}, 0, 0, Fail(DiscoveryFailure::kOther, "discovery: bad discovery endpoint")};
    }
    const std::string size_text = j["node"].value("value", std::string());
    try {
      size_t used = 0;
      if (size_text.empty() || size_text[0] == '-' || size_text[0] == '+') throw std::invalid_argument("sign");
      c.size = std::stoull(size_text, &used, 10);
      if (used != size_text.size()) throw std::invalid_argument("trailing");
    } catch (const std::exception&) {
      return Checked{{}, 0, 0, Fail(DiscoveryFailure::kOther, "discovery: size key is bad")};
    }

    a = Send(Request("GET", url_.cluster), &unreachable);
    if (!unreachable.empty()) {
      LogUnreachable(KeysDir(), unreachable);
      *retry = true;
      return {};
    }
    if (a->status != 200) {
      auto e = ParseKeysError(a->body);
      return Checked{{}, 0, 0, Fail(DiscoveryFailure::kOther, e ? e->text : "discovery: bad discovery endpoint")};
    }
    auto nodes = ParseRegistrations(a->body);
    if (!nodes.ok()) return Checked{{}, 0, 0, Fail(DiscoveryFailure::kOther, "discovery: bad discovery endpoint")};
    c.nodes = std::move(*nodes);
    auto idx = a->headers.find("x-etcd-index");
    if (idx != a->headers.end() && !idx->second.empty()) c.index = std::strtoull(idx->second.c_str(), nullptr, 10);
    const std::string self = membership::IdToString(o_.local_id);
    for (size_t i = 0; i < c.nodes.size(); ++i) {
      if (KeyBase(c.nodes[i].key) == self) break;
      if (c.size == 0 || i >= c.size - 1) {
        c.nodes.resize(std::min<size_t>(c.nodes.size(), c.size));
        c.error = Fail(DiscoveryFailure::kFullCluster, "discovery: cluster is full");
        return c;
      }
    }
    return c;
  }

  // Create-only registration, then a watch that sees it on the server we talk to.
  std::optional<DiscoveryError> CreateSelf(const std::string& registration) {
    auto r = Request("PUT", SelfKey() + "?prevExist=false");
    r.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    r.body = "value=" + FormEscape(registration);
    std::string unreachable;
    auto a = Send(std::move(r), &unreachable);
    if (!unreachable.empty()) return Fail(DiscoveryFailure::kOther, unreachable);
    if (a->status == 412) {
      auto e = ParseKeysError(a->body);
      if (e && e->code == 105) return Fail(DiscoveryFailure::kDuplicateId, "discovery: found duplicate id");
    }
    if (a->status != 201 && a->status != 200) {
      auto e = ParseKeysError(a->body);
      return Fail(DiscoveryFailure::kOther, e ? e->text : "discovery: bad discovery endpoint");
    }
    auto j = nlohmann::json::parse(a->body, nullptr, false);
    if (!j.is_object() || !j.contains("node")) {
      return Fail(DiscoveryFailure::kOther, "discovery: bad discovery endpoint");
    }
    const uint64_t created = j["node"].value("createdIndex", uint64_t{0});
    auto w = Request("GET", SelfKey() + "?wait=true&waitIndex=" + std::to_string(created));
    a = Send(std::move(w), &unreachable);
    if (!unreachable.empty()) return Fail(DiscoveryFailure::kOther, unreachable);
    return std::nullopt;
  }

  void LogFound(std::string_view key) {
    if (!o_.log) return;
    const std::string id(KeyBase(key));
    if (id == membership::IdToString(o_.local_id)) {
      o_.log->Log(LogLevel::kNotice, kPkg, "found self " + id + " in the cluster", "found self from discovery server",
                  {LogField::Str("discovery-url", url_.base), LogField::Str("self", id)});
    } else {
      o_.log->Log(LogLevel::kNotice, kPkg, "found peer " + id + " in the cluster", "found peer from discovery server",
                  {LogField::Str("discovery-url", url_.base), LogField::Str("peer", id)});
    }
  }

  // Waits until `size` members registered. Each long poll is bounded; when one ends
  // without news (or the service went away) the list is read again from the service.
  ClusterOrError WaitNodes(Checked c) {
    if (c.nodes.size() > c.size) c.nodes.resize(c.size);
    for (const auto& n : c.nodes) LogFound(n.key);
    std::set<std::string> seen;
    for (const auto& n : c.nodes) seen.insert(n.key);
    while (c.nodes.size() < c.size) {
      if (o_.log) {
        const uint64_t more = c.size - c.nodes.size();
        o_.log->Log(LogLevel::kNotice, kPkg,
                    "found " + std::to_string(c.nodes.size()) + " peer(s), waiting for " + std::to_string(more) +
                        " more",
                    "found peers from discovery server; waiting for more",
                    {LogField::Str("discovery-url", url_.base), LogField::Int("found-peers", c.nodes.size()),
                     LogField::Int("needed-peers", more)});
      }
      if (!o_.wait(std::chrono::milliseconds(0))) {
        return {{}, Fail(DiscoveryFailure::kInterrupted, "discovery: interrupted")};
      }
      auto r = Request("GET", url_.cluster + "?wait=true&recursive=true&waitIndex=" + std::to_string(c.index + 1));
      r.timeout = o_.watch_poll;
      std::string unreachable;
      auto a = Send(std::move(r), &unreachable);
      std::optional<Registration> event;
      if (unreachable.empty() && a->status == 200) event = ParseEvent(a->body);
      if (!event) {
        // Timed out, compacted history or the service is gone: read the list again
        // (Check backs off while the service cannot be reached).
        Checked again = Check();
        if (again.error) return {{}, again.error};
        for (const auto& n : again.nodes) {
          if (seen.insert(n.key).second && c.nodes.size() < again.size) LogFound(n.key);
        }
        again.nodes.resize(std::min<size_t>(again.nodes.size(), again.size));
        c = std::move(again);
        continue;
      }
      c.index = event->created_index;
      if (KeyBase(event->key) == "_config" || event->key.find("/_config/") != std::string::npos) continue;
      if (!seen.insert(event->key).second) continue;
      LogFound(event->key);
      c.nodes.push_back(std::move(*event));
    }
    if (o_.log) {
      o_.log->Log(LogLevel::kNotice, kPkg, "found " + std::to_string(c.nodes.size()) + " needed peer(s)",
                  "found all needed peers from discovery server",
                  {LogField::Str("discovery-url", url_.base), LogField::Int("found-peers", c.nodes.size())});
    }
    return RegistrationsToCluster(c.nodes, c.size);
  }

  // A watch answer: the node that changed, with the index it changed at.
  static std::optional<Registration> ParseEvent(const std::string& body) {
    auto j = nlohmann::json::parse(body, nullptr, false);
    if (!j.is_object() || !j.contains("node") || !j["node"].is_object()) return std::nullopt;
    const auto& n = j["node"];
    Registration r;
    r.key = n.value("key", std::string());
    r.value = n.value("value", std::string());
    r.created_index = n.value("modifiedIndex", uint64_t{0});
    if (r.key.empty() || r.created_index == 0) return std::nullopt;
    return r;
  }

  const DiscoveryOptions& o_;
  DiscoveryUrl url_;
  uint64_t retries_ = 0;
};

}  // namespace

std::string_view KeyBase(std::string_view key) {
  while (key.size() > 1 && key.back() == '/') key.remove_suffix(1);
  size_t slash = key.rfind('/');
  return slash == std::string_view::npos ? key : key.substr(slash + 1);
}

Result<DiscoveryUrl> ParseDiscoveryUrl(std::string_view text) {
  ETCDPP_ASSIGN_OR_RETURN(Url u, Url::Parse(text));
  if (u.scheme != "http" && u.scheme != "https") {
    return InvalidArgument("discovery: unsupported protocol scheme \"" + u.scheme + "\" in " + std::string(text));
  }
  if (u.host_port.empty()) return InvalidArgument("discovery: no host in " + std::string(text));
  DiscoveryUrl d;
  d.base = u.scheme + "://" + u.host_port;
  d.cluster = u.path;
  while (d.cluster.size() > 1 && d.cluster.back() == '/') d.cluster.pop_back();
  if (d.cluster.empty() || d.cluster == "/") return InvalidArgument("discovery: no token path in " + std::string(text));
  return d;
}

Result<std::vector<Registration>> ParseRegistrations(std::string_view body) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_object() || !j.contains("node") || !j["node"].is_object()) {
    return InvalidArgument("not a v2 keys answer");
  }
  std::vector<Registration> out;
  const auto& node = j["node"];
  if (!node.contains("nodes")) return out;
  if (!node["nodes"].is_array()) return InvalidArgument("not a v2 keys answer");
  for (const auto& n : node["nodes"]) {
    if (!n.is_object()) return InvalidArgument("not a v2 keys answer");
    Registration r;
    r.key = n.value("key", std::string());
    if (KeyBase(r.key) == "_config") continue;
    r.value = n.value("value", std::string());
    r.created_index = n.value("createdIndex", uint64_t{0});
    out.push_back(std::move(r));
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const Registration& a, const Registration& b) { return a.created_index < b.created_index; });
  return out;
}

ClusterOrError RegistrationsToCluster(const std::vector<Registration>& nodes, uint64_t size) {
  ClusterOrError out;
  for (const auto& n : nodes) out.cluster += (out.cluster.empty() ? "" : ",") + n.value;
  auto parsed = ParseInitialCluster(out.cluster);
  if (!parsed.ok() || out.cluster.empty()) {
    out.error = Fail(DiscoveryFailure::kOther, "discovery: invalid URL");
  } else if (parsed->size() != size) {
    out.error = Fail(DiscoveryFailure::kDuplicateName, "discovery: found duplicate name");
  }
  return out;
}

std::string RegistrationValue(std::string_view name, const std::vector<std::string>& peer_urls) {
  std::vector<std::string> sorted = peer_urls;
  std::sort(sorted.begin(), sorted.end());
  std::string out;
  for (const auto& u : sorted) out += (out.empty() ? "" : ",") + std::string(name) + "=" + u;
  return out;
}

ClusterOrError JoinDiscoveryCluster(const DiscoveryOptions& options, const std::string& registration) {
  auto url = ParseDiscoveryUrl(options.url);
  if (!url.ok()) return {{}, DiscoveryError{DiscoveryFailure::kOther, url.status().message()}};
  if (!options.proxy.empty() && options.log) {
    options.log->Log(LogLevel::kInfo, kPkg, "using proxy \"" + options.proxy + "\"", "running proxy with discovery",
                     {LogField::Str("proxy-url", options.proxy)});
  }
  Discovery d(options, std::move(*url));
  return d.Join(registration);
}

}  // namespace etcdpp::bootstrap
