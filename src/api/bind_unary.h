// BindUnary: one typed EtcdServer call as a unary RPC (gRPC and its gateway paths):
// parse, refuse what a learner does not serve, run the request's checks, call, serialize.
// Every v3 unary method goes through it, so those rules hold for all of them.
#pragma once

#include <functional>
#include <string>
#include <type_traits>
#include <vector>

#include "api/unary_method.h"
#include "etcdserverpb/rpc.pb.h"
#include "server/errors.h"
#include "server/etcd_server.h"

namespace etcdpp::api {

// What a learner serves, as etcd 3.4: its status and serializable reads, nothing else.
template <typename Req>
bool LearnerServes(const Req& req) {
  if constexpr (std::is_same_v<Req, etcdserverpb::StatusRequest>) return true;
  if constexpr (std::is_same_v<Req, etcdserverpb::RangeRequest>) return req.serializable();
  return false;
}

// Parses a request and applies what every v3 method checks: the learner's limits and the
// method's own `check` (may be empty).
template <typename Req>
Status ParseChecked(server::EtcdServer* s, const std::function<Status(const Req&)>& check,
                    const std::string& bytes, Req* req) {
  if (!req->ParseFromString(bytes)) return InvalidArgument("grpc: error unmarshalling request");
  if (!LearnerServes(*req) && s->IsLearner()) return server::errors::kLearnerNotSupported.status();
  return check ? check(*req) : Status();
}

// `gateway_paths`: none for gRPC only; aliases beyond the first serve the same method.
// `call` answers with the response already encoded (a Resp's bytes, in any field order).
// `grpc_handler`, if given, serves the gRPC side instead (see UnaryMethod).
template <typename Req, typename Resp>
void BindUnaryEncoded(net::Router& router, server::EtcdServer* s, std::string grpc_path,
                      std::vector<std::string> gateway_paths, std::function<Status(const Req&)> check,
                      std::function<void(Req, server::EtcdServer::Done<std::string>)> call,
                      net::UnaryHandler grpc_handler = nullptr) {
  static const Req kReqPrototype;
  static const Resp kRespPrototype;
  UnaryFn fn = [s, check = std::move(check), call = std::move(call)](const net::CallContext&, std::string bytes,
                                                                     UnaryDone done) {
    Req req;
    if (Status bad = ParseChecked<Req>(s, check, bytes, &req); !bad.ok()) return done(bad, {});
    call(std::move(req), [done](Result<std::string> r) {
      if (!r.ok()) return done(r.status(), {});
      done(Status(), std::move(*r));
    });
  };
  if (gateway_paths.empty()) gateway_paths.emplace_back();
  for (auto& path : gateway_paths) {
    UnaryMethod m;
    m.grpc_path = grpc_path;  // registered again per alias: all the same
    m.gateway_path = std::move(path);
    m.request_prototype = &kReqPrototype;
    m.response_prototype = &kRespPrototype;
    m.fn = fn;
    m.grpc_handler = grpc_handler;
    RegisterUnary(router, std::move(m));
  }
}

// The same for a call that answers with a Resp message, serialized here.
template <typename Req, typename Resp>
void BindUnary(net::Router& router, server::EtcdServer* s, std::string grpc_path,
               std::vector<std::string> gateway_paths, std::function<Status(const Req&)> check,
               std::function<void(Req, server::EtcdServer::Done<Resp>)> call) {
  BindUnaryEncoded<Req, Resp>(
      router, s, std::move(grpc_path), std::move(gateway_paths), std::move(check),
      [call = std::move(call)](Req req, server::EtcdServer::Done<std::string> done) {
        call(std::move(req), [done](Result<Resp> r) {
          if (!r.ok()) return done(r.status());
          std::string bytes = r->SerializeAsString();
          Resp().Swap(&*r);  // a large response is held only serialized from here on
          done(std::move(bytes));
        });
      });
}

}  // namespace etcdpp::api
