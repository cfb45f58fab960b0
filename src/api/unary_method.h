// UnaryMethod: one unary RPC of etcd's v3 API, registered once and served two ways on
// the client port — as gRPC at its method path, and as JSON at its gateway path
// ("/v3/kv/range", POST only), where etcd 3.4's grpc-gateway conventions apply: proto
// field names as declared, bytes as base64, 64-bit integers as strings, default values
// omitted, errors as {"error","message","code"} with the gateway's HTTP status.
//
// Threads: the method function runs on an I/O thread and must not block; `done` may be
// called once from any thread.
#pragma once

#include <functional>
#include <string>

#include <google/protobuf/message.h>

#include "base/status.h"
#include "net/grpc_call.h"
#include "net/router.h"

namespace etcdpp::api {

using UnaryDone = std::function<void(Status status, std::string response)>;
using UnaryFn = std::function<void(const net::CallContext& context, std::string request, UnaryDone done)>;

struct UnaryMethod {
  std::string grpc_path;     // "/etcdserverpb.KV/Range"
  std::string gateway_path;  // "/v3/kv/range"; empty: gRPC only
  const google::protobuf::Message* request_prototype;   // for the gateway's JSON
  const google::protobuf::Message* response_prototype;
  UnaryFn fn;
  // Optional: serves the gRPC side instead of `fn` (an answer sent in pieces).
  net::UnaryHandler grpc_handler;
};

void RegisterUnary(net::Router& router, UnaryMethod method);

// A Status as gRPC sends it: the code from the error table, the message as is.
net::GrpcStatus ToGrpcStatus(const Status& status);

// etcd's gateway JSON for a message, and back. JsonToMessage refuses malformed JSON and
// unknown fields with InvalidArgument.
std::string MessageToJson(const google::protobuf::Message& message);
Status JsonToMessage(std::string_view json, google::protobuf::Message* message);
// {"error":"<m>","message":"<m>","code":<grpc code>} with the matching HTTP status.
net::HttpResponse GatewayError(const Status& status);

}  // namespace etcdpp::api
