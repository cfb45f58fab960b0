#include "api/version_handler.h"

#include <nlohmann/json.hpp>

namespace etcdpp::api {

std::string VersionJson(std::string_view server_version, std::string_view cluster_version) {
  // Field order matters for byte-exact output, so build it by hand (values escaped).
  return "{\"etcdserver\":" + nlohmann::json(std::string(server_version)).dump() +
         ",\"etcdcluster\":" + nlohmann::json(std::string(cluster_version)).dump() + "}";
}

net::HttpResponse MethodNotAllowed(std::string_view allow) {
  return {405,
          {{"allow", std::string(allow)},
           {"content-type", "text/plain; charset=utf-8"},
           {"x-content-type-options", "nosniff"}},
          "Method Not Allowed\n"};
}

void RegisterVersionHandler(net::Router& router, std::function<std::string()> cluster_version) {
  router.AddHttp("/version", [cluster_version = std::move(cluster_version)](const net::HttpRequest& req,
                                                                            net::HttpResponder responder) {
    if (req.method != "GET") {
      responder.Respond(MethodNotAllowed("GET"));
      return;
    }
    responder.Respond({200, {{"content-type", "application/json"}},
                       VersionJson(kServerVersion, cluster_version())});
  });
}

}  // namespace etcdpp::api
