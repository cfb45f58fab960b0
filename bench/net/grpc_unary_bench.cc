// Unary gRPC round trips over loopback: an in-process net::Server with an echo method
// and one GrpcClient connection issuing calls back to back (latency-bound), for a few
// payload sizes. Run: build/bin/net_bench --benchmark_filter=Unary
//
// BM_ExternalHealthCheck measures grpc.health.v1.Health/Check round trips against any
// plaintext server named by NET_BENCH_TARGET=host:port (net_testd, etcdpp or etcd 3.4),
// so the same client measures both implementations side by side.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "net/grpc_client.h"
#include "net/server.h"

namespace etcdpp::net {
namespace {

struct EchoServer {
  std::unique_ptr<Server> server;
  uint16_t port = 0;

  explicit EchoServer(int io_threads) {
    Router router;
    router.AddUnary("/bench.Echo/Unary", [](const CallContext&, std::string req, UnaryResponder r) {
      r.Finish(GrpcStatus::Ok(), std::move(req));
    });
    ServerOptions options;
    options.io_threads = io_threads;
    server = std::make_unique<Server>(std::move(router), options);
    auto bound = server->Listen("http://127.0.0.1:0");
    if (!bound.ok() || !server->Start().ok()) return;
    port = static_cast<uint16_t>(std::stoi(bound->substr(bound->rfind(':') + 1)));
  }
};

void BM_UnaryRoundTrip(benchmark::State& state) {
  EchoServer echo(1);
  auto client = GrpcClient::Connect("127.0.0.1", echo.port);
  if (!client.ok()) {
    state.SkipWithError(client.status().ToString().c_str());
    return;
  }
  const std::string payload(static_cast<size_t>(state.range(0)), 'p');
  for (auto _ : state) {
    auto reply = (*client)->Call("/bench.Echo/Unary", {payload});
    if (!reply.ok() || !reply->status.ok() || reply->messages.size() != 1) {
      state.SkipWithError("call failed");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * state.range(0) * 2);
}
BENCHMARK(BM_UnaryRoundTrip)->Arg(16)->Arg(1024)->Arg(64 * 1024)->UseRealTime();

void BM_ExternalHealthCheck(benchmark::State& state) {
  const char* target = std::getenv("NET_BENCH_TARGET");
  if (target == nullptr) {
    state.SkipWithError("set NET_BENCH_TARGET=host:port");
    return;
  }
  const std::string t(target);
  const size_t colon = t.rfind(':');
  auto client = GrpcClient::Connect(t.substr(0, colon), static_cast<uint16_t>(std::stoi(t.substr(colon + 1))));
  if (!client.ok()) {
    state.SkipWithError(client.status().ToString().c_str());
    return;
  }
  for (auto _ : state) {
    auto reply = (*client)->Call("/grpc.health.v1.Health/Check", {std::string()});
    if (!reply.ok() || !reply->status.ok()) {
      state.SkipWithError("call failed");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ExternalHealthCheck)->UseRealTime();

}  // namespace
}  // namespace etcdpp::net
