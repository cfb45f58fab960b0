// The v2 keys API on the client port (/v2/keys and /v2/keys/...), as etcd 3.4 serves it
// with --enable-v2: writes and quorum GETs go through raft, plain GETs and HEADs read
// this member's store, and wait=true answers with a chunked response that carries the
// watched event(s) as they happen (long polling).
//
// Threads: handlers run on I/O threads and never block; watch events are written from
// the thread that applies them. A sweeper thread ends watches whose client left or
// whose five minutes (etcd's watch timeout) are up. Owned by embed::Member; Stop()
// before the server stops.
#pragma once

#include <chrono>
#include <condition_variable>
#include <list>
#include <memory>
#include <mutex>
#include <thread>

#include "net/router.h"
#include "server/etcd_server.h"

namespace etcdpp::api {

class V2KeysApi {
 public:
  explicit V2KeysApi(server::EtcdServer* server,
                     std::chrono::milliseconds watch_timeout = std::chrono::minutes(5));
  ~V2KeysApi();  // Stop()s
  V2KeysApi(const V2KeysApi&) = delete;
  V2KeysApi& operator=(const V2KeysApi&) = delete;

  void Register(net::Router& router);
  // Ends every open watch response and the sweeper.
  void Stop();

  struct WatchSession;

 private:
  void Serve(const net::HttpRequest& req, net::HttpResponder responder);
  void StartWatchResponse(const etcdserverpb::Request& r, net::HttpResponder responder);
  void Sweep();

  server::EtcdServer* server_;
  const std::chrono::milliseconds watch_timeout_;
  std::mutex mu_;  // guards sessions_ and stop_
  std::condition_variable cv_;
  std::list<std::shared_ptr<WatchSession>> sessions_;
  bool stop_ = false;
  std::thread sweeper_;
};

// Go's url.PathUnescape of a request path: %XX bytes decoded, '+' kept; false on a
// malformed escape.
bool UnescapePath(std::string_view in, std::string& out);

}  // namespace etcdpp::api
