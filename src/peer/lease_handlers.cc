#include "peer/lease_handlers.h"

#include <memory>

#include "leasepb/lease_internal.pb.h"
#include "lease/lessor.h"
#include "peer/lease_forwarder.h"
#include "peer/protocol.h"
#include "server/errors.h"

namespace etcdpp::peer {
namespace {

net::HttpResponse Protobuf(std::string body) {
  net::HttpResponse r;
  r.status = 200;
  r.headers.emplace_back("Content-Type", "application/protobuf");
  r.body = std::move(body);
  return r;
}

net::HttpResponse LessorError(const Status& s) {
  if (server::errors::kTimeoutWaitAppliedIndex.Is(s)) {
    return GoError(408, "waiting for node to catch up its applied index has timed out");
  }
  return GoError(s.message() == lease::kErrLeaseNotFound ? 404 : 400, s.message());
}

}  // namespace

void RegisterLeaseHandlers(net::Router& router, LeaseHandlerDeps deps) {
  auto shared = std::make_shared<const LeaseHandlerDeps>(std::move(deps));
  router.AddHttp(std::string(kLeasePath), [shared](const net::HttpRequest& request, net::HttpResponder responder) {
    if (request.method != "POST") return void(responder.Respond(GoError(405, "Method Not Allowed")));
    etcdserverpb::LeaseKeepAliveRequest req;
    if (!req.ParseFromString(request.body)) {
      return void(responder.Respond(GoError(400, "error unmarshalling request")));
    }
    const int64_t id = req.id();
    shared->renew(id, [responder, id](Result<int64_t> ttl) {
      if (!ttl.ok()) return void(responder.Respond(LessorError(ttl.status())));
      // etcd leaves the header empty here.
      etcdserverpb::LeaseKeepAliveResponse resp;
      resp.set_id(id);
      resp.set_ttl(*ttl);
      responder.Respond(Protobuf(resp.SerializeAsString()));
    });
  });
  router.AddHttp(std::string(kLeaseInternalPath), [shared](const net::HttpRequest& request,
                                                           net::HttpResponder responder) {
    if (request.method != "POST") return void(responder.Respond(GoError(405, "Method Not Allowed")));
    leasepb::LeaseInternalRequest req;
    if (!req.ParseFromString(request.body)) {
      return void(responder.Respond(GoError(400, "error unmarshalling request")));
    }
    shared->time_to_live(req.leasetimetoliverequest(),
                         [responder](Result<etcdserverpb::LeaseTimeToLiveResponse> r) {
                           if (!r.ok()) return void(responder.Respond(LessorError(r.status())));
                           leasepb::LeaseInternalResponse resp;
                           *resp.mutable_leasetimetoliveresponse() = std::move(*r);
                           responder.Respond(Protobuf(resp.SerializeAsString()));
                         });
  });
}

}  // namespace etcdpp::peer
