#include "peer/peer_handlers.h"

#include <algorithm>
#include <memory>
#include <utility>

#include "peer/protocol.h"
#include "peer/snapshot_db.h"
#include "peer/stream_codec.h"

namespace etcdpp::peer {

namespace {

constexpr std::string_view kComponent = "rafthttp";

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

// Runs etcd's version and cluster-ID checks; answers 412 and logs when they fail.
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

void ServeSnapshot(RaftHttpTransport& t, const std::string& dir, const net::HttpRequest& request,
                   net::HttpResponder responder) {
  if (request.method != "POST") return void(responder.Respond(MethodNotAllowed("POST")));
  const net::HttpResponse base = WithClusterId(t);
  if (!Compatible(t, request, responder, base)) return;
  MessageStreamDecoder decoder;
  decoder.Feed(request.body);
  Result<std::optional<raftpb::Message>> decoded = decoder.Next();
  if (!decoded.ok() || !decoded->has_value()) {
    const std::string why = decoded.ok() ? "unexpected EOF" : decoded.status().message();
    return void(responder.Respond(GoError(400, "failed to decode raft message (" + why + ")", base)));
  }
  auto m = std::make_shared<raftpb::Message>(std::move(**decoded));
  if (m->type() != raftpb::MsgSnap) return void(responder.Respond(GoError(400, "wrong raft message type", base)));
  if (Removed(t, m->from())) {
    return void(responder.Respond(GoError(403, "cannot process message from removed member", base)));
  }
  // The database follows the frame: 8 length bytes and the message. It goes to a file
  // from the request's own buffer, here (page cache only, no sync): a copy for another
  // thread would double the memory a large snapshot takes.
  const size_t offset = 8 + m->ByteSizeLong();
  const std::string_view db = std::string_view(request.body).substr(std::min(offset, request.body.size()));
  const uint64_t index = m->snapshot().metadata().index();
  const uint64_t db_bytes = db.size();
  Status written = dir.empty() ? IoError("no snapshot directory") : WriteSnapshotDbTemp(dir, index, db);
  if (!written.ok()) {
    return void(responder.Respond(GoError(500, "failed to save KV snapshot (" + written.message() + ")", base)));
  }
  t.RunBlocking([&t, dir, m, index, db_bytes, responder, base] {
    Result<std::string> saved = CommitSnapshotDb(dir, index);
    if (!saved.ok()) {
      responder.Respond(GoError(500, "failed to save KV snapshot (" + saved.status().message() + ")", base));
      return;
    }
    if (Logger* log = t.options().logger) {
      log->Info(kComponent, "received and saved database snapshot [index: " + std::to_string(index) +
                                ", from: " + membership::IdToString(m->from()) +
                                ", db size: " + std::to_string(db_bytes) + " bytes]");
    }
    t.Deliver(std::move(*m));
    net::HttpResponse ok = base;
    ok.status = 204;
    responder.Respond(std::move(ok));
  });
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
  router.AddHttp(std::string(kSnapshotPath), [&t, shared](const net::HttpRequest& r, net::HttpResponder w) {
    ServeSnapshot(t, shared->snapshot_dir, r, std::move(w));
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
