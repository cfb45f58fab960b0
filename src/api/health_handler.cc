#include "api/health_handler.h"

#include "api/version_handler.h"
#include "grpc/health/v1/health.pb.h"

namespace etcdpp::api {
namespace {

using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

std::vector<std::string> ExcludedAlarms(std::string_view query) {
  std::vector<std::string> out;
  while (!query.empty()) {
    const size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    constexpr std::string_view kKey = "exclude=";
    if (pair.substr(0, kKey.size()) == kKey) out.emplace_back(pair.substr(kKey.size()));
  }
  return out;
}

// The status for a health request, or nullopt-like empty service error.
bool KnownService(const std::string& service) { return service.empty(); }

}  // namespace

HealthCheck AlwaysHealthy() {
  return [](std::vector<std::string>, std::function<void(bool)> done) { done(true); };
}

void RegisterHealthHandler(net::Router& router, HealthCheck check) {
  router.AddHttp("/health", [check = std::move(check)](const net::HttpRequest& req, net::HttpResponder responder) {
    if (req.method != "GET") {
      responder.Respond(MethodNotAllowed("GET"));
      return;
    }
    check(ExcludedAlarms(req.query), [responder](bool healthy) {
      if (healthy) {
        responder.Respond({200, {{"content-type", "text/plain; charset=utf-8"}}, "{\"health\":\"true\"}"});
      } else {
        responder.Respond({503,
                           {{"content-type", "text/plain; charset=utf-8"}, {"x-content-type-options", "nosniff"}},
                           "{\"health\":\"false\"}\n"});
      }
    });
  });
}

void RegisterGrpcHealthService(net::Router& router) {
  router.AddUnary("/grpc.health.v1.Health/Check",
                  [](const net::CallContext&, std::string request, net::UnaryResponder responder) {
                    HealthCheckRequest req;
                    if (!req.ParseFromString(request)) {
                      responder.Finish({net::GrpcCode::kInternal, "grpc: error unmarshalling request"});
                      return;
                    }
                    if (!KnownService(req.service())) {
                      responder.Finish({net::GrpcCode::kNotFound, "unknown service"});
                      return;
                    }
                    HealthCheckResponse resp;
                    resp.set_status(HealthCheckResponse::SERVING);
                    responder.Finish(net::GrpcStatus::Ok(), resp.SerializeAsString());
                  });
  router.AddStream("/grpc.health.v1.Health/Watch", [](net::ServerStream stream) {
    stream.OnMessage([stream](std::string request) {
      HealthCheckRequest req;
      if (!req.ParseFromString(request)) {
        stream.Finish({net::GrpcCode::kInternal, "grpc: error unmarshalling request"});
        return;
      }
      HealthCheckResponse resp;
      resp.set_status(KnownService(req.service()) ? HealthCheckResponse::SERVING
                                                  : HealthCheckResponse::SERVICE_UNKNOWN);
      stream.Write(resp.SerializeAsString());
    });
    // Callbacks hold the stream; dropping them on completion breaks the cycle.
    stream.OnDone([](bool) {});
  });
}

}  // namespace etcdpp::api
