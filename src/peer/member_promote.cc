#include "peer/member_promote.h"

#include <charconv>

#include <nlohmann/json.hpp>

#include "server/errors.h"

namespace etcdpp::peer {
namespace {

namespace errors = server::errors;

// The bodies etcd's leader writes, which etcd's followers look for.
constexpr std::string_view kIdNotFound = "membership: ID not found";
constexpr std::string_view kNotLearner = "membership: can only promote a learner member";

net::HttpResponse TextError(int status, std::string_view text, uint64_t cluster_id) {
  net::HttpResponse r;
  r.status = status;
  r.headers.emplace_back("X-Etcd-Cluster-ID", membership::IdToString(cluster_id));
  r.headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.body = std::string(text) + "\n";
  return r;
}

bool Is(const Status& s, const server::EtcdError& e) { return s.message() == e.message; }

}  // namespace

void RegisterPromoteHandler(net::Router& router, uint64_t cluster_id, PromoteFn promote) {
  router.AddHttpPrefix(std::string(kMemberPromotePrefix), [cluster_id, promote](const net::HttpRequest& req,
                                                                                net::HttpResponder w) {
    if (req.method != "POST") {
      net::HttpResponse r = TextError(405, "Method Not Allowed", cluster_id);
      r.headers.emplace_back("Allow", "POST");
      return void(w.Respond(std::move(r)));
    }
    std::string_view id_text = req.path;
    id_text.remove_prefix(kMemberPromotePrefix.size());
    uint64_t id = 0;
    auto [end, ec] = std::from_chars(id_text.data(), id_text.data() + id_text.size(), id);
    if (ec != std::errc() || end != id_text.data() + id_text.size()) {
      return void(w.Respond(TextError(404, "member " + std::string(id_text) + " not found in cluster", cluster_id)));
    }
    promote(id, [w, cluster_id](Result<std::vector<membership::Member>> members) mutable {
      if (!members.ok()) {
        const Status& s = members.status();
        if (Is(s, errors::kMemberNotFound)) return void(w.Respond(TextError(404, kIdNotFound, cluster_id)));
        if (Is(s, errors::kMemberNotLearner)) return void(w.Respond(TextError(412, kNotLearner, cluster_id)));
        if (Is(s, errors::kLearnerNotReady)) return void(w.Respond(TextError(412, s.message(), cluster_id)));
        if (Is(s, errors::kTimeout)) return void(w.Respond(TextError(408, s.message(), cluster_id)));
        return void(w.Respond(TextError(500, s.message(), cluster_id)));
      }
      net::HttpResponse r;
      r.headers.emplace_back("X-Etcd-Cluster-ID", membership::IdToString(cluster_id));
      r.headers.emplace_back("Content-Type", "application/json");
      r.body = "[";
      for (size_t i = 0; i < members->size(); ++i) r.body += (i ? "," : "") + membership::MemberToJson((*members)[i]);
      r.body += "]\n";
      return void(w.Respond(std::move(r)));
    });
  });
}

server::EtcdServer::PromoteForwarder MakePromoteForwarder(PeerClient* client) {
  return [client](std::vector<std::string> leader_urls, uint64_t id,
                  server::EtcdServer::Done<std::vector<membership::Member>> done) {
    if (leader_urls.empty()) return done(errors::kNotLeader.status());
    // etcd tries each of the leader's URLs; we ask the first and let the client retry.
    PeerRequest req;
    req.method = "POST";
    req.url = leader_urls.front();
    req.path = std::string(kMemberPromotePrefix) + std::to_string(id);
    client->Call(std::move(req), [done = std::move(done)](Result<PeerAnswer> a) {
      if (!a.ok()) return done(errors::kTimeout.status());
      if (a->status == 408) return done(errors::kTimeout.status());
      if (a->status == 404) return done(errors::kMemberNotFound.status());
      if (a->status == 412) {
        if (a->body.find(errors::kLearnerNotReady.message) != std::string::npos) {
          return done(errors::kLearnerNotReady.status());
        }
        if (a->body.find(kNotLearner) != std::string::npos) return done(errors::kMemberNotLearner.status());
      }
      if (a->status != 200) return done(Internal("member promote: unknown error(" + a->body + ")"));
      auto list = nlohmann::json::parse(a->body, nullptr, false);
      if (!list.is_array()) return done(Internal("member promote: unknown error(" + a->body + ")"));
      std::vector<membership::Member> members;
      for (const auto& item : list) {
        auto m = membership::MemberFromJson(item.dump());
        if (m.ok()) members.push_back(std::move(*m));
      }
      done(std::move(members));
    });
  };
}

}  // namespace etcdpp::peer
