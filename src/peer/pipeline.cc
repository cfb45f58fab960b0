#include "peer/pipeline.h"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "peer/protocol.h"

namespace etcdpp::peer {
namespace asio = boost::asio;

namespace {

constexpr size_t kResponseBodyLimitBytes = 64 * 1024;

struct Connection {
  std::unique_ptr<HttpConnection> http;
  Url url;
};

// One request on `conn` (dialing when there is no reusable connection). `fresh` tells
// whether the connection was new, since a reused one may have been closed by the server
// while idle and deserves one more try.
asio::awaitable<Status> PostOnce(RemotePeer& peer, const ClientEnv& env, const std::string& request,
                                 const Url& url, Connection& conn, bool* fresh) {
  *fresh = false;
  if (!conn.http || !conn.http->reusable() || !(conn.url == url)) {
    auto executor = co_await asio::this_coro::executor;
    Result<std::unique_ptr<PeerStream>> dialed = co_await env.dialer->Dial(executor, url, env.dial_timeout);
    if (!dialed.ok()) co_return dialed.status();
    conn.http = std::make_unique<HttpConnection>(std::move(*dialed));
    conn.url = url;
    *fresh = true;
  } else {
    conn.http->Reset();
  }
  ETCDPP_CO_RETURN_IF_ERROR(co_await conn.http->Write(request, kConnTimeout));
  ETCDPP_CO_RETURN_IF_ERROR(co_await conn.http->ReadHead(kConnTimeout));
  Result<std::string> body = co_await conn.http->ReadWholeBody(kResponseBodyLimitBytes, kConnTimeout);
  if (!body.ok()) co_return body.status();
  *fresh = true;  // the server answered: the failure, if any, is not a stale connection
  if (conn.http->status() == 204) co_return Status::Ok();
  co_return ReadRejection(env, peer.id(), conn.http->status(), *body, conn.http->Header("x-etcd-cluster-id"),
                          /*stream=*/false);
}

asio::awaitable<Status> Post(RemotePeer& peer, const ClientEnv& env, const raftpb::Message& m, Connection& conn) {
  const Url url = peer.PickUrl();
  if (url.host_port.empty()) co_return Unavailable("no peer URL");
  HeaderList headers = env.BaseHeaders();
  headers.emplace(headers.begin(), "Content-Type", "application/protobuf");
  const std::string body = m.SerializeAsString();
  std::string request = EncodeRequestHead("POST", url, kRaftPath, headers, body.size());
  request += body;
  Status s;
  for (int attempt = 0; attempt < 2; ++attempt) {
    bool fresh = false;
    s = co_await PostOnce(peer, env, request, url, conn, &fresh);
    if (s.ok()) co_return s;
    conn.http.reset();
    if (fresh) break;
  }
  peer.UrlFailed(url);
  co_return s;
}

}  // namespace

asio::awaitable<void> RunPipelineWorker(std::shared_ptr<RemotePeer> peer, const ClientEnv& env) {
  Connection conn;
  while (!peer->stopped()) {
    std::optional<raftpb::Message> m = peer->PopPipeline();
    if (!m) {
      boost::system::error_code ec;
      co_await peer->pipeline_wake().async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    Status s = co_await Post(*peer, env, *m, conn);
    if (!s.ok() && !peer->stopped()) env.unreachable(m->to());
  }
}

}  // namespace etcdpp::peer
