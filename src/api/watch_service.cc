#include "api/watch_service.h"

#include <algorithm>

#include "api/json_values.h"
#include "api/unary_method.h"
#include "api/version_handler.h"
#include "api/watch_encoding.h"
#include "net/grpc_framing.h"
#include "server/errors.h"

namespace etcdpp::api {
namespace {

// etcd's allowance for gRPC framing on top of --max-request-bytes.
constexpr uint64_t kGrpcOverheadBytes = 512 * 1024;
constexpr std::chrono::milliseconds kMinProgressInterval{100};
// Election timeouts without a leader before etcd ends the streams that require one.
constexpr int kMaxNoLeaderPeriods = 3;

// Event responses are encoded, gRPC prefixes included, straight into one batch buffer
// that is queued whole: one allocation and one hand-over for many small responses.
class GrpcWatchSink final : public WatchSink {
 public:
  explicit GrpcWatchSink(net::ServerStream stream) : stream_(std::move(stream)) {
    stream_.SetSendBound(kSendBoundBytes);
  }
  bool Send(const etcdserverpb::WatchResponse& response) override {
    return Commit() && stream_.Write(response.SerializeAsString());
  }
  bool SendEvents(const etcdserverpb::WatchResponse& head, std::span<const mvcc::WatchEventPtr> events) override {
    const size_t at = batch_.size();
    batch_.resize(at + net::kGrpcPrefixBytes);
    const size_t bytes = AppendWatchResponse(head, events, &batch_);
    net::WriteGrpcPrefix(batch_.data() + at, bytes);
    return batch_.size() < kBatchBytes || Commit();
  }
  bool Commit() override {
    if (batch_.empty()) return true;
    std::string batch;
    batch.swap(batch_);
    batch_.reserve(std::min(batch.size(), kBatchBytes) + 256);
    return stream_.WriteFramed(std::move(batch));
  }
  bool Blocked() override { return stream_.over_send_bound(); }

 private:
  static constexpr size_t kBatchBytes = 64 * 1024;
  // Unsent bytes before the session stops taking from the store. Kept small, like etcd's
  // 128-response channel per stream: beyond it, watchers fall behind and catch up from the
  // backend in batches instead of queueing seconds of events for a slow client.
  static constexpr size_t kSendBoundBytes = 128 * 1024;
  net::ServerStream stream_;
  std::string batch_;  // guarded by the session's lock
};

// grpc-gateway's stream: headers go out with the first response (none at all while the
// watch is silent), then one {"result":...} line per response.
class GatewayWatchSink final : public WatchSink {
 public:
  GatewayWatchSink(net::HttpResponder responder, size_t bound) : responder_(std::move(responder)), bound_(bound) {}
  bool Send(const etcdserverpb::WatchResponse& response) override {
    if (!started_) {
      started_ = true;
      if (!responder_.StartStream(200, {{"Content-Type", "application/json"},
                                        {"Grpc-Metadata-Content-Type", "application/grpc"}})) {
        return false;
      }
    }
    return responder_.Write("{\"result\":" + MessageToJson(response) + "}\n");
  }
  bool SendEvents(const etcdserverpb::WatchResponse& head, std::span<const mvcc::WatchEventPtr> events) override {
    etcdserverpb::WatchResponse response = head;
    for (const auto& ev : events) *response.add_events() = ev->event();
    return Send(response);
  }
  bool Blocked() override { return responder_.queued_bytes() > bound_; }

 private:
  net::HttpResponder responder_;
  const size_t bound_;
  bool started_ = false;  // guarded by the session's lock
};

WatchHubOptions HubOptions(const WatchServiceOptions& o, std::function<void()> on_period) {
  WatchHubOptions h;
  h.progress_interval = std::max(o.progress_interval, kMinProgressInterval);
  h.period = std::max(o.election_timeout, std::chrono::milliseconds(1));
  h.on_period = std::move(on_period);
  return h;
}

}  // namespace

WatchService::WatchService(server::EtcdServer* server, WatchServiceOptions options)
    : server_(server), options_(options), hub_(HubOptions(options, [this] { CheckLeader(); })) {}

WatchService::~WatchService() { Stop(); }

void WatchService::Stop() { hub_.Stop(); }

void WatchService::Register(net::Router& router) {
  router.AddStream("/etcdserverpb.Watch/Watch", [this](net::ServerStream stream) { ServeGrpc(std::move(stream)); });
  auto gateway = [this](const net::HttpRequest& request, net::HttpResponder responder) {
    ServeGateway(request, std::move(responder));
  };
  router.AddHttp("/v3/watch", gateway);
  router.AddHttp("/v3beta/watch", gateway);
}

std::pair<std::shared_ptr<WatchSession>, uint64_t> WatchService::Open(std::unique_ptr<WatchSink> sink) {
  server::EtcdServer* server = server_;
  auto fill_header = [server](etcdserverpb::ResponseHeader* h) { server->FillHeader(h); };
  auto session = std::make_shared<WatchSession>(fill_header, server_->NewWatchStream(), std::move(sink),
                                                options_.max_request_bytes + kGrpcOverheadBytes);
  const uint64_t id = hub_.Add(session);
  if (id == 0) return {nullptr, 0};
  WatchHub* hub = &hub_;
  session->SetNotifier([hub, id] { hub->Wake(id); });
  return {session, id};
}

void WatchService::ServeGrpc(net::ServerStream stream) {
  if (server_->IsLearner()) {  // a learner serves no stream (etcd 3.4)
    stream.Finish(ToGrpcStatus(server::errors::kLearnerNotSupported.status()));
    return;
  }
  // clientv3 (and etcdctl) ask for a leader: without one the stream fails at once.
  const bool require_leader = stream.context().Metadata("hasleader") == "true";
  if (require_leader && server_->leader() == 0) {
    stream.Finish(ToGrpcStatus(server::errors::kNoLeader.status()));
    return;
  }
  auto [session, id] = Open(std::make_unique<GrpcWatchSink>(stream));
  if (!session) {
    stream.Finish(ToGrpcStatus(server::errors::kStopped.status()));
    return;
  }
  WatchHub* hub = &hub_;
  stream.OnMessage([session = session, stream](std::string bytes) {
    etcdserverpb::WatchRequest request;
    if (!request.ParseFromString(bytes)) {
      stream.Finish(net::GrpcStatus{GrpcCode::kInternal, "grpc: failed to unmarshal the received message"});
      return;
    }
    session->Handle(request);
  });
  if (require_leader) {
    std::lock_guard lock(leader_mu_);
    require_leader_.emplace(id, stream);
  }
  // etcd keeps serving the watchers after the client's half-close; only the end of the
  // call ends them. (OnDone also drops the callbacks, and with them the session.)
  stream.OnDone([this, hub, id = id](bool) {
    {
      std::lock_guard lock(leader_mu_);
      require_leader_.erase(id);
    }
    hub->Remove(id);
  });
  stream.OnWritable([hub, id = id] { hub->Wake(id); });
}

void WatchService::CheckLeader() {
  {
    // Such streams exist only once the member serves clients, after it started.
    std::lock_guard lock(leader_mu_);
    if (require_leader_.empty()) {
      no_leader_periods_ = 0;
      return;
    }
  }
  no_leader_periods_ = server_->leader() == 0 ? no_leader_periods_ + 1 : 0;
  if (no_leader_periods_ < kMaxNoLeaderPeriods) return;
  std::map<uint64_t, net::ServerStream> streams;
  {
    std::lock_guard lock(leader_mu_);
    streams.swap(require_leader_);
  }
  // Their OnDone removes the sessions.
  for (auto& [id, stream] : streams) stream.Finish(ToGrpcStatus(server::errors::kNoLeader.status()));
}

void WatchService::ServeGateway(const net::HttpRequest& request, net::HttpResponder responder) {
  if (request.method != "POST") {
    responder.Respond(MethodNotAllowed("POST"));
    return;
  }
  if (server_->IsLearner()) {  // a learner serves no stream (etcd 3.4)
    responder.Respond(GatewayError(server::errors::kLearnerNotSupported.status()));
    return;
  }
  // grpc-gateway decodes the first request before opening the stream: a bad one fails
  // the HTTP request; a later bad one only stops the reading.
  JsonValues values = SplitJsonValues(request.body);
  std::vector<etcdserverpb::WatchRequest> requests;
  for (std::string_view v : values.values) {
    etcdserverpb::WatchRequest r;
    Status s = JsonToMessage(v, &r);
    if (!s.ok()) {
      if (requests.empty()) values.error = s.message();
      break;
    }
    requests.push_back(std::move(r));
  }
  if (requests.empty() && !values.error.empty()) {
    responder.Respond(GatewayError(Internal(values.error)));  // code Unknown, HTTP 500
    return;
  }
  auto [session, id] = Open(std::make_unique<GatewayWatchSink>(responder, options_.gateway_send_bytes_max));
  if (!session) {
    responder.Respond(GatewayError(server::errors::kStopped.status()));
    return;
  }
  for (const auto& r : requests) session->Handle(r);
  // The session ends when a write finds the client gone, or when the service stops.
}

}  // namespace etcdpp::api
