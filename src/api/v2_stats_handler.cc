#include "api/v2_stats_handler.h"

#include "api/v2_members_handler.h"
#include "api/version_handler.h"
#include "v2store/store.h"

namespace etcdpp::api {
namespace {

net::HttpResponse JsonBody(std::string body) { return {200, {{"Content-Type", "application/json"}}, std::move(body)}; }

}  // namespace

void RegisterV2StatsHandler(net::Router& router, server::EtcdServer* server) {
  router.AddHttp("/v2/stats/self", [server](const net::HttpRequest& req, net::HttpResponder responder) {
    if (req.method != "GET") return (void)responder.Respond(MethodNotAllowed("GET"));
    responder.Respond(JsonBody(server->V2SelfStatsJson()));
  });
  router.AddHttp("/v2/stats/leader", [server](const net::HttpRequest& req, net::HttpResponder responder) {
    if (req.method != "GET") return (void)responder.Respond(MethodNotAllowed("GET"));
    std::optional<std::string> stats = server->V2LeaderStatsJson();
    if (!stats) return (void)responder.Respond(V2HttpError(403, "not current leader"));
    responder.Respond(JsonBody(std::move(*stats)));
  });
  router.AddHttp("/v2/stats/store", [server](const net::HttpRequest& req, net::HttpResponder responder) {
    if (req.method != "GET") return (void)responder.Respond(MethodNotAllowed("GET"));
    responder.Respond(JsonBody(server->v2_store().StatsJson()));
  });
}

}  // namespace etcdpp::api
