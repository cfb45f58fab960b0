// WatchService: etcd's v3 Watch API on the client port — the gRPC bidi stream
// /etcdserverpb.Watch/Watch and the gateway's POST /v3/watch (and /v3beta/watch), whose
// body holds JSON WatchRequests and whose response is a chunked stream of
// {"result":{...}} lines, as etcd 3.4's grpc-gateway answers.
//
// Owned by the member next to the client server. Stop must run after the client server
// stops and before the EtcdServer stops: it ends every session, and sessions hold
// watch streams of the server's store.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>

#include "api/watch_hub.h"
#include "net/router.h"
#include "server/etcd_server.h"

namespace etcdpp::api {

struct WatchServiceOptions {
  uint64_t max_request_bytes = 1572864;  // --max-request-bytes; fragments are cut above it
  // --experimental-watch-progress-notify-interval (etcd clamps it to at least 100 ms).
  std::chrono::milliseconds progress_interval{std::chrono::minutes(10)};
  size_t gateway_send_bytes_max = size_t{1} << 20;  // a gateway client's unsent bytes
  // --election-timeout: streams that require a leader (clientv3's "hasleader" metadata)
  // end with "etcdserver: no leader" after three of these without one, as in etcd.
  std::chrono::milliseconds election_timeout{1000};
};

class WatchService {
 public:
  WatchService(server::EtcdServer* server, WatchServiceOptions options);
  ~WatchService();
  WatchService(const WatchService&) = delete;
  WatchService& operator=(const WatchService&) = delete;

  // The router keeps references to this service: it must outlive the server using it.
  void Register(net::Router& router);
  void Stop();

  size_t session_count() const { return hub_.session_count(); }

 private:
  void ServeGrpc(net::ServerStream stream);
  void ServeGateway(const net::HttpRequest& request, net::HttpResponder responder);
  // A session over `sink`, registered with the hub; null after Stop.
  std::pair<std::shared_ptr<WatchSession>, uint64_t> Open(std::unique_ptr<WatchSink> sink);
  // Every election timeout, on the hub thread.
  void CheckLeader();

  server::EtcdServer* const server_;
  const WatchServiceOptions options_;
  std::mutex leader_mu_;  // guards require_leader_
  std::map<uint64_t, net::ServerStream> require_leader_;  // by session id
  int no_leader_periods_ = 0;  // hub thread only
  WatchHub hub_;  // last: its thread may call CheckLeader as soon as it starts
};

}  // namespace etcdpp::api
