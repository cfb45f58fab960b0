// WAL append throughput: Save() batches (one fdatasync each) of 1 and 100 entries of
// 100 bytes, on the real filesystem under $TMPDIR (or /tmp); and replay speed.
// Run: build/bin/wal_bench [--benchmark_filter=...]
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "base/file_system.h"
#include "wal/wal.h"

namespace etcdpp::wal {
namespace {

std::string MakeTempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base && *base ? base : "/tmp") + "/etcdpp-bench-XXXXXX";
  char* made = ::mkdtemp(pattern.data());
  return made ? std::string(made) : std::string();
}

std::vector<raftpb::Entry> Batch(uint64_t first, int n) {
  std::vector<raftpb::Entry> out(n);
  for (int i = 0; i < n; ++i) {
    out[i].set_type(raftpb::EntryNormal);
    out[i].set_term(1);
    out[i].set_index(first + i);
    out[i].set_data(std::string(100, 'v'));
  }
  return out;
}

void BM_SaveBatch(benchmark::State& state) {
  const int per_batch = static_cast<int>(state.range(0));
  const bool sync = state.range(1) != 0;
  const std::string root = MakeTempDir();
  base::PosixFileSystem fs;
  WalOptions opts;
  opts.no_fsync = !sync;
  auto w = Wal::Create(&fs, root + "/wal", "metadata", opts);
  if (!w.ok()) {
    state.SkipWithError(w.status().ToString().c_str());
    return;
  }
  uint64_t next = 1;
  raftpb::HardState hs;
  hs.set_term(1);
  hs.set_vote(1);
  for (auto _ : state) {
    state.PauseTiming();
    auto batch = Batch(next, per_batch);
    hs.set_commit(next - 1);
    state.ResumeTiming();
    Status s = (*w)->Save(hs, batch);
    if (!s.ok()) {
      state.SkipWithError(s.ToString().c_str());
      break;
    }
    next += per_batch;
  }
  state.SetItemsProcessed(state.iterations());  // items/s = batches/s
  state.counters["entries/s"] = benchmark::Counter(static_cast<double>(next - 1), benchmark::Counter::kIsRate);
  (*w)->Close().IgnoreError();
  std::filesystem::remove_all(root);
}
BENCHMARK(BM_SaveBatch)->ArgNames({"entries", "fsync"})
    ->Args({1, 1})->Args({100, 1})->Args({1, 0})->Args({100, 0})
    ->UseRealTime()->MinTime(2.0);

void BM_ReplayAll(benchmark::State& state) {
  const std::string root = MakeTempDir();
  base::PosixFileSystem fs;
  WalOptions opts;
  opts.no_fsync = true;
  {
    auto w = Wal::Create(&fs, root + "/wal", "metadata", opts);
    raftpb::HardState hs;
    hs.set_term(1);
    for (uint64_t i = 1; i <= 100000; i += 100) {
      hs.set_commit(i);
      (*w)->Save(hs, Batch(i, 100)).IgnoreError();
    }
    (*w)->Close().IgnoreError();
  }
  size_t entries = 0;
  for (auto _ : state) {
    auto w = Wal::OpenForRead(&fs, root + "/wal", walpb::Snapshot());
    auto c = (*w)->ReadAll();
    entries += c.ok() ? c->entries.size() : 0;
  }
  state.counters["entries/s"] = benchmark::Counter(static_cast<double>(entries), benchmark::Counter::kIsRate);
  std::filesystem::remove_all(root);
}
BENCHMARK(BM_ReplayAll)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace etcdpp::wal
