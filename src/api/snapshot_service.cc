#include "api/snapshot_service.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <thread>

#include "api/unary_method.h"
#include "api/version_handler.h"
#include "etcdserverpb/rpc.pb.h"
#include "server/errors.h"
#include "server/quota.h"

namespace etcdpp::api {
namespace {

constexpr size_t kChunkBytes = 32 * 1024;  // etcd's snapshotSendBufferSize

// Where one snapshot goes: a gRPC stream or a gateway response.
struct Sink {
  std::function<bool(const etcdserverpb::SnapshotResponse&)> write;  // false once closed
  std::function<bool()> over_bound;
  std::function<void(const Status&)> fail;
  std::function<void()> finish;
};

// Sends `file` then its SHA-256. Waits (briefly polling) while the sink is over its send
// bound; gives up when the sink closes or the server stops.
void SendFile(const server::SnapshotFile& file, const Sink& sink, const std::function<bool()>& stopping,
              Logger* log) {
  int fd = ::open(file.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    sink.fail(IoError("open snapshot: " + std::string(std::strerror(errno))));
    return;
  }
  const uint64_t total = file.size_bytes;
  const std::string size = server::HumanBytes(total);
  if (log) {
    log->Log(LogLevel::kInfo, "etcdserver/api/v3rpc",
             "sending database snapshot to client " + size + " [" + std::to_string(total) + " bytes]",
             "sending database snapshot to client",
             {LogField::Uint("total-bytes", total), LogField::Str("size", size)});
  }
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> sha(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestInit_ex(sha.get(), EVP_sha256(), nullptr);
  std::string buf(kChunkBytes, '\0');
  uint64_t sent = 0;
  bool ok = true;
  while (ok && sent < total) {
    while (sink.over_bound() && !stopping()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    if (stopping()) {
      ok = false;
      break;
    }
    ssize_t n = ::pread(fd, buf.data(), buf.size(), static_cast<off_t>(sent));
    if (n <= 0) {
      if (n < 0 && errno == EINTR) continue;
      ::close(fd);
      sink.fail(IoError("read snapshot: unexpected end of file"));
      return;
    }
    sent += static_cast<uint64_t>(n);
    EVP_DigestUpdate(sha.get(), buf.data(), static_cast<size_t>(n));
    etcdserverpb::SnapshotResponse resp;
    resp.set_remaining_bytes(total - sent);
    resp.set_blob(buf.data(), static_cast<size_t>(n));
    ok = sink.write(resp);
  }
  ::close(fd);
  if (!ok) return;  // the client went away or the server is stopping
  std::string digest(32, '\0');
  unsigned len = 0;
  EVP_DigestFinal_ex(sha.get(), reinterpret_cast<unsigned char*>(digest.data()), &len);
  if (log) {
    log->Log(LogLevel::kInfo, "etcdserver/api/v3rpc", "sending database sha256 checksum to client [32 bytes]",
             "sending database sha256 checksum to client",
             {LogField::Uint("total-bytes", total), LogField::Int("checksum-size", 32)});
  }
  etcdserverpb::SnapshotResponse last;
  last.set_blob(digest);
  if (!sink.write(last)) return;
  sink.finish();
  if (log) {
    log->Log(LogLevel::kInfo, "etcdserver/api/v3rpc",
             "successfully sent database snapshot to client " + size + " [" + std::to_string(total) + " bytes]",
             "successfully sent database snapshot to client",
             {LogField::Uint("total-bytes", total), LogField::Str("size", size)});
  }
}

void Serve(server::EtcdServer* server, Logger* log, Sink sink) {
  if (server->IsLearner()) {  // etcd 3.4 serves a learner's Status and serializable reads only
    sink.fail(server::errors::kLearnerNotSupported.status());
    return;
  }
  server->Snapshot([sink = std::move(sink), log](const Result<server::SnapshotFile>& file,
                                                 const std::function<bool()>& stopping) {
    if (!file.ok()) {
      sink.fail(file.status());
      return;
    }
    SendFile(*file, sink, stopping, log);
  });
}

void ServeGrpc(server::EtcdServer* server, Logger* log, net::ServerStream stream) {
  auto started = std::make_shared<bool>(false);
  stream.OnMessage([server, log, stream, started](std::string request) {
    if (*started) return;  // a server-streaming call carries one request
    *started = true;
    etcdserverpb::SnapshotRequest req;
    if (!req.ParseFromString(request)) {
      stream.Finish({net::GrpcCode::kInternal, "grpc: error unmarshalling request"});
      return;
    }
    Sink sink;
    sink.write = [stream](const etcdserverpb::SnapshotResponse& r) { return stream.Write(r.SerializeAsString()); };
    sink.over_bound = [stream] { return stream.over_send_bound(); };
    sink.fail = [stream](const Status& s) { stream.Finish(ToGrpcStatus(s)); };
    sink.finish = [stream] { stream.Finish(net::GrpcStatus::Ok()); };
    Serve(server, log, std::move(sink));
  });
  // Callbacks hold the stream; dropping them on completion breaks the cycle.
  stream.OnDone([](bool) {});
}

void ServeGateway(server::EtcdServer* server, Logger* log, const net::HttpRequest& request,
                  net::HttpResponder responder) {
  if (request.method != "POST") {
    responder.Respond(MethodNotAllowed("POST"));
    return;
  }
  etcdserverpb::SnapshotRequest req;
  if (Status s = JsonToMessage(request.body.empty() ? "{}" : request.body, &req); !s.ok()) {
    responder.Respond(GatewayError(s));
    return;
  }
  auto started = std::make_shared<bool>(false);
  Sink sink;
  sink.write = [responder, started](const etcdserverpb::SnapshotResponse& r) {
    if (!*started) {
      *started = true;
      responder.StartStream(200, {{"Content-Type", "application/json"}});
    }
    return responder.Write("{\"result\":" + MessageToJson(r) + "}\n");
  };
  sink.over_bound = [responder] { return responder.queued_bytes() > 4 * kChunkBytes; };
  sink.fail = [responder, started](const Status& s) {
    if (!*started) {
      responder.Respond(GatewayError(s));
      return;
    }
    responder.Write("{\"error\":" + GatewayError(s).body + "}\n");
    responder.End();
  };
  sink.finish = [responder] { responder.End(); };
  Serve(server, log, std::move(sink));
}

}  // namespace

void RegisterSnapshotService(net::Router& router, server::EtcdServer* server, Logger* logger) {
  router.AddStream("/etcdserverpb.Maintenance/Snapshot",
                   [server, logger](net::ServerStream stream) { ServeGrpc(server, logger, std::move(stream)); });
  auto gateway = [server, logger](const net::HttpRequest& request, net::HttpResponder responder) {
    ServeGateway(server, logger, request, std::move(responder));
  };
  router.AddHttp("/v3/maintenance/snapshot", gateway);
  router.AddHttp("/v3beta/maintenance/snapshot", gateway);
}

}  // namespace etcdpp::api
