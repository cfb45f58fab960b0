// Transport: how the raft thread reaches the other members. The server defines what it
// needs; the peer module implements it over etcd's rafthttp, and tests in memory.
//
// Send() is called on the raft thread and must never block it: a slow or dead peer's
// messages are dropped (raft retries) and reported through RaftNode::ReportUnreachable.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/status.h"
#include "raftpb/raft.pb.h"

namespace etcdpp::server {

class Transport {
 public:
  virtual ~Transport() = default;
  virtual void Send(std::vector<raftpb::Message> messages) = 0;
  virtual void AddPeer(uint64_t id, const std::vector<std::string>& peer_urls) = 0;
  virtual void UpdatePeer(uint64_t id, const std::vector<std::string>& peer_urls) = 0;
  virtual void RemovePeer(uint64_t id) = 0;
  // Sends a MsgSnap followed by the backend file at db_path (a copy the transport may
  // read until `done`); `done` runs once, on any thread, with the outcome.
  virtual void SendSnapshot(raftpb::Message message, std::string db_path,
                            std::function<void(Status)> done) = 0;
  // Since when the member has been reachable without a break; the epoch if it is not.
  virtual std::chrono::steady_clock::time_point ActiveSince(uint64_t id) const = 0;
};

// A transport for a cluster of one: there is never anyone to send to.
class NoPeersTransport final : public Transport {
 public:
  void Send(std::vector<raftpb::Message>) override {}
  void AddPeer(uint64_t, const std::vector<std::string>&) override {}
  void UpdatePeer(uint64_t, const std::vector<std::string>&) override {}
  void RemovePeer(uint64_t) override {}
  void SendSnapshot(raftpb::Message, std::string, std::function<void(Status)> done) override {
    done(Unavailable("no peers"));
  }
  std::chrono::steady_clock::time_point ActiveSince(uint64_t) const override { return {}; }
};

}  // namespace etcdpp::server
