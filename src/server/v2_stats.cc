// /v2/stats/self and /v2/stats/leader as etcd's stats package writes them. We keep no
// per-peer traffic counters, so the rates (omitted by etcd when zero) never appear and
// the follower counts and latencies stay zero.
#include <nlohmann/json.hpp>

#include "base/flag_set.h"
#include "server/server_impl.h"
#include "v2store/go_text.h"

namespace etcdpp::server {
namespace {

int64_t UnixNs(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

void AppendField(std::string& out, std::string_view name, std::string_view text_value) {
  out += '"';
  out += name;
  out += "\":";
  v2store::AppendJsonString(out, text_value);
}

}  // namespace

std::string EtcdServer::V2SelfStatsJson() const {
  const Impl& s = *impl_;
  const uint64_t leader_id = leader();
  const auto now = std::chrono::system_clock::now();
  std::chrono::system_clock::time_point since;
  {
    std::lock_guard lock(s.leader_seen_mu);
    if (s.leader_seen != leader_id) {
      s.leader_seen = leader_id;
      s.leader_seen_since = now;
    }
    since = s.leader_seen_since;
  }
  std::string out = "{";
  AppendField(out, "name", s.config.name);
  out += ',';
  AppendField(out, "id", membership::IdToString(member_id()));
  out += ',';
  AppendField(out, "state", leader_id == member_id() ? "StateLeader" : "StateFollower");
  out += ',';
  AppendField(out, "startTime", v2store::FormatRfc3339Nano(UnixNs(s.start_time)));
  out += ",\"leaderInfo\":{";
  AppendField(out, "leader", membership::IdToString(leader_id));
  out += ',';
  AppendField(out, "uptime", FormatGoDuration(now - since));
  out += ',';
  AppendField(out, "startTime", v2store::FormatRfc3339Nano(UnixNs(since)));
  out += "},\"recvAppendRequestCnt\":0,\"sendAppendRequestCnt\":0}";
  return out;
}

std::optional<std::string> EtcdServer::V2LeaderStatsJson() const {
  if (leader() != member_id()) return std::nullopt;
  std::string out = "{";
  AppendField(out, "leader", membership::IdToString(member_id()));
  out += ",\"followers\":{";
  bool first = true;
  for (const auto& m : Members()) {
    if (m.id == member_id()) continue;
    if (!first) out += ',';
    first = false;
    v2store::AppendJsonString(out, membership::IdToString(m.id));
    out += ":{\"latency\":{\"current\":0,\"average\":0,\"standardDeviation\":0,\"minimum\":0,\"maximum\":0},"
           "\"counts\":{\"fail\":0,\"success\":0}}";
  }
  out += "}}";
  return out;
}

}  // namespace etcdpp::server
