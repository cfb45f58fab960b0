#include "api/v2_discovery_handler.h"

#include <openssl/rand.h>

#include <charconv>

#include "v2store/applier.h"
#include "v2store/form.h"
#include "v2store/key_response.h"

namespace etcdpp::api {
namespace {

net::HttpResponse TextError(int status, std::string message) {
  return {status,
          {{"Content-Type", "text/plain; charset=utf-8"}, {"X-Content-Type-Options", "nosniff"}},
          std::move(message) + "\n"};
}

}  // namespace

std::string NewDiscoveryToken() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) return {};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

void RegisterV2DiscoveryHandler(net::Router& router, server::EtcdServer* server, std::string advertised_client_url) {
  while (!advertised_client_url.empty() && advertised_client_url.back() == '/') advertised_client_url.pop_back();
  router.AddHttp("/new", [server, base = std::move(advertised_client_url)](const net::HttpRequest& req,
                                                                          net::HttpResponder responder) {
    v2store::Form form;
    (void)v2store::ParseQueryInto(req.query, form);
    int64_t size = 3;
    if (const std::string s = form.Value("size"); !s.empty()) {
      auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), size);
      if (ec == std::errc::result_out_of_range) {
        return (void)responder.Respond(TextError(400, "strconv.Atoi: parsing \"" + s + "\": value out of range"));
      }
      if (ec != std::errc() || end != s.data() + s.size()) {
        return (void)responder.Respond(TextError(400, "strconv.Atoi: parsing \"" + s + "\": invalid syntax"));
      }
    }
    const std::string token = NewDiscoveryToken();
    if (token.empty()) return (void)responder.Respond(TextError(400, "Unable to generate token"));
    etcdserverpb::Request r = v2store::NewV2Request("PUT", "/1/discovery/" + token + "/_config/size");
    r.set_val(std::to_string(size));
    r.set_prevexist(false);
    const std::string url = base + "/v2/keys/discovery/" + token;
    server->V2Propose(std::move(r), [responder, url](Result<server::EtcdServer::V2Result> res) {
      if (!res.ok() || res->error) return (void)responder.Respond(TextError(400, "Unable to generate token"));
      responder.Respond({200, {{"Content-Type", "text/plain; charset=utf-8"}}, url});
    });
  });
}

}  // namespace etcdpp::api
