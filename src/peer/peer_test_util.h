// Test helpers for the peer module: an in-process member (transport + peer server on
// 127.0.0.1) recording what it receives, and a blocking HTTP/1.1 client for checking
// answers byte for byte. Test-only; included by *_test.cc files.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "net/server.h"
#include "peer/peer_handlers.h"
#include "peer/raft_http_transport.h"
#include "testing/temp_dir.h"

namespace etcdpp::peer::testing_util {

// What a member received, readable from the test thread.
class Inbox {
 public:
  void Add(raftpb::Message m) {
    std::lock_guard lock(mu_);
    messages_.push_back(std::move(m));
  }
  void AddUnreachable(uint64_t id) {
    std::lock_guard lock(mu_);
    unreachable_.push_back(id);
  }
  std::vector<raftpb::Message> messages() const {
    std::lock_guard lock(mu_);
    return messages_;
  }
  size_t count() const {
    std::lock_guard lock(mu_);
    return messages_.size();
  }
  bool Has(uint64_t from, uint64_t index) const {
    std::lock_guard lock(mu_);
    for (const auto& m : messages_) {
      if (m.from() == from && m.index() == index) return true;
    }
    return false;
  }
  size_t unreachable_count(uint64_t id) const {
    std::lock_guard lock(mu_);
    size_t n = 0;
    for (uint64_t u : unreachable_) n += u == id;
    return n;
  }

 private:
  mutable std::mutex mu_;  // guards both vectors
  std::vector<raftpb::Message> messages_;
  std::vector<uint64_t> unreachable_;
};

struct MemberSetup {
  uint64_t id = 0;
  uint64_t cluster_id = 0x1000;
  std::string listen = "http://127.0.0.1:0";
  bool dial_streams = true;
  std::vector<uint64_t> removed;
  std::vector<membership::Member> members;
};

inline MemberSetup SetupFor(uint64_t id, uint64_t cluster_id = 0x1000) {
  MemberSetup setup;
  setup.id = id;
  setup.cluster_id = cluster_id;
  return setup;
}

// One member: a transport and its peer server, both stopped by the destructor.
class TestMember {
 public:
  explicit TestMember(MemberSetup setup) : setup_(std::move(setup)) {
    TransportOptions options;
    options.local_id = setup_.id;
    options.cluster_id = setup_.cluster_id;
    options.on_message = [this](raftpb::Message m) { inbox_.Add(std::move(m)); };
    options.on_unreachable = [this](uint64_t id) { inbox_.AddUnreachable(id); };
    const std::vector<uint64_t> removed = setup_.removed;
    options.is_removed = [removed](uint64_t id) {
      for (uint64_t r : removed) {
        if (r == id) return true;
      }
      return false;
    };
    options.dial_streams = setup_.dial_streams;
    transport_ = std::make_unique<RaftHttpTransport>(std::move(options));
    net::Router router;
    PeerHandlerDeps deps;
    deps.transport = transport_.get();
    const std::vector<membership::Member> members = setup_.members;
    deps.members = [members] { return members; };
    deps.cluster_version = [] { return std::string("3.4.0"); };
    deps.snapshot_dir = snap_dir_.path().string();
    RegisterPeerHandlers(router, std::move(deps));
    net::ServerOptions server_options;
    server_options.io_threads = 1;
    server_options.max_http_body_bytes = 64 << 20;
    server_ = std::make_unique<net::Server>(std::move(router), server_options);
    Result<std::string> bound = server_->Listen(setup_.listen);
    ETCDPP_CHECK(bound.ok(), "listen: " + bound.status().ToString());
    address_ = *bound;
    ETCDPP_CHECK(server_->Start().ok(), "server start");
  }
  ~TestMember() {
    server_->Stop();
    transport_.reset();
  }

  uint64_t id() const { return setup_.id; }
  std::string url() const { return "http://" + address_; }
  const std::string& address() const { return address_; }
  uint16_t port() const { return static_cast<uint16_t>(std::stoi(address_.substr(address_.rfind(':') + 1))); }
  RaftHttpTransport& transport() { return *transport_; }
  Inbox& inbox() { return inbox_; }
  std::string snap_dir() const { return snap_dir_.path().string(); }

  void Peer(const TestMember& other) { transport_->AddPeer(other.id(), {other.url()}); }

  // A message from this member to `to` that tests recognise by its index.
  raftpb::Message Message(uint64_t to, uint64_t index, raftpb::MessageType type = raftpb::MsgHeartbeat) const {
    raftpb::Message m;
    m.set_type(type);
    m.set_from(setup_.id);
    m.set_to(to);
    m.set_term(3);
    m.set_index(index);
    return m;
  }

 private:
  MemberSetup setup_;
  etcdpp::testing::TempDir snap_dir_;
  Inbox inbox_;
  std::unique_ptr<RaftHttpTransport> transport_;
  std::unique_ptr<net::Server> server_;
  std::string address_;
};

struct HttpAnswer {
  int status = 0;
  std::string body;
  boost::beast::http::fields headers;
};

// One blocking HTTP/1.1 request to 127.0.0.1:port.
inline HttpAnswer HttpCall(uint16_t port, boost::beast::http::verb method, const std::string& target,
                           const std::vector<std::pair<std::string, std::string>>& headers = {},
                           const std::string& body = "") {
  namespace http = boost::beast::http;
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket socket(io);
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  http::request<http::string_body> req(method, target, 11);
  req.set(http::field::host, "127.0.0.1");
  for (const auto& [k, v] : headers) req.set(k, v);
  req.body() = body;
  req.prepare_payload();
  http::write(socket, req);
  boost::beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(socket, buffer, res);
  HttpAnswer answer;
  answer.status = static_cast<int>(res.result_int());
  answer.body = res.body();
  answer.headers = res.base();
  return answer;
}

// Headers a compatible peer of cluster 0x1000 sends.
inline std::vector<std::pair<std::string, std::string>> PeerHeaders(std::string from, std::string to,
                                                                    std::string cluster = "1000") {
  return {{"X-Server-From", from},
          {"X-Server-Version", "3.4.23"},
          {"X-Min-Cluster-Version", "3.0.0"},
          {"X-Etcd-Cluster-ID", cluster},
          {"X-Raft-To", to}};
}

}  // namespace etcdpp::peer::testing_util
