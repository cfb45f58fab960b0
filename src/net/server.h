// Server: serves one Router's gRPC methods and HTTP handlers on any number of listen
// URLs (http://host:port, https://host:port, unix://path, unixs://path). On every socket
// gRPC over HTTP/2 and HTTP/1.1 share the port: plaintext connections are told apart by
// the HTTP/2 client preface, TLS connections by ALPN and then the same preface check.
//
// Threads: N I/O threads, each running its own io_context; a connection lives entirely
// on the thread that accepted it (no strands, no locks on connection state), and
// handlers run there. Listen/Start/Stop are called from one owning thread. The server
// must outlive handler-side use of responders only in the sense that responders become
// no-ops after Stop.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "net/router.h"
#include "net/server_options.h"
#include "net/tls_context.h"

namespace etcdpp::net {

class Server {
 public:
  Server(Router router, ServerOptions options);
  ~Server();  // Stop()s
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds a listen URL before Start. `tls` is required for https/unixs and ignored for
  // http/unix. The same address given as both http and https serves both (TLS is sniffed
  // by its first byte). Returns the bound address ("127.0.0.1:34567" — useful with port 0
  // — or the socket path).
  Result<std::string> Listen(std::string_view url, std::shared_ptr<const TlsContext> tls = nullptr);
  // Starts the I/O threads and accepting.
  Status Start();
  // Closes listeners and connections, cancels calls (handlers get OnDone(true)) and joins
  // the I/O threads. Idempotent.
  void Stop();

  // Open connections right now (any thread; for tests and metrics).
  size_t connection_count() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace etcdpp::net
