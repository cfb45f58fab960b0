// gRPC message framing: encoding and incremental decoding of length-prefixed messages.
#include <benchmark/benchmark.h>

#include "net/grpc_framing.h"

namespace etcdpp::net {
namespace {

void BM_FramingDecode(benchmark::State& state) {
  std::string wire;
  for (int i = 0; i < 64; ++i) AppendGrpcMessage(wire, std::string(static_cast<size_t>(state.range(0)), 'm'));
  std::vector<std::string> out;
  for (auto _ : state) {
    GrpcMessageReader reader(1 << 30);
    out.clear();
    for (size_t off = 0; off < wire.size(); off += 16384) {
      (void)reader.Feed(std::string_view(wire).substr(off, 16384), out);
    }
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(wire.size()));
}
BENCHMARK(BM_FramingDecode)->Arg(100)->Arg(4096);

void BM_PercentEncode(benchmark::State& state) {
  const std::string msg = "etcdserver: requested lease not found % \xc3\xa9";
  for (auto _ : state) benchmark::DoNotOptimize(PercentEncodeGrpcMessage(msg));
}
BENCHMARK(BM_PercentEncode);

}  // namespace
}  // namespace etcdpp::net
