#include "api/v2_members_handler.h"

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

#include "api/version_handler.h"
#include "base/url.h"
#include "membership/member.h"
#include "server/errors.h"
#include "v2store/go_text.h"

namespace etcdpp::api {
namespace {

constexpr std::string_view kMembersPrefix = "/v2/members";

void AppendStrings(std::string& out, const std::vector<std::string>& values) {
  out += '[';
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) out += ',';
    v2store::AppendJsonString(out, values[i]);
  }
  out += ']';
}

// httptypes.Member as Go encodes it: id, name, peerURLs, clientURLs.
std::string MemberJson(const membership::Member& m) {
  std::string out = "{\"id\":";
  v2store::AppendJsonString(out, membership::IdToString(m.id));
  out += ",\"name\":";
  v2store::AppendJsonString(out, m.name);
  out += ",\"peerURLs\":";
  AppendStrings(out, m.peer_urls);
  out += ",\"clientURLs\":";
  AppendStrings(out, m.client_urls);
  out += '}';
  return out;
}

net::HttpResponse Json(int status, std::string body, uint64_t cluster_id) {
  return {status,
          {{"Content-Type", "application/json"}, {"X-Etcd-Cluster-ID", membership::IdToString(cluster_id)}},
          std::move(body)};
}

net::HttpResponse WithCluster(net::HttpResponse r, uint64_t cluster_id) {
  r.headers.emplace_back("X-Etcd-Cluster-ID", membership::IdToString(cluster_id));
  return r;
}

// encoding/json's error for a body that is not JSON, in its common forms.
std::string GoJsonSyntaxError(std::string_view body) {
  const size_t at = body.find_first_not_of(" \t\r\n");
  if (at == std::string_view::npos) return "unexpected end of JSON input";
  const char c = body[at];
  if (c != '{' && c != '[' && c != '"' && c != '-' && !(c >= '0' && c <= '9') && c != 't' && c != 'f' &&
      c != 'n') {
    return std::string("invalid character '") + c + "' looking for beginning of value";
  }
  return "unexpected end of JSON input";
}

// The peerURLs of a create or update request (checked and sorted as etcd's types.NewURLs
// does), or the 415/400 answer.
std::optional<net::HttpResponse> ParsePeerUrls(const net::HttpRequest& req, std::vector<std::string>& urls) {
  std::string ctype(req.Header("content-type"));
  if (size_t semi = ctype.find(';'); semi != std::string::npos) {
    ctype = ctype.substr(0, semi);
    std::transform(ctype.begin(), ctype.end(), ctype.begin(), [](unsigned char c) { return std::tolower(c); });
    while (!ctype.empty() && ctype.back() == ' ') ctype.pop_back();
    while (!ctype.empty() && ctype.front() == ' ') ctype.erase(0, 1);
  }
  if (ctype != "application/json") {
    return V2HttpError(415, "Bad Content-Type " + ctype + ", accept application/json");
  }
  auto j = nlohmann::json::parse(req.body, nullptr, false);
  if (j.is_discarded()) return V2HttpError(400, GoJsonSyntaxError(req.body));
  std::vector<std::string> given;
  if (j.is_object()) {
    if (auto it = j.find("peerURLs"); it != j.end() && !it->is_null()) {
      if (!it->is_array()) {
        return V2HttpError(400, "json: cannot unmarshal " + std::string(it->type_name()) +
                                    " into Go struct field .peerURLs of type []string");
      }
      for (const auto& u : *it) {
        if (!u.is_string()) {
          return V2HttpError(400, "json: cannot unmarshal " + std::string(u.type_name()) +
                                      " into Go struct field .peerURLs of type string");
        }
        given.push_back(u.get<std::string>());
      }
    }
  }
  auto parsed = ParseUrlList(given);
  if (!parsed.ok()) return V2HttpError(400, parsed.status().message());
  for (const auto& u : *parsed) urls.push_back(u.String());
  return std::nullopt;
}

// The error an add, remove or update failed with, as etcd's members handler answers it.
net::HttpResponse ReconfigError(const Status& s, std::string_view id) {
  const std::string& m = s.message();
  if (server::errors::kMemberExists.Is(s)) return V2HttpError(409, "membership: ID exists");
  if (server::errors::kPeerUrlExists.Is(s)) return V2HttpError(409, "membership: peerURL exists");
  if (server::errors::kMemberNotFound.Is(s)) return V2HttpError(404, "No such member: " + std::string(id));
  if (server::errors::kInvalidMemberUrls.Is(s)) return V2HttpError(400, m);
  return V2HttpError(500, "Internal Server Error");
}

void Serve(server::EtcdServer* server, const net::HttpRequest& req, net::HttpResponder responder) {
  const std::string& method = req.method;
  if (method != "GET" && method != "POST" && method != "DELETE" && method != "PUT") {
    responder.Respond(MethodNotAllowed("GET,POST,DELETE,PUT"));
    return;
  }
  const uint64_t cid = server->cluster_id();
  std::string_view rest = std::string_view(req.path).substr(kMembersPrefix.size());
  if (!rest.empty() && rest.front() == '/') rest.remove_prefix(1);
  if (method == "GET") {
    if (rest.empty()) {
      std::string body = "{\"members\":[";
      bool first = true;
      for (const auto& m : server->Members()) {
        if (!first) body += ',';
        first = false;
        body += MemberJson(m);
      }
      body += "]}\n";
      responder.Respond(Json(200, std::move(body), cid));
    } else if (rest == "leader") {
      const uint64_t leader = server->leader();
      auto members = server->Members();
      auto it = std::find_if(members.begin(), members.end(), [&](const auto& m) { return m.id == leader; });
      if (leader == 0 || it == members.end()) {
        responder.Respond(WithCluster(V2HttpError(503, "During election"), cid));
      } else {
        responder.Respond(Json(200, MemberJson(*it) + "\n", cid));
      }
    } else {
      responder.Respond(WithCluster(V2HttpError(404, "Not found"), cid));
    }
    return;
  }
  if (method == "POST") {
    std::vector<std::string> urls;
    if (auto bad = ParsePeerUrls(req, urls)) {
      responder.Respond(WithCluster(std::move(*bad), cid));
      return;
    }
    etcdserverpb::MemberAddRequest add;
    for (const auto& u : urls) add.add_peerurls(u);
    server->MemberAdd(std::move(add), [responder, cid](Result<etcdserverpb::MemberAddResponse> res) {
      if (!res.ok()) {
        responder.Respond(WithCluster(ReconfigError(res.status(), ""), cid));
        return;
      }
      membership::Member m;
      m.id = res->member().id();
      m.peer_urls.assign(res->member().peerurls().begin(), res->member().peerurls().end());
      responder.Respond(Json(201, MemberJson(m) + "\n", cid));
    });
    return;
  }
  // DELETE and PUT name a member.
  if (rest.empty()) {
    responder.Respond({405,
                       {{"Content-Type", "text/plain; charset=utf-8"},
                        {"X-Content-Type-Options", "nosniff"},
                        {"X-Etcd-Cluster-Id", membership::IdToString(cid)}},
                       "Method Not Allowed\n"});
    return;
  }
  const std::string id_text(rest);
  auto id = membership::ParseId(id_text);
  if (!id.ok()) {
    responder.Respond(WithCluster(V2HttpError(404, "No such member: " + id_text), cid));
    return;
  }
  if (method == "DELETE") {
    if (server->IsRemoved(*id)) {
      responder.Respond(WithCluster(V2HttpError(410, "Member permanently removed: " + id_text), cid));
      return;
    }
    etcdserverpb::MemberRemoveRequest remove;
    remove.set_id(*id);
    server->MemberRemove(std::move(remove), [responder, cid, id_text](Result<etcdserverpb::MemberRemoveResponse> res) {
      if (!res.ok()) {
        responder.Respond(WithCluster(ReconfigError(res.status(), id_text), cid));
        return;
      }
      responder.Respond({204, {{"X-Etcd-Cluster-ID", membership::IdToString(cid)}}, ""});
    });
    return;
  }
  std::vector<std::string> urls;
  if (auto bad = ParsePeerUrls(req, urls)) {
    responder.Respond(WithCluster(std::move(*bad), cid));
    return;
  }
  etcdserverpb::MemberUpdateRequest update;
  update.set_id(*id);
  for (const auto& u : urls) update.add_peerurls(u);
  server->MemberUpdate(std::move(update), [responder, cid, id_text](Result<etcdserverpb::MemberUpdateResponse> res) {
    if (!res.ok()) {
      responder.Respond(WithCluster(ReconfigError(res.status(), id_text), cid));
      return;
    }
    responder.Respond({204, {{"X-Etcd-Cluster-ID", membership::IdToString(cid)}}, ""});
  });
}

}  // namespace

net::HttpResponse V2HttpError(int status, std::string_view message) {
  std::string body = "{\"message\":";
  v2store::AppendJsonString(body, message);
  body += '}';
  return {status, {{"Content-Type", "application/json"}}, std::move(body)};
}

void RegisterV2MembersHandler(net::Router& router, server::EtcdServer* server) {
  // /v2/machines: every member's client URLs, sorted, comma-separated.
  router.AddHttp("/v2/machines", [server](const net::HttpRequest& req, net::HttpResponder responder) {
    if (req.method != "GET" && req.method != "HEAD") return (void)responder.Respond(MethodNotAllowed("GET,HEAD"));
    std::vector<std::string> urls;
    for (const auto& m : server->Members()) urls.insert(urls.end(), m.client_urls.begin(), m.client_urls.end());
    std::sort(urls.begin(), urls.end());
    std::string body;
    for (const auto& u : urls) body += (body.empty() ? "" : ", ") + u;
    responder.Respond({200, {{"Content-Type", "text/plain; charset=utf-8"}}, std::move(body)});
  });
  auto handler = [server](const net::HttpRequest& req, net::HttpResponder responder) {
    Serve(server, req, std::move(responder));
  };
  router.AddHttp(std::string(kMembersPrefix), handler);
  router.AddHttpPrefix(std::string(kMembersPrefix) + "/", handler);
}

}  // namespace etcdpp::api
