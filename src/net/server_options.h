// ServerOptions: the knobs of one net::Server, named after the etcd flags they serve.
// A plain value, copied into the server at construction.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace etcdpp::net {

struct ServerOptions {
  // I/O threads; 0 means one per core.
  int io_threads = 0;
  // gRPC receive limit per message: etcd's --max-request-bytes plus 512 KiB.
  size_t max_recv_message_bytes = 1572864 + 524288;
  // HTTP request bodies (HTTP/1.1 and non-gRPC HTTP/2) above this are refused (413).
  size_t max_http_body_bytes = 1572864 + 524288;
  // SETTINGS_MAX_CONCURRENT_STREAMS (--max-concurrent-streams; etcd's default is 2^32-1).
  uint32_t max_concurrent_streams = UINT32_MAX;
  // Server pings after this long without activity (--grpc-keepalive-interval) and drops a
  // connection whose ping is not answered within the timeout (--grpc-keepalive-timeout).
  std::chrono::milliseconds keepalive_interval{2 * 60 * 60 * 1000};
  std::chrono::milliseconds keepalive_timeout{20 * 1000};
  // Clients pinging more often than this get GOAWAY too_many_pings
  // (--grpc-keepalive-min-time).
  std::chrono::milliseconds keepalive_min_time{5 * 1000};
  // A streaming call's send queue above this is "over the bound" (ServerStream).
  size_t stream_send_bound_bytes = 1 << 20;
  // HTTP/2 receive windows we advertise.
  int32_t stream_window_bytes = 1 << 20;
  int32_t connection_window_bytes = 16 << 20;
};

}  // namespace etcdpp::net
