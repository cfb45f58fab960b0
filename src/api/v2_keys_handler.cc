#include "api/v2_keys_handler.h"

#include <algorithm>
#include <chrono>

#include "api/version_handler.h"
#include "membership/member.h"
#include "v2store/key_request.h"
#include "v2store/key_response.h"
#include "v2store/store.h"

namespace etcdpp::api {
namespace {

constexpr auto kSweepInterval = std::chrono::milliseconds(500);

int64_t NowUnixNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch()).count();
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Adds X-Etcd-Cluster-ID where Go writes it: headers go out sorted by name.
std::vector<std::pair<std::string, std::string>> WithClusterId(std::vector<std::pair<std::string, std::string>> headers,
                                                               uint64_t cluster_id) {
  headers.emplace_back("X-Etcd-Cluster-Id", membership::IdToString(cluster_id));
  std::stable_sort(headers.begin(), headers.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return headers;
}

net::HttpResponse ToNet(v2store::HttpResponse r, uint64_t cluster_id) {
  net::HttpResponse out;
  out.status = r.status;
  out.headers = WithClusterId(std::move(r.headers), cluster_id);
  out.body = std::move(r.body);
  return out;
}

}  // namespace

bool UnescapePath(std::string_view in, std::string& out) {
  out.clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out += in[i];
      continue;
    }
    if (i + 2 >= in.size()) return false;
    const int hi = HexValue(in[i + 1]);
    const int lo = HexValue(in[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return true;
}

// One open watch response. The watcher's wakeup (on the applying thread) and the
// sweeper both drain it; `mu` keeps their writes in order.
struct V2KeysApi::WatchSession {
  std::mutex mu;  // guards done and the writes to responder
  v2store::WatcherPtr watcher;
  net::HttpResponder responder;
  bool stream = false;
  bool done = false;
  std::chrono::steady_clock::time_point deadline;

  WatchSession(v2store::WatcherPtr w, net::HttpResponder r, bool s, std::chrono::steady_clock::time_point d)
      : watcher(std::move(w)), responder(std::move(r)), stream(s), deadline(d) {}

  // Writes what is queued; ends the response after a one-shot watch's event, when the
  // watcher closed, or when `end` (client gone, timeout, stopping).
  void Drain(bool end) {
    std::lock_guard lock(mu);
    if (done) return;
    // Bounded: the watcher queues at most kQueueCapacity events.
    for (size_t i = 0; i <= v2store::Watcher::kQueueCapacity; ++i) {
      v2store::EventPtr e = watcher->Next();
      if (!e) break;
      if (!responder.Write(v2store::RenderWatchEvent(*e)) || !stream) {
        end = true;
        break;
      }
    }
    if (end || watcher->closed() || responder.closed()) {
      done = true;
      watcher->Remove();
      responder.End();
    }
  }
};

V2KeysApi::V2KeysApi(server::EtcdServer* server, std::chrono::milliseconds watch_timeout)
    : server_(server), watch_timeout_(watch_timeout) {}

V2KeysApi::~V2KeysApi() { Stop(); }

void V2KeysApi::Register(net::Router& router) {
  auto handler = [this](const net::HttpRequest& req, net::HttpResponder responder) {
    Serve(req, std::move(responder));
  };
  router.AddHttp(std::string(v2store::kKeysUrlPrefix), handler);
  router.AddHttpPrefix(std::string(v2store::kKeysUrlPrefix) + "/", handler);
  std::lock_guard lock(mu_);
  if (!sweeper_.joinable() && !stop_) sweeper_ = std::thread([this] { Sweep(); });
}

void V2KeysApi::Stop() {
  std::list<std::shared_ptr<WatchSession>> sessions;
  {
    std::lock_guard lock(mu_);
    stop_ = true;
    sessions.swap(sessions_);
  }
  cv_.notify_all();
  if (sweeper_.joinable()) sweeper_.join();
  for (auto& s : sessions) s->Drain(true);
}

void V2KeysApi::Sweep() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    cv_.wait_for(lock, kSweepInterval);
    if (stop_) return;
    const auto now = std::chrono::steady_clock::now();
    std::vector<std::shared_ptr<WatchSession>> check(sessions_.begin(), sessions_.end());
    lock.unlock();
    for (auto& s : check) s->Drain(s->responder.closed() || now >= s->deadline);
    lock.lock();
    sessions_.remove_if([](const std::shared_ptr<WatchSession>& s) {
      std::lock_guard session_lock(s->mu);
      return s->done;
    });
  }
}

void V2KeysApi::Serve(const net::HttpRequest& req, net::HttpResponder responder) {
  const std::string& m = req.method;
  if (m != "HEAD" && m != "GET" && m != "PUT" && m != "POST" && m != "DELETE") {
    responder.Respond(MethodNotAllowed("HEAD,GET,PUT,POST,DELETE"));
    return;
  }
  const uint64_t cluster_id = server_->cluster_id();
  std::string path;
  if (!UnescapePath(req.path, path)) path = req.path;
  const int64_t now = NowUnixNs();
  auto parsed = v2store::ParseKeyRequest(
      v2store::HttpKeyRequest{m, path, req.query, req.Header("content-type"), req.body}, now);
  if (!parsed.ok()) {
    responder.Respond(ToNet(v2store::RenderError(parsed.error()), cluster_id));
    return;
  }
  etcdserverpb::Request r = std::move(parsed->request);
  const bool no_value = parsed->no_value_on_success;
  switch (v2store::RouteKeyRequest(r)) {
    case v2store::KeyRoute::kLocalGet: {
      auto got = v2store::ServeLocalGet(server_->v2_store(), r, now);
      responder.Respond(ToNet(got.ok() ? v2store::RenderEvent(**got, server_->committed_index(), server_->raft_term(), no_value)
                                       : v2store::RenderError(got.error()),
                              cluster_id));
      return;
    }
    case v2store::KeyRoute::kWatch:
      StartWatchResponse(r, std::move(responder));
      return;
    case v2store::KeyRoute::kPropose:
      break;
  }
  server::EtcdServer* server = server_;
  server_->V2Propose(std::move(r), [server, responder, cluster_id, no_value](Result<server::EtcdServer::V2Result> res) {
    v2store::HttpResponse out;
    if (!res.ok()) {
      out = v2store::RenderError(v2store::ServerError(res.status().message()));
    } else if (res->error) {
      out = v2store::RenderError(*res->error);
    } else if (res->event) {
      out = v2store::RenderEvent(*res->event, server->committed_index(), server->raft_term(), no_value);
    } else {
      out = v2store::RenderError(v2store::ServerError("received response with no Event/Watcher!"));
    }
    responder.Respond(ToNet(std::move(out), cluster_id));
  });
}

void V2KeysApi::StartWatchResponse(const etcdserverpb::Request& r, net::HttpResponder responder) {
  const uint64_t cluster_id = server_->cluster_id();
  auto watched = v2store::StartWatch(server_->v2_store(), r);
  if (!watched.ok()) {
    responder.Respond(ToNet(v2store::RenderError(watched.error()), cluster_id));
    return;
  }
  v2store::WatcherPtr watcher = *watched;
  v2store::HttpResponse head = v2store::RenderWatchStart(*watcher, server_->committed_index(), server_->raft_term());
  responder.StartStream(head.status, WithClusterId(std::move(head.headers), cluster_id));
  auto session = std::make_shared<WatchSession>(watcher, responder, r.stream(),
                                                std::chrono::steady_clock::now() + watch_timeout_);
  {
    std::lock_guard lock(mu_);
    if (stop_) {
      session->Drain(true);
      return;
    }
    sessions_.push_back(session);
  }
  std::weak_ptr<WatchSession> weak = session;
  watcher->SetWakeup([weak] {
    if (auto s = weak.lock()) s->Drain(false);
  });
}

}  // namespace etcdpp::api
