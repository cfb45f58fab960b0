#include "peer/peer_checks.h"

#include <string>
#include <utility>

#include "membership/member.h"
#include "peer/protocol.h"

namespace etcdpp::peer {

namespace {
constexpr std::string_view kComponent = "rafthttp";
}  // namespace

net::HttpResponse MethodNotAllowed(std::string_view allow) {
  net::HttpResponse extra;
  extra.headers.emplace_back("Allow", std::string(allow));
  return GoError(405, "Method Not Allowed", std::move(extra));
}

net::HttpResponse WithClusterId(const RaftHttpTransport& t) {
  net::HttpResponse r;
  r.headers.emplace_back("X-Etcd-Cluster-ID", membership::IdToString(t.options().cluster_id));
  return r;
}

bool Compatible(const RaftHttpTransport& t, const net::HttpRequest& request, const net::HttpResponder& responder,
                const net::HttpResponse& base) {
  const Compatibility c = CheckCompatibility(request, t.options().cluster_id);
  if (c == Compatibility::kOk) return true;
  Logger* log = t.options().logger;
  const std::string want = membership::IdToString(t.options().cluster_id);
  if (c == Compatibility::kClusterIdMismatch) {
    const std::string got(request.Header("x-etcd-cluster-id"));
    if (log) {
      log->Log(LogLevel::kError, kComponent, "request cluster ID mismatch (got " + got + " want " + want + ")",
               "request cluster ID mismatch",
               {LogField::Str("local-member-id", membership::IdToString(t.options().local_id)),
                LogField::Str("local-member-cluster-id", want), LogField::Str("remote-peer-cluster-id", got)});
    }
    responder.Respond(GoError(412, kErrClusterIdMismatch, base));
  } else {
    if (log) log->Error(kComponent, "request version incompatibility");
    responder.Respond(GoError(412, kErrIncompatibleVersion, base));
  }
  return false;
}

bool Removed(const RaftHttpTransport& t, uint64_t id) {
  return t.options().is_removed && t.options().is_removed(id);
}

}  // namespace etcdpp::peer
