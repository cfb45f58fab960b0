// mvcc throughput: puts through KvStore, ranges of 1 and 1 000 keys, and watch fan-out
// (events delivered per second to many watchers of one key).
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "mvcc/kv_store.h"
#include "mvcc/watchable_store.h"

namespace etcdpp::mvcc {
namespace {

struct Store {
  Store() {
    char pattern[] = "/tmp/etcdpp-bench-XXXXXX";
    dir = ::mkdtemp(pattern);
    backend::BackendOptions o;
    o.path = dir + "/db";
    o.map_size_bytes = size_t{4} << 30;
    b = std::move(backend::Backend::Open(o)).value();
    kv = std::move(KvStore::Open(b.get(), nullptr)).value();
  }
  ~Store() {
    kv.reset();
    b.reset();
    std::filesystem::remove_all(dir);
  }
  void Fill(int n) {
    char key[32];
    for (int i = 0; i < n; ++i) {
      std::snprintf(key, sizeof key, "key/%08d", i);
      (void)kv->Put(PutRequest{key, std::string(256, 'v')});
    }
  }
  std::string dir;
  std::unique_ptr<backend::Backend> b;
  std::unique_ptr<KvStore> kv;
};

void BM_KvPut(benchmark::State& state) {
  Store s;
  char key[32];
  int i = 0;
  const std::string value(256, 'v');
  for (auto _ : state) {
    std::snprintf(key, sizeof key, "key/%08d", i++ % 100000);
    benchmark::DoNotOptimize(s.kv->Put(PutRequest{key, value}));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_KvPut)->UseRealTime();

void BM_KvRange(benchmark::State& state) {
  Store s;
  s.Fill(10000);
  (void)s.b->ForceCommit();
  const int width = static_cast<int>(state.range(0));
  RangeRequest req;
  uint64_t i = 0;
  char key[32], end[32];
  for (auto _ : state) {
    const int from = static_cast<int>((i++ * 7919) % static_cast<uint64_t>(10000 - width));
    std::snprintf(key, sizeof key, "key/%08d", from);
    req.key = key;
    req.range_end.clear();
    if (width > 1) {
      std::snprintf(end, sizeof end, "key/%08d", from + width);
      req.range_end = end;
    }
    auto r = s.kv->Range(req);
    if (!r.ok() || static_cast<int>(r->kvs.size()) != width) {
      state.SkipWithError((r.ok() ? "got " + std::to_string(r->kvs.size()) + " keys from " + req.key
                                  : r.status().ToString()).c_str());
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["keys/s"] = benchmark::Counter(static_cast<double>(state.iterations()) * width,
                                                benchmark::Counter::kIsRate);
}
BENCHMARK(BM_KvRange)->Arg(1)->Arg(1000)->UseRealTime();

// One put delivers one event to each of range(0) watchers (spread over 10 streams); the
// consumer drains every stream after each put.
void BM_WatchFanout(benchmark::State& state) {
  Store s;
  WatchableStore w(s.kv.get());
  const int watchers = static_cast<int>(state.range(0));
  std::vector<std::unique_ptr<WatchStream>> streams;
  for (int i = 0; i < 10; ++i) streams.push_back(w.NewStream());
  for (int i = 0; i < watchers; ++i) {
    WatchRequest req;
    req.key = "hot";
    (void)streams[i % 10]->Watch(req);
  }
  int64_t delivered = 0;
  const std::string value(64, 'v');
  for (auto _ : state) {
    (void)s.kv->Put(PutRequest{"hot", value});
    for (auto& st : streams) {
      for (auto& r : st->Poll()) delivered += static_cast<int64_t>(r.events.size());
    }
  }
  state.counters["events/s"] = benchmark::Counter(static_cast<double>(delivered), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_WatchFanout)->Arg(100)->Arg(1000)->UseRealTime();

}  // namespace
}  // namespace etcdpp::mvcc
