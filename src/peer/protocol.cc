#include "peer/protocol.h"

#include <charconv>
#include <cstdio>
#include <ctime>

#include "membership/member.h"

namespace etcdpp::peer {

int MajorMinor(std::string_view version) {
  int major = 0;
  int minor = 0;
  const char* end = version.data() + version.size();
  auto [p, ec] = std::from_chars(version.data(), end, major);
  if (ec != std::errc() || p == end || *p != '.') return -1;
  auto [q, ec2] = std::from_chars(p + 1, end, minor);
  if (ec2 != std::errc()) return -1;
  return major * 1000 + minor;
}

Compatibility CheckCompatibility(const net::HttpRequest& request, uint64_t cluster_id) {
  std::string_view server = request.Header("x-server-version");
  std::string_view min_cluster = request.Header("x-min-cluster-version");
  if (server.empty()) server = "2.0.0";
  if (min_cluster.empty()) min_cluster = "2.0.0";
  const int remote_server = MajorMinor(server);
  const int remote_min = MajorMinor(min_cluster);
  // The remote must be at least our minimum cluster version, and must not require a
  // cluster newer than we are.
  if (remote_server < MajorMinor(kMinClusterVersion) || remote_min < 0 || remote_min > MajorMinor(kServerVersion)) {
    return Compatibility::kIncompatibleVersion;
  }
  if (request.Header("x-etcd-cluster-id") != membership::IdToString(cluster_id)) {
    return Compatibility::kClusterIdMismatch;
  }
  return Compatibility::kOk;
}

net::HttpResponse GoError(int status, std::string_view message, net::HttpResponse extra) {
  extra.status = status;
  extra.headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
  extra.headers.emplace_back("X-Content-Type-Options", "nosniff");
  extra.body = std::string(message) + "\n";
  return extra;
}

std::string Rfc3339Nano(std::chrono::system_clock::time_point t) {
  const auto since = t.time_since_epoch();
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(since);
  const auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(since - secs).count();
  const std::time_t tt = static_cast<std::time_t>(secs.count());
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out(buf, n);
  if (nanos != 0) {
    // Go trims trailing zeros of the fraction.
    char frac[16];
    std::snprintf(frac, sizeof frac, ".%09lld", static_cast<long long>(nanos));
    std::string f(frac);
    while (f.back() == '0') f.pop_back();
    out += f;
  }
  out += "Z";
  return out;
}

}  // namespace etcdpp::peer
