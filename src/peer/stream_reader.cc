#include "peer/stream_reader.h"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "membership/member.h"
#include "peer/protocol.h"
#include "peer/stream_codec.h"

namespace etcdpp::peer {
namespace asio = boost::asio;

namespace {

constexpr size_t kErrorBodyLimitBytes = 4096;

// Lets RemotePeer::Stop close the connection while the reader waits on it.
class CloserScope {
 public:
  CloserScope(RemotePeer& peer, HttpConnection& conn) : peer_(peer) {
    peer_.SetCloser([&conn] { conn.Close(); });
  }
  ~CloserScope() { peer_.SetCloser(nullptr); }

 private:
  RemotePeer& peer_;
};

// Reads frames until the stream fails; returns why it ended.
asio::awaitable<Status> Consume(RemotePeer& peer, const ClientEnv& env, HttpConnection& conn) {
  MessageStreamDecoder decoder;
  std::string chunk;
  for (;;) {
    chunk.clear();
    Result<bool> more = co_await conn.ReadBody(&chunk, kConnTimeout);
    if (!more.ok()) co_return more.status();
    decoder.Feed(chunk);
    for (;;) {
      Result<std::optional<raftpb::Message>> next = decoder.Next();
      if (!next.ok()) co_return next.status();
      if (!next->has_value()) break;
      if (peer.stopped()) co_return Status::Ok();
      if (IsLinkHeartbeat(**next)) continue;
      env.deliver(std::move(**next));
    }
    if (!*more) co_return Unavailable("EOF");
  }
}

// One dial; `up` is set once the peer accepted the stream.
asio::awaitable<Status> ReadStreamOnce(RemotePeer& peer, const ClientEnv& env, bool* up) {
  const Url url = peer.PickUrl();
  if (url.host_port.empty()) co_return Unavailable("no peer URL");
  auto executor = co_await asio::this_coro::executor;
  Result<std::unique_ptr<PeerStream>> dialed = co_await env.dialer->Dial(executor, url, env.dial_timeout);
  if (!dialed.ok()) {
    peer.UrlFailed(url);
    co_return dialed.status();
  }
  HttpConnection conn(std::move(*dialed));
  CloserScope closer(peer, conn);
  if (peer.stopped()) co_return Status::Ok();
  HeaderList headers = env.BaseHeaders();
  headers.emplace_back("X-Raft-To", membership::IdToString(peer.id()));
  const std::string path = std::string(kMessageStreamPath) + membership::IdToString(env.local_id);
  Status s = co_await conn.Write(EncodeRequestHead("GET", url, path, headers, std::nullopt), kConnTimeout);
  if (s.ok()) s = co_await conn.ReadHead(kConnTimeout);
  if (!s.ok()) {
    peer.UrlFailed(url);
    co_return s;
  }
  if (conn.status() != 200) {
    Result<std::string> body = co_await conn.ReadWholeBody(kErrorBodyLimitBytes, kConnTimeout);
    peer.UrlFailed(url);
    co_return ReadRejection(env, peer.id(), conn.status(), body.ok() ? *body : std::string(),
                            conn.Header("x-etcd-cluster-id"), /*stream=*/true);
  }
  *up = true;
  const std::string remote = membership::IdToString(peer.id());
  env.LogInfo("established a TCP streaming connection with peer " + remote + " (stream Message reader)");
  s = co_await Consume(peer, env, conn);
  if (!peer.stopped()) {
    env.LogWarn("lost the TCP streaming connection with peer " + remote + " (stream Message reader)");
  }
  co_return s;
}

}  // namespace

asio::awaitable<void> RunStreamReader(std::shared_ptr<RemotePeer> peer, const ClientEnv& env) {
  asio::steady_timer pace(co_await asio::this_coro::executor);
  while (!peer->stopped()) {
    const auto started = asio::steady_timer::clock_type::now();
    bool up = false;
    (co_await ReadStreamOnce(*peer, env, &up)).IgnoreError();  // the failure was logged
    if (peer->stopped()) break;
    if (up) env.unreachable(peer->id());
    pace.expires_at(started + kRedialInterval);
    boost::system::error_code ec;
    co_await pace.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

}  // namespace etcdpp::peer
