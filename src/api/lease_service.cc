#include "api/lease_service.h"

#include <atomic>
#include <deque>
#include <memory>
#include <mutex>

#include <nlohmann/json.hpp>

#include "api/bind_unary.h"
#include "api/json_values.h"
#include "api/unary_method.h"
#include "api/version_handler.h"
#include "server/errors.h"

namespace etcdpp::api {
namespace {

using server::EtcdServer;
using namespace etcdserverpb;

template <typename Req, typename Resp>
void BindLease(net::Router& router, EtcdServer* s, std::string grpc_path, std::vector<std::string> gateway_paths,
               std::function<void(Req, EtcdServer::Done<Resp>)> call) {
  BindUnary<Req, Resp>(router, s, std::move(grpc_path), std::move(gateway_paths), nullptr, std::move(call));
}

// The keep-alives of one stream, renewed one after another so that responses keep the
// requests' order (etcd's server loop is sequential too). Any thread; `send` and
// `finish` are called in order, never concurrently, and nothing follows `finish`.
//
// Bounded in memory: while `blocked` says the client is not taking its responses, no
// more are made (Resume goes on), and requests wait; past kPendingMax waiting requests
// the stream ends with "etcdserver: too many requests".
class KeepAliveSession : public std::enable_shared_from_this<KeepAliveSession> {
 public:
  using Send = std::function<void(const LeaseKeepAliveResponse&)>;
  using Finish = std::function<void(Status)>;
  using Blocked = std::function<bool()>;

  static constexpr size_t kPendingMax = 4096;

  KeepAliveSession(EtcdServer* server, Send send, Finish finish, Blocked blocked = nullptr)
      : server_(server), send_(std::move(send)), finish_(std::move(finish)), blocked_(std::move(blocked)) {}

  void Push(int64_t id) {
    bool overflowed_here = false;
    {
      std::lock_guard lock(mu_);
      if (ended_ || overflowed_) return;
      if (queue_.size() >= kPendingMax) {
        overflowed_ = true;
        queue_.clear();
        if (busy_ && !stalled_) return;  // the running pump ends the stream
        ended_ = true;
        stalled_ = false;
        overflowed_here = true;
      } else {
        queue_.push_back(id);
        if (busy_) return;
        busy_ = true;
      }
    }
    if (overflowed_here) return finish_(server::errors::kTooManyRequests.status());
    Pump();
  }

  // The client took responses: a stalled pump goes on.
  void Resume() {
    {
      std::lock_guard lock(mu_);
      if (!stalled_ || ended_) return;
      stalled_ = false;
    }
    Pump();
  }

  // No more requests: ends with OK once the queued ones are answered.
  void CloseSend() {
    {
      std::lock_guard lock(mu_);
      closed_ = true;
      if (busy_ || ended_) return;
      ended_ = true;
    }
    finish_(Status());
  }

  // The call is over (client gone): drop what is queued.
  void Cancel() {
    std::lock_guard lock(mu_);
    ended_ = true;
    queue_.clear();
  }

 private:
  struct Step {
    std::atomic<bool> handed_over{false};
  };

  // Runs while busy_: renews the queued IDs in order. A renew that completes at once
  // (on this thread) lets the loop go on; one that completes later pumps from there,
  // so the stack does not grow with the queue.
  void Pump() {
    auto self = shared_from_this();
    while (true) {
      // Asked outside mu_: the stream takes its own lock.
      const bool blocked = blocked_ && blocked_();
      int64_t id = 0;
      {
        std::unique_lock lock(mu_);
        if (ended_) return;
        if (overflowed_ || queue_.empty()) {
          busy_ = false;
          if (!overflowed_ && !closed_) return;
          ended_ = true;
          const Status end = overflowed_ ? server::errors::kTooManyRequests.status() : Status();
          lock.unlock();
          finish_(end);
          return;
        }
        if (blocked) {
          stalled_ = true;
        } else {
          id = queue_.front();
          queue_.pop_front();
        }
      }
      if (blocked) {
        // The client may have caught up meanwhile, before Resume could see the stall.
        if (blocked_()) return;
        std::lock_guard lock(mu_);
        if (!stalled_) return;  // Resume or Push took over
        stalled_ = false;
        continue;
      }
      // The header is taken before the renew, as etcd: its revision is never newer
      // than the moment the keep-alive happened.
      LeaseKeepAliveResponse resp;
      resp.set_id(id);
      server_->FillHeader(resp.mutable_header());
      auto step = std::make_shared<Step>();
      server_->LeaseRenew(id, [self, step, resp](Result<int64_t> ttl) mutable {
        if (!self->Deliver(resp, std::move(ttl))) return;
        if (step->handed_over.exchange(true)) self->Pump();
      });
      if (!step->handed_over.exchange(true)) return;  // the callback will pump
    }
  }

  // Sends the answer (TTL 0 for an unknown lease) or ends the stream with the error.
  bool Deliver(LeaseKeepAliveResponse& resp, Result<int64_t> ttl) {
    if (!ttl.ok() && !server::errors::kLeaseNotFound.Is(ttl.status())) {
      {
        std::lock_guard lock(mu_);
        if (ended_) return false;
        ended_ = true;
      }
      finish_(ttl.status());
      return false;
    }
    resp.set_ttl(ttl.ok() ? *ttl : 0);
    {
      std::lock_guard lock(mu_);
      if (ended_) return false;
    }
    send_(resp);
    return true;
  }

  EtcdServer* server_;
  Send send_;
  Finish finish_;
  Blocked blocked_;
  std::mutex mu_;  // guards queue_ and the flags
  std::deque<int64_t> queue_;
  bool busy_ = false;        // a Pump loop owns the queue (running, or stalled)
  bool stalled_ = false;     // the owning Pump waits for Resume
  bool overflowed_ = false;  // too many requests waited: the stream ends with the error
  bool closed_ = false;      // the client sent its last request
  bool ended_ = false;       // finish_ called or the call is over
};

// Responses queued for a keep-alive stream before its pump waits for the client.
constexpr size_t kKeepAliveSendBoundBytes = 64 << 10;

void ServeKeepAliveStream(EtcdServer* server, net::ServerStream stream) {
  if (server->IsLearner()) {  // a learner serves no stream (etcd 3.4)
    stream.Finish(ToGrpcStatus(server::errors::kLearnerNotSupported.status()));
    return;
  }
  stream.SetSendBound(kKeepAliveSendBoundBytes);
  auto session = std::make_shared<KeepAliveSession>(
      server, [stream](const LeaseKeepAliveResponse& r) { stream.Write(r.SerializeAsString()); },
      [stream](Status s) { stream.Finish(ToGrpcStatus(s)); }, [stream] { return stream.over_send_bound(); });
  stream.OnMessage([session, stream](std::string bytes) {
    LeaseKeepAliveRequest req;
    if (!req.ParseFromString(bytes)) {
      session->Cancel();
      stream.Finish(net::GrpcStatus{GrpcCode::kInternal, "grpc: failed to unmarshal the received message"});
      return;
    }
    session->Push(req.id());
  });
  stream.OnHalfClose([session] { session->CloseSend(); });
  stream.OnWritable([session] { session->Resume(); });
  stream.OnDone([session](bool) { session->Cancel(); });
}

std::string StreamErrorJson(const Status& s) {
  const auto code = server::GrpcCodeOf(s);
  const int http = server::HttpStatusOf(code);
  nlohmann::ordered_json j;
  j["error"]["grpc_code"] = static_cast<int>(code);
  j["error"]["http_code"] = http;
  j["error"]["message"] = s.message();
  j["error"]["http_status"] = std::string(net::HttpReason(http));
  return j.dump();
}

// grpc-gateway's streaming call: every JSON request of the body goes to the stream, the
// responses come back as {"result":...} lines; a body whose first request is not valid
// JSON is refused whole, later bad input just ends the requests.
void ServeKeepAliveGateway(EtcdServer* server, const net::HttpRequest& request, net::HttpResponder responder) {
  if (request.method != "POST") return void(responder.Respond(MethodNotAllowed("POST")));
  if (server->IsLearner()) {  // a learner serves no stream (etcd 3.4)
    return void(responder.Respond(GatewayError(server::errors::kLearnerNotSupported.status())));
  }
  std::vector<int64_t> ids;
  // grpc-gateway decodes the first request before opening the stream: a bad one fails
  // the HTTP request; a later bad one only stops the reading.
  JsonValues values = SplitJsonValues(request.body);
  if (values.values.empty() && !values.error.empty()) {
    return void(responder.Respond(GatewayError(Internal(values.error))));
  }
  for (std::string_view obj : values.values) {
    LeaseKeepAliveRequest req;
    if (Status s = JsonToMessage(obj, &req); !s.ok()) {
      if (ids.empty()) return void(responder.Respond(GatewayError(Internal(s.message()))));
      break;
    }
    ids.push_back(req.id());
  }
  responder.StartStream(200, {{"Content-Type", "application/json"}});
  auto session = std::make_shared<KeepAliveSession>(
      server,
      [responder](const LeaseKeepAliveResponse& r) {
        responder.Write("{\"result\":" + MessageToJson(r) + "}\n");
      },
      [responder](Status s) {
        if (!s.ok()) responder.Write(StreamErrorJson(s) + "\n");
        responder.End();
      });
  for (int64_t id : ids) session->Push(id);
  session->CloseSend();
}

}  // namespace

void RegisterLeaseService(net::Router& router, EtcdServer* s) {
  BindLease<LeaseGrantRequest, LeaseGrantResponse>(
      router, s, "/etcdserverpb.Lease/LeaseGrant", {"/v3/lease/grant"},
      [s](LeaseGrantRequest r, auto done) { s->LeaseGrant(std::move(r), done); });
  BindLease<LeaseRevokeRequest, LeaseRevokeResponse>(
      router, s, "/etcdserverpb.Lease/LeaseRevoke", {"/v3/lease/revoke", "/v3/kv/lease/revoke"},
      [s](LeaseRevokeRequest r, auto done) { s->LeaseRevoke(std::move(r), done); });
  BindLease<LeaseTimeToLiveRequest, LeaseTimeToLiveResponse>(
      router, s, "/etcdserverpb.Lease/LeaseTimeToLive", {"/v3/lease/timetolive", "/v3/kv/lease/timetolive"},
      [s](LeaseTimeToLiveRequest r, EtcdServer::Done<LeaseTimeToLiveResponse> done) {
        const int64_t id = r.id();
        s->LeaseTimeToLive(std::move(r), [s, id, done](Result<LeaseTimeToLiveResponse> res) {
          // etcd answers an unknown lease with TTL -1, not an error.
          if (!res.ok() && server::errors::kLeaseNotFound.Is(res.status())) {
            LeaseTimeToLiveResponse resp;
            resp.set_id(id);
            resp.set_ttl(-1);
            s->FillHeader(resp.mutable_header());
            return done(std::move(resp));
          }
          done(std::move(res));
        });
      });
  BindLease<LeaseLeasesRequest, LeaseLeasesResponse>(
      router, s, "/etcdserverpb.Lease/LeaseLeases", {"/v3/lease/leases", "/v3/kv/lease/leases"},
      [s](LeaseLeasesRequest, auto done) { s->LeaseLeases(done); });
  router.AddStream("/etcdserverpb.Lease/LeaseKeepAlive",
                   [s](net::ServerStream stream) { ServeKeepAliveStream(s, std::move(stream)); });
  auto gateway = [s](const net::HttpRequest& request, net::HttpResponder responder) {
    ServeKeepAliveGateway(s, request, std::move(responder));
  };
  router.AddHttp("/v3/lease/keepalive", gateway);
  router.AddHttp("/v3beta/lease/keepalive", gateway);
}

}  // namespace etcdpp::api
