#include "peer/raft_http_transport.h"

#include <utility>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include "base/url.h"
#include "membership/member.h"
#include "peer/pipeline.h"
#include "peer/protocol.h"
#include "peer/snapshot_sender.h"
#include "peer/stream_reader.h"

namespace etcdpp::peer {
namespace asio = boost::asio;

struct RaftHttpTransport::Heartbeat {
  explicit Heartbeat(asio::io_context& io) : timer(io) {}
  asio::steady_timer timer;
};

namespace {

std::string JoinComma(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += ",";
    out += item;
  }
  return out;
}

}  // namespace

RaftHttpTransport::RaftHttpTransport(TransportOptions options)
    : options_(std::move(options)),
      io_(std::make_unique<asio::io_context>(1)),
      disk_(std::make_unique<asio::thread_pool>(1)) {
  if (!options_.dialer) options_.dialer = MakeTcpDialer();
  env_.local_id = options_.local_id;
  env_.cluster_id = options_.cluster_id;
  env_.local_peer_urls = JoinComma(options_.local_peer_urls);
  env_.dialer = options_.dialer.get();
  env_.dial_timeout = options_.dial_timeout;
  env_.deliver = [this](raftpb::Message m) { Deliver(std::move(m)); };
  env_.unreachable = [this](uint64_t id) { ReportUnreachable(id); };
  env_.removed = options_.on_removed;
  env_.cluster_id_conflict = options_.on_cluster_id_conflict;
  env_.logger = options_.logger;
  heartbeat_ = std::make_unique<Heartbeat>(*io_);
  asio::post(*io_, [this] { HeartbeatTick(); });
  client_thread_ = std::thread([this] { io_->run(); });
}

RaftHttpTransport::~RaftHttpTransport() {
  Stop();
  heartbeat_.reset();
  {
    std::lock_guard lock(mu_);
    peers_.clear();
  }
  io_.reset();  // destroys the coroutines still parked on it
}

void RaftHttpTransport::Stop() {
  if (stopped_.exchange(true)) return;
  std::map<uint64_t, std::shared_ptr<RemotePeer>> peers;
  {
    std::lock_guard lock(mu_);
    peers.swap(peers_);
  }
  for (auto& [id, peer] : peers) peer->Stop();
  io_->stop();
  if (client_thread_.joinable()) client_thread_.join();
  disk_->stop();
  disk_->join();
}

void RaftHttpTransport::HeartbeatTick() {
  if (stopped_) return;
  std::vector<std::shared_ptr<RemotePeer>> peers;
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, peer] : peers_) peers.push_back(peer);
  }
  for (const auto& peer : peers) {
    if (peer->Heartbeat()) {
      env_.LogWarn("lost the TCP streaming connection with peer " + membership::IdToString(peer->id()) +
                   " (stream writer)");
      ReportUnreachable(peer->id());
    }
  }
  heartbeat_->timer.expires_after(kLinkHeartbeatInterval);
  heartbeat_->timer.async_wait([this](boost::system::error_code ec) {
    if (!ec) HeartbeatTick();
  });
}

void RaftHttpTransport::Send(std::vector<raftpb::Message> messages) {
  for (const raftpb::Message& m : messages) {
    if (m.to() == 0) continue;  // raft's way of dropping a message
    std::shared_ptr<RemotePeer> peer = Find(m.to());
    if (!peer) continue;  // not (or no longer) a member: nothing to do, as etcd
    const RemotePeer::SendOutcome outcome = peer->Send(m);
    if (!outcome.accepted || outcome.stream_lost) ReportUnreachable(m.to());
  }
}

void RaftHttpTransport::AddPeer(uint64_t id, const std::vector<std::string>& peer_urls) {
  std::vector<Url> urls;
  for (const std::string& text : peer_urls) {
    Result<Url> url = Url::Parse(text);
    if (url.ok()) {
      urls.push_back(std::move(*url));
    } else {
      env_.LogError("failed to parse peer URL " + text + " (" + url.status().message() + ")");
    }
  }
  std::shared_ptr<RemotePeer> peer;
  {
    std::lock_guard lock(mu_);
    if (stopped_ || peers_.count(id) > 0) return;
    peer = std::make_shared<RemotePeer>(id, std::move(urls), io_->get_executor(), options_.limits);
    peers_.emplace(id, peer);
  }
  StartPeer(peer);
}

void RaftHttpTransport::StartPeer(const std::shared_ptr<RemotePeer>& peer) {
  env_.LogInfo("starting peer " + membership::IdToString(peer->id()) + "...");
  if (options_.dial_streams) asio::co_spawn(*io_, RunStreamReader(peer, env_), asio::detached);
  for (int i = 0; i < kPipelineWorkers; ++i) asio::co_spawn(*io_, RunPipelineWorker(peer, env_), asio::detached);
}

void RaftHttpTransport::UpdatePeer(uint64_t id, const std::vector<std::string>& peer_urls) {
  std::shared_ptr<RemotePeer> peer = Find(id);
  if (!peer) return;
  std::vector<Url> urls;
  for (const std::string& text : peer_urls) {
    if (Result<Url> url = Url::Parse(text); url.ok()) urls.push_back(std::move(*url));
  }
  peer->SetUrls(std::move(urls));
}

void RaftHttpTransport::RemovePeer(uint64_t id) {
  std::shared_ptr<RemotePeer> peer;
  {
    std::lock_guard lock(mu_);
    auto it = peers_.find(id);
    if (it == peers_.end()) return;
    peer = std::move(it->second);
    peers_.erase(it);
  }
  peer->Stop();
  env_.LogInfo("removed peer " + membership::IdToString(id));
}

void RaftHttpTransport::SendSnapshot(raftpb::Message message, std::string db_path,
                                     std::function<void(Status)> done) {
  std::shared_ptr<RemotePeer> peer = Find(message.to());
  if (!peer) {
    if (done) asio::post(*io_, [done = std::move(done)] { done(NotFound("member not found")); });
    return;
  }
  asio::co_spawn(*io_, SendSnapshotFile(std::move(peer), env_, std::move(message), std::move(db_path), std::move(done)),
                 asio::detached);
}

std::shared_ptr<RemotePeer> RaftHttpTransport::Find(uint64_t id) const {
  std::lock_guard lock(mu_);
  auto it = peers_.find(id);
  return it == peers_.end() ? nullptr : it->second;
}

bool RaftHttpTransport::HasPeer(uint64_t id) const { return Find(id) != nullptr; }

bool RaftHttpTransport::AttachStream(uint64_t from, StreamKind kind, net::HttpResponder responder) {
  std::shared_ptr<RemotePeer> peer = Find(from);
  if (!peer) return false;
  peer->AttachStream(kind, std::move(responder));
  env_.LogInfo("established a TCP streaming connection with peer " + membership::IdToString(from) +
               (kind == StreamKind::kMessage ? " (stream Message writer)" : " (stream MsgApp v2 writer)"));
  return true;
}

void RaftHttpTransport::Deliver(raftpb::Message message) {
  switch (message.type()) {
    case raftpb::MsgHup:
    case raftpb::MsgBeat:
    case raftpb::MsgUnreachable:
    case raftpb::MsgSnapStatus:
    case raftpb::MsgCheckQuorum:
      return;  // raft's local messages never come from the network; a peer cannot inject them
    default:
      break;
  }
  if (!stopped_ && options_.on_message) options_.on_message(std::move(message));
}

void RaftHttpTransport::RunBlocking(std::function<void()> work) {
  if (stopped_) return;
  asio::post(*disk_, std::move(work));
}

void RaftHttpTransport::ReportUnreachable(uint64_t id) {
  if (!stopped_ && options_.on_unreachable) options_.on_unreachable(id);
}

std::chrono::steady_clock::time_point RaftHttpTransport::ActiveSince(uint64_t id) const {
  std::shared_ptr<RemotePeer> peer = Find(id);
  return peer ? peer->active_since() : std::chrono::steady_clock::time_point{};
}

bool RaftHttpTransport::StreamAttached(uint64_t id, StreamKind kind) const {
  std::shared_ptr<RemotePeer> peer = Find(id);
  return peer && peer->stream_attached(kind);
}

}  // namespace etcdpp::peer
