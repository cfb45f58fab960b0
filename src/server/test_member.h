// Test helpers for an in-process single member (tests only): its configuration, a
// bounded wait for an asynchronous server call, and starting it until it leads.
#pragma once

#include <chrono>
#include <future>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "membership/member.h"
#include "server/etcd_server.h"
#include "testing/wait_until.h"

namespace etcdpp::server::testing_member {

// One member "solo" in data dir `dir`, ticking every 10 ms (so its minimum lease TTL
// is 1 s) and committing the backend every 10 ms.
inline ServerConfig SingleMember(const std::string& dir) {
  ServerConfig c;
  c.name = "solo";
  c.data_dir = dir;
  membership::Member m;
  m.peer_urls = {"http://127.0.0.1:2380"};
  m.id = membership::ComputeMemberId(m.peer_urls, "etcd-cluster");
  c.member_id = m.id;
  c.cluster_id = membership::ComputeClusterId({m.id});
  c.initial_members = {m};
  c.advertise_client_urls = {"http://127.0.0.1:2379"};
  c.tick = std::chrono::milliseconds(10);
  c.backend_batch_interval_ms = 10;
  return c;
}

// Runs an asynchronous server call and waits (20 s at most) for its result.
template <typename Resp, typename Call>
Result<Resp> Await(Call call) {
  auto p = std::make_shared<std::promise<Result<Resp>>>();
  auto f = p->get_future();
  call([p](Result<Resp> r) { p->set_value(std::move(r)); });
  if (f.wait_for(std::chrono::seconds(20)) != std::future_status::ready) return Internal("no answer in time");
  return f.get();
}

// Opens and starts a member, and waits until it leads (a single member elects itself).
inline std::unique_ptr<EtcdServer> StartMember(const ServerConfig& config, Transport* transport) {
  auto server = EtcdServer::Open(config, transport);
  EXPECT_TRUE(server.ok()) << server.status().ToString();
  if (!server.ok()) return nullptr;
  EXPECT_TRUE((*server)->Start().ok());
  EXPECT_TRUE(etcdpp::testing::WaitUntil([&] { return (*server)->leader() != 0; }));
  return std::move(*server);
}

}  // namespace etcdpp::server::testing_member
