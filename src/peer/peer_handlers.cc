#include "peer/peer_handlers.h"

#include <algorithm>
#include <memory>
#include <utility>

#include "peer/peer_checks.h"
#include "peer/protocol.h"
#include "peer/snapshot_receiver.h"
#include "peer/stream_codec.h"

namespace etcdpp::peer {

namespace {

constexpr std::string_view kComponent = "rafthttp";

void ServePipeline(RaftHttpTransport& t, const net::HttpRequest& request, net::HttpResponder responder) {
  if (request.method != "POST") return void(responder.Respond(MethodNotAllowed("POST")));
  const net::HttpResponse base = WithClusterId(t);
  if (!Compatible(t, request, responder, base)) return;
  raftpb::Message m;
  if (!m.ParseFromString(request.body)) {
    return void(responder.Respond(GoError(400, "error unmarshalling raft message", base)));
  }
  if (Removed(t, m.from())) {
    return void(responder.Respond(GoError(403, "cannot process message from removed member", base)));
  }
  t.Deliver(std::move(m));
  net::HttpResponse ok = base;
  ok.status = 204;
  responder.Respond(std::move(ok));
}

void ServeStream(RaftHttpTransport& t, const net::HttpRequest& request, net::HttpResponder responder) {
  if (request.method != "GET") return void(responder.Respond(MethodNotAllowed("GET")));
  net::HttpResponse base;
  base.headers.emplace_back("X-Server-Version", std::string(kServerVersion));
  base.headers.emplace_back("X-Etcd-Cluster-ID", membership::IdToString(t.options().cluster_id));
  if (!Compatible(t, request, responder, base)) return;
  const std::string_view path = request.path;
  const size_t slash = path.rfind('/');
  const std::string_view dir = path.substr(0, slash + 1);
  StreamKind kind;
  if (dir == kMessageStreamPath) {
    kind = StreamKind::kMessage;
  } else if (dir == kMsgAppStreamPath) {
    kind = StreamKind::kMsgAppV2;
  } else {
    return void(responder.Respond(GoError(404, "invalid path", base)));
  }
  Result<uint64_t> from = membership::ParseId(path.substr(slash + 1));
  if (!from.ok()) return void(responder.Respond(GoError(404, "invalid from", base)));
  if (Removed(t, *from)) return void(responder.Respond(GoError(410, "removed member", base)));
  if (!t.HasPeer(*from)) return void(responder.Respond(GoError(404, "error sender not found", base)));
  const std::string local = membership::IdToString(t.options().local_id);
  if (request.Header("x-raft-to") != local) {
    if (t.options().logger) {
      t.options().logger->Error(kComponent, "streaming request ignored (ID mismatch got " +
                                                std::string(request.Header("x-raft-to")) + " want " + local + ")");
    }
    return void(responder.Respond(GoError(412, "to field mismatch", base)));
  }
  if (!responder.StartStream(200, base.headers)) return;
  if (!t.AttachStream(*from, kind, responder)) responder.End();
}

void ServeProbing(const net::HttpRequest&, net::HttpResponder responder) {
  net::HttpResponse r;
  r.headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
  r.body = "{\"OK\":true,\"Now\":\"" + Rfc3339Nano(std::chrono::system_clock::now()) + "\"}\n";
  responder.Respond(std::move(r));
}

void ServeMembers(const RaftHttpTransport& t, const PeerHandlerDeps& deps, const net::HttpRequest& request,
                  net::HttpResponder responder) {
  if (request.method != "GET") return void(responder.Respond(MethodNotAllowed("GET")));
  net::HttpResponse r = WithClusterId(t);
  r.headers.emplace_back("Content-Type", "application/json");
  r.body = "[";
  if (deps.members) {
    bool first = true;
    for (const membership::Member& member : deps.members()) {
      if (!first) r.body += ",";
      first = false;
      r.body += membership::MemberToJson(member);
    }
  }
  r.body += "]\n";
  responder.Respond(std::move(r));
}

void ServeVersion(const PeerHandlerDeps& deps, const net::HttpRequest& request, net::HttpResponder responder) {
  if (request.method != "GET") return void(responder.Respond(MethodNotAllowed("GET")));
  std::string cluster = deps.cluster_version ? deps.cluster_version() : std::string();
  if (cluster.empty()) cluster = "not_decided";
  net::HttpResponse r;
  r.headers.emplace_back("Content-Type", "application/json");
  r.body = "{\"etcdserver\":\"" + std::string(kServerVersion) + "\",\"etcdcluster\":\"" + cluster + "\"}";
  responder.Respond(std::move(r));
}

}  // namespace

void RegisterPeerHandlers(net::Router& router, PeerHandlerDeps deps) {
  ETCDPP_CHECK(deps.transport != nullptr, "peer handlers need a transport");
  RaftHttpTransport& t = *deps.transport;
  auto shared = std::make_shared<const PeerHandlerDeps>(std::move(deps));
  router.AddHttp(std::string(kRaftPath), [&t](const net::HttpRequest& r, net::HttpResponder w) {
    ServePipeline(t, r, std::move(w));
  });
  router.AddHttpPrefix(std::string(kStreamPrefix), [&t](const net::HttpRequest& r, net::HttpResponder w) {
    ServeStream(t, r, std::move(w));
  });
  router.AddHttpUpload(std::string(kSnapshotPath), [&t, shared](const net::HttpRequest& r, net::HttpResponder w) {
    return StartSnapshotReceiver(t, shared->snapshot_dir, r, std::move(w));
  });
  router.AddHttp(std::string(kProbingPath), ServeProbing);
  router.AddHttp("/members", [&t, shared](const net::HttpRequest& r, net::HttpResponder w) {
    ServeMembers(t, *shared, r, std::move(w));
  });
  router.AddHttp("/version", [shared](const net::HttpRequest& r, net::HttpResponder w) {
    ServeVersion(*shared, r, std::move(w));
  });
}

}  // namespace etcdpp::peer
