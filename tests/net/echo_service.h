// Test-only gRPC methods under /nettest.Echo/ (raw bytes, no protobuf) and an HTTP
// streaming endpoint, exercising every call shape of net: unary, server streaming with
// back-pressure, client streaming, bidi, large responses, calls that never finish (for
// deadlines and cancellation) and chosen error statuses. Handlers run on I/O threads.
#pragma once

#include <atomic>
#include <memory>

#include "net/router.h"

namespace etcdpp::nettest {

// Counters the tests read back through /nettest.Echo/Stats.
struct EchoStats {
  std::atomic<long> cancelled{0};
  std::atomic<long> finished{0};
  std::atomic<long> active{0};
};

void RegisterEchoService(net::Router& router, std::shared_ptr<EchoStats> stats);

}  // namespace etcdpp::nettest
