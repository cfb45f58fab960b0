// Session: one accepted connection after protocol detection (an HTTP/1.1 or an HTTP/2
// session). Sessions live on their I/O thread; the per-thread SessionRegistry lets the
// server close them all at Stop. Internal to net.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <unordered_set>

#include "net/loop.h"
#include "net/router.h"
#include "net/server_options.h"

namespace etcdpp::net {

class Session {
 public:
  virtual ~Session() = default;
  // I/O thread: closes the connection now; pending calls are cancelled.
  virtual void Shutdown() = 0;
};

// One per I/O thread; touched on that thread only (the counter is read anywhere).
class SessionRegistry {
 public:
  explicit SessionRegistry(std::atomic<size_t>* open_count) : open_count_(open_count) {}
  void Add(Session* s) {
    sessions_.insert(s);
    open_count_->fetch_add(1, std::memory_order_relaxed);
  }
  void Remove(Session* s) {
    if (sessions_.erase(s) > 0) open_count_->fetch_sub(1, std::memory_order_relaxed);
  }
  void ShutdownAll() {
    auto copy = sessions_;
    for (Session* s : copy) s->Shutdown();
  }

 private:
  std::unordered_set<Session*> sessions_;
  std::atomic<size_t>* open_count_;
};

// What a session needs from its server and listener.
struct SessionEnv {
  const Router* router = nullptr;
  const ServerOptions* options = nullptr;
  std::shared_ptr<Loop> loop;
  SessionRegistry* registry = nullptr;
  std::string peer;
  bool tls = false;
  std::string peer_cert_cn;  // the verified client certificate's Common Name, if any
};

}  // namespace etcdpp::net
