#include "api/unary_method.h"

#include <google/protobuf/util/json_util.h>

#include <memory>

#include <nlohmann/json.hpp>

#include "api/version_handler.h"
#include "server/errors.h"

namespace etcdpp::api {
namespace {

net::HttpResponse JsonResponse(int status, std::string body) {
  net::HttpResponse r;
  r.status = status;
  r.headers.emplace_back("Content-Type", "application/json");
  r.body = std::move(body);
  return r;
}

// The gateway forwards the HTTP Authorization header as the gRPC "token" metadata.
net::CallContext GatewayContext(const net::HttpRequest& request, const std::string& method) {
  net::CallContext ctx;
  ctx.method = method;
  ctx.peer = request.peer;
  ctx.tls = request.tls;
  if (auto auth = request.Header("authorization"); !auth.empty()) {
    ctx.metadata.emplace_back("token", std::string(auth));
  }
  return ctx;
}

void ServeGateway(const UnaryMethod& m, const net::HttpRequest& request, net::HttpResponder responder) {
  if (request.method != "POST") {
    responder.Respond(MethodNotAllowed("POST"));
    return;
  }
  std::unique_ptr<google::protobuf::Message> req(m.request_prototype->New());
  if (Status s = JsonToMessage(request.body.empty() ? "{}" : request.body, req.get()); !s.ok()) {
    responder.Respond(GatewayError(s));
    return;
  }
  const google::protobuf::Message* response_prototype = m.response_prototype;
  m.fn(GatewayContext(request, m.grpc_path), req->SerializeAsString(),
       [responder, response_prototype](Status s, std::string bytes) {
         if (!s.ok()) {
           responder.Respond(GatewayError(s));
           return;
         }
         std::unique_ptr<google::protobuf::Message> resp(response_prototype->New());
         resp->ParseFromString(bytes);
         responder.Respond(JsonResponse(200, MessageToJson(*resp)));
       });
}

}  // namespace

net::GrpcStatus ToGrpcStatus(const Status& status) {
  if (status.ok()) return net::GrpcStatus::Ok();
  return net::GrpcStatus{server::GrpcCodeOf(status), status.message()};
}

void RegisterUnary(net::Router& router, UnaryMethod method) {
  auto shared = std::make_shared<const UnaryMethod>(std::move(method));
  if (shared->grpc_handler) {
    router.AddUnary(shared->grpc_path, shared->grpc_handler);
  } else {
    router.AddUnary(shared->grpc_path, [shared](const net::CallContext& ctx, std::string request,
                                                net::UnaryResponder responder) {
      shared->fn(ctx, std::move(request), [responder](Status s, std::string response) {
        responder.Finish(ToGrpcStatus(s), std::move(response));
      });
    });
  }
  if (!shared->gateway_path.empty()) {
    auto serve = [shared](const net::HttpRequest& request, net::HttpResponder responder) {
      ServeGateway(*shared, request, std::move(responder));
    };
    router.AddHttp(shared->gateway_path, serve);
    // etcd 3.4 still answers the beta prefix of its gateway.
    router.AddHttp("/v3beta" + shared->gateway_path.substr(3), serve);
  }
}

std::string MessageToJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  std::string out;
  if (!google::protobuf::util::MessageToJsonString(message, &out, options).ok()) return "{}";
  return out;
}

Status JsonToMessage(std::string_view json, google::protobuf::Message* message) {
  google::protobuf::util::JsonParseOptions options;
  auto s = google::protobuf::util::JsonStringToMessage(std::string(json), message, options);
  if (!s.ok()) return InvalidArgument(std::string(s.message()));
  return Status();
}

net::HttpResponse GatewayError(const Status& status) {
  auto code = server::GrpcCodeOf(status);
  nlohmann::ordered_json body;
  body["error"] = status.message();
  body["message"] = status.message();
  body["code"] = static_cast<int>(code);
  return JsonResponse(server::HttpStatusOf(code), body.dump());
}

}  // namespace etcdpp::api
