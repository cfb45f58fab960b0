// Backend throughput: batched puts (each a BatchTx with the consistent index, as an applied
// entry writes) including their durable commits, and point reads.
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

#include "backend/backend.h"
#include "backend/meta.h"

namespace etcdpp::backend {
namespace {

struct Db {
  Db() {
    char pattern[] = "/tmp/etcdpp-bench-XXXXXX";
    dir = ::mkdtemp(pattern);
    BackendOptions o;
    o.path = dir + "/db";
    o.map_size_bytes = size_t{4} << 30;
    b = std::move(Backend::Open(o)).value();
  }
  ~Db() {
    b.reset();
    std::filesystem::remove_all(dir);
  }
  std::string dir;
  std::unique_ptr<Backend> b;
};

std::string Key(uint64_t i) { return EncodeUint64(i); }

void BM_BackendPut(benchmark::State& state) {
  Db db;
  const std::string value(state.range(0), 'v');
  uint64_t i = 0;
  for (auto _ : state) {
    BatchTx tx = db.b->BeginWrite();
    tx.Put(Bucket::kKey, Key(++i), value);
    WriteConsistentIndex(tx, {i, 1});
  }
  if (!db.b->ForceCommit().ok()) state.SkipWithError("commit failed");
  state.SetItemsProcessed(state.iterations());
  state.counters["commits"] = static_cast<double>(db.b->commit_count());
}
BENCHMARK(BM_BackendPut)->Arg(256)->Arg(4096)->UseRealTime();

void BM_BackendGet(benchmark::State& state) {
  Db db;
  constexpr uint64_t kKeys = 100000;
  for (uint64_t i = 0; i < kKeys; ++i) db.b->BeginWrite().Put(Bucket::kKey, Key(i), std::string(256, 'v'));
  if (!db.b->ForceCommit().ok()) state.SkipWithError("commit failed");
  uint64_t i = 0;
  for (auto _ : state) {
    auto tx = db.b->BeginRead();
    auto v = tx->Get(Bucket::kKey, Key((i++ * 7919) % kKeys));
    benchmark::DoNotOptimize(v);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_BackendGet)->UseRealTime();

}  // namespace
}  // namespace etcdpp::backend
