// Online defrag: writes go on while the file is copied and caught up, every write is kept,
// the file shrinks, and a crash at any defrag step leaves a complete file.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "backend/backend.h"
#include "backend/meta.h"
#include "backend/test_backend.h"
#include "testing/temp_dir.h"
#include "testing/wait_until.h"

namespace etcdpp::backend {
namespace {

using etcdpp::testing::TempDir;
using etcdpp::testing::WaitUntil;
using Contents = std::map<std::string, std::string>;

const char* const kSteps[] = {"defragBeforeCopy", "defragAfterCopy", "defragMidCatchUp",
                              "defragBeforeRename", "defragAfterRename"};

BackendOptions Options(const TempDir& dir) {
  BackendOptions o;
  o.path = dir.Sub("db");
  o.batch_interval_ms = 2;
  o.batch_ops_max = 64;
  o.map_size_bytes = size_t{1} << 30;
  return o;
}

using testing_backend::OpenOrDie;

Contents KeyBucket(Backend& b) {
  Contents out;
  auto tx = b.BeginRead();
  EXPECT_TRUE(tx.ok());
  EXPECT_TRUE(tx->Range(Bucket::kKey, "", "", 0, [&](std::string_view k, std::string_view v) {
                  out.emplace(k, v);
                  return true;
                }).ok());
  return out;
}

// Fills the file then deletes most of it: a defrag has free pages to drop.
void FillAndThin(Backend& b, Contents& model) {
  const std::string big(1000, 'b');
  for (int i = 0; i < 3000; ++i) b.BeginWrite().Put(Bucket::kKey, "fill" + std::to_string(i), big);
  ASSERT_TRUE(b.ForceCommit().ok());
  for (int i = 0; i < 3000; ++i) {
    const std::string key = "fill" + std::to_string(i);
    if (i % 50 == 0) {
      model[key] = big;
    } else {
      b.BeginWrite().Delete(Bucket::kKey, key);
    }
  }
  ASSERT_TRUE(b.ForceCommit().ok());
}

// Writers put, overwrite and delete their own keys until told to stop, counting the forced
// commits they completed; each keeps the final state it wrote.
struct Writers {
  static constexpr int kCount = 2;
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> commits{0};
  std::array<std::map<std::string, std::optional<std::string>>, kCount> models;
  std::vector<std::thread> threads;

  void Start(Backend& b) {
    for (int t = 0; t < kCount; ++t) {
      threads.emplace_back([this, &b, t] {
        for (uint64_t i = 0; !stop.load() && i < 200000; ++i) {
          const std::string key = "w" + std::to_string(t) + "-" + std::to_string(i % 300);
          if (i % 7 == 3) {
            b.BeginWrite().Delete(Bucket::kKey, key);
            models[t][key] = std::nullopt;
          } else {
            std::string value = std::to_string(i) + std::string(100, 'v');
            BatchTx tx = b.BeginWrite();
            tx.Put(Bucket::kKey, key, value);
            WriteConsistentIndex(tx, {i, 1});  // meta changes too, like the applier's
            tx.End();
            models[t][key] = std::move(value);
          }
          if (i % 10 == 9) {
            ASSERT_TRUE(b.ForceCommit().ok());
            commits.fetch_add(1);
          }
        }
      });
    }
  }
  void StopAndJoin(Contents& model) {
    stop = true;
    for (auto& th : threads) th.join();
    for (const auto& m : models) {
      for (const auto& [k, v] : m) {
        if (v) model[k] = *v;
      }
    }
  }
};

// The hook blocks the defrag at `step` until the writers complete `commits` more forced
// commits: it proves writes go on there (a stop-the-world defrag would deadlock, and the
// bounded wait would fail).
struct BlockUntilWritten {
  explicit BlockUntilWritten(Writers* w) : writers(w) {}
  Writers* writers;
  std::mutex mu;
  std::vector<std::string> steps;
  std::map<std::string, bool> progressed;

  void operator()(std::string_view step) {
    const uint64_t start = writers->commits.load();
    bool ok = step == "defragBeforeRename" || step == "defragAfterRename" ||
              WaitUntil([&] { return writers->commits.load() >= start + 20; },
                        std::chrono::seconds(20));
    std::lock_guard lock(mu);
    steps.emplace_back(step);
    progressed[std::string(step)] = ok;
  }
};

TEST(BackendDefrag, WritersKeepCommittingDuringCopyAndCatchUpAndNothingIsLost) {
  TempDir dir;
  Writers writers;
  BlockUntilWritten hook(&writers);
  BackendOptions o = Options(dir);
  o.defrag_step_hook = [&hook](std::string_view step) { hook(step); };
  auto b = OpenOrDie(o);
  Contents model;
  FillAndThin(*b, model);
  const uint64_t size_before = b->SizeBytes().value();

  writers.Start(*b);
  std::atomic<bool> readers_stop{false};
  std::atomic<uint64_t> reads{0};
  std::thread reader([&] {
    // A reader during the defrag sees the kept fill keys at every moment, swap included.
    for (uint64_t i = 0; !readers_stop.load() && i < 10000000; ++i) {
      auto tx = b->BeginRead();
      ASSERT_TRUE(tx.ok());
      ASSERT_EQ(tx->Get(Bucket::kKey, "fill50").value(), std::string(1000, 'b'));
      reads.fetch_add(1);
    }
  });
  DefragReport report;
  ASSERT_TRUE(b->Defrag(&report).ok());
  readers_stop = true;
  reader.join();
  writers.StopAndJoin(model);
  ASSERT_TRUE(b->ForceCommit().ok());

  EXPECT_TRUE(hook.progressed["defragBeforeCopy"]);
  EXPECT_TRUE(hook.progressed["defragAfterCopy"]);
  EXPECT_TRUE(hook.progressed["defragMidCatchUp"]);
  EXPECT_EQ(hook.steps, std::vector<std::string>(std::begin(kSteps), std::end(kSteps)));
  EXPECT_GT(reads.load(), 0u);
  EXPECT_EQ(KeyBucket(*b), model);
  EXPECT_LT(b->SizeBytes().value(), size_before / 2);
  EXPECT_TRUE(report.online);
  EXPECT_GE(report.catch_up_rounds, 1);
  // The replaced file is gone, second name included.
  EXPECT_FALSE(std::filesystem::exists(dir.Sub("db.defrag.old")));

  // The same contents written into a fresh file hash the same: nothing else differs.
  const uint32_t hash = b->Hash().value();
  BackendOptions fresh_opts = Options(dir);
  fresh_opts.path = dir.Sub("fresh");
  auto fresh = OpenOrDie(fresh_opts);
  for (const auto& [k, v] : model) fresh->BeginWrite().Put(Bucket::kKey, k, v);
  {
    BatchTx tx = fresh->BeginWrite();
    auto term = b->BeginRead().value().Get(Bucket::kMeta, kTermKey).value();
    if (term) tx.Put(Bucket::kMeta, kTermKey, *term);
  }
  EXPECT_EQ(fresh->Hash().value(), hash);

  // The swapped-in file is durable and reopens with the same contents.
  b.reset();
  auto reopened = OpenOrDie(Options(dir));
  EXPECT_EQ(KeyBucket(*reopened), model);
  EXPECT_EQ(reopened->Hash().value(), hash);
}

TEST(BackendDefrag, TooManyBytesWrittenDuringTheCopyFallsBackToPausingWrites) {
  TempDir dir;
  BackendOptions o = Options(dir);
  o.defrag_catch_up_bytes_max = 1;  // any batch committed during the copy overflows
  std::vector<std::string> steps;
  Backend* backend = nullptr;
  o.defrag_step_hook = [&](std::string_view step) {
    steps.emplace_back(step);
    if (step == "defragAfterCopy") {
      backend->BeginWrite().Put(Bucket::kKey, "during", "1");
      ASSERT_TRUE(backend->ForceCommit().ok());
    }
  };
  auto b = OpenOrDie(o);
  backend = b.get();
  Contents model;
  FillAndThin(*b, model);
  const uint64_t size_before = b->SizeBytes().value();
  DefragReport report;
  ASSERT_TRUE(b->Defrag(&report).ok());
  EXPECT_FALSE(report.online);
  model["during"] = "1";
  EXPECT_EQ(KeyBucket(*b), model);
  EXPECT_LT(b->SizeBytes().value(), size_before / 2);
  EXPECT_EQ(steps, (std::vector<std::string>{"defragBeforeCopy", "defragAfterCopy", "defragBeforeCopy",
                                             "defragBeforeRename", "defragAfterRename"}));
}

TEST(BackendDefrag, ViewOpenAcrossTheSwapKeepsReadingTheOldFileAndDefragRepeats) {
  TempDir dir;
  BackendOptions o = Options(dir);
  Backend* backend = nullptr;
  std::optional<ReadTx> old_view;
  o.defrag_step_hook = [&](std::string_view step) {
    if (step == "defragBeforeRename" && !old_view) old_view.emplace(backend->BeginRead().value());
  };
  auto b = OpenOrDie(o);
  backend = b.get();
  Contents model;
  FillAndThin(*b, model);
  ASSERT_TRUE(b->Defrag().ok());
  // Its view outlived the wait: the old file has no name left and goes with the view.
  EXPECT_FALSE(std::filesystem::exists(dir.Sub("db.defrag.old")));
  b->BeginWrite().Put(Bucket::kKey, "after", "1");
  ASSERT_TRUE(b->ForceCommit().ok());
  ASSERT_TRUE(old_view.has_value());
  EXPECT_EQ(old_view->Get(Bucket::kKey, "fill50").value(), std::string(1000, 'b'));
  EXPECT_EQ(old_view->Get(Bucket::kKey, "after").value(), std::nullopt);
  old_view.reset();  // the last user of the old file: closes it
  model["after"] = "1";
  EXPECT_EQ(KeyBucket(*b), model);
  // The copy's reader table was unlinked: a second copy gets its own.
  EXPECT_FALSE(std::filesystem::exists(dir.Sub("db.defrag.tmp-lock")));
  ASSERT_TRUE(b->Defrag().ok());
  b->BeginWrite().Put(Bucket::kKey, "after2", "2");
  b.reset();
  model["after2"] = "2";
  EXPECT_EQ(KeyBucket(*OpenOrDie(Options(dir))), model);
}

TEST(BackendDefrag, AFileReplacedDuringTheCopyAbandonsTheDefragAndKeepsTheReplacement) {
  TempDir dir;
  {
    BackendOptions other_opts = Options(dir);
    other_opts.path = dir.Sub("other");
    auto other = OpenOrDie(other_opts);
    other->BeginWrite().Put(Bucket::kKey, "theirs", "2");
    ASSERT_TRUE(other->SnapshotToFile(dir.Sub("received.db")).ok());
  }
  BackendOptions o = Options(dir);
  Backend* backend = nullptr;
  o.defrag_step_hook = [&](std::string_view step) {
    // A snapshot from the leader installed while the copy is caught up.
    if (step == "defragAfterCopy") ASSERT_TRUE(backend->ReplaceWith(dir.Sub("received.db")).ok());
  };
  auto b = OpenOrDie(o);
  backend = b.get();
  b->BeginWrite().Put(Bucket::kKey, "mine", "1");
  ASSERT_TRUE(b->ForceCommit().ok());
  EXPECT_EQ(b->Defrag().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(KeyBucket(*b), (Contents{{"theirs", "2"}}));
  EXPECT_FALSE(std::filesystem::exists(dir.Sub("db.defrag.tmp")));
  b->BeginWrite().Put(Bucket::kKey, "after", "3");
  b.reset();
  EXPECT_EQ(KeyBucket(*OpenOrDie(Options(dir))), (Contents{{"after", "3"}, {"theirs", "2"}}));
}

TEST(BackendDefrag, OpenRemovesACopyLeftByACrash) {
  TempDir dir;
  {
    auto b = OpenOrDie(Options(dir));
    b->BeginWrite().Put(Bucket::kKey, "k", "v");
  }
  std::ofstream(dir.Sub("db.defrag.tmp")) << "half a copy";
  std::filesystem::create_hard_link(dir.Sub("db"), dir.Sub("db.defrag.old"));  // crash before the rename
  auto b = OpenOrDie(Options(dir));
  EXPECT_FALSE(std::filesystem::exists(dir.Sub("db.defrag.tmp")));
  EXPECT_FALSE(std::filesystem::exists(dir.Sub("db.defrag.old")));
  EXPECT_EQ(KeyBucket(*b), (Contents{{"k", "v"}}));
}

// Forked child: numbered puts forever, recording each forced commit, and a defrag that the
// hook kills (SIGKILL) at `step` once enough has been written.
[[noreturn]] void WriteAndDefragUntilKilled(const std::string& dir, std::string_view kill_at) {
  BackendOptions o;
  o.path = dir + "/db";
  o.batch_interval_ms = 2;
  o.batch_ops_max = 50;
  o.map_size_bytes = size_t{1} << 30;
  std::atomic<uint64_t> durable{0};
  o.defrag_step_hook = [&](std::string_view step) {
    // After the copy, let writes land that only the catch-up brings to the copy; the
    // steps before the rename hold the write lock, so there writes cannot go on.
    const bool writes_go_on = step != "defragBeforeRename" && step != "defragAfterRename";
    if (step == "defragAfterCopy" || (step == kill_at && writes_go_on)) {
      const uint64_t start = durable.load();
      if (!WaitUntil([&] { return durable.load() >= start + 200; }, std::chrono::seconds(20))) _exit(4);
    }
    if (step == kill_at) ::kill(::getpid(), SIGKILL);
  };
  auto b = Backend::Open(o);
  if (!b.ok()) _exit(2);
  std::thread writer([&] {
    for (uint64_t i = 1; i < 10000000; ++i) {
      {
        BatchTx tx = (*b)->BeginWrite();
        tx.Put(Bucket::kKey, EncodeUint64(i), std::string(200, 'x'));
        if (i > 1 && i % 3 == 0) tx.Delete(Bucket::kKey, EncodeUint64(i - 1));
        WriteConsistentIndex(tx, {i, 1});
      }
      if (i % 20 == 0) {
        if (!(*b)->ForceCommit().ok()) _exit(3);
        std::ofstream(dir + "/durable.tmp") << i;
        std::rename((dir + "/durable.tmp").c_str(), (dir + "/durable").c_str());
        durable = i;
      }
    }
  });
  while (durable.load() < 1000) std::this_thread::yield();
  for (int i = 0; i < 100; ++i) (void)(*b)->Defrag();
  _exit(5);  // never reached: the hook kills the first defrag
}

TEST(BackendDefragCrash, KilledAtEachStepReopensWithEveryDurableWrite) {
  for (const char* step : kSteps) {
    SCOPED_TRACE(step);
    TempDir dir;
    const std::string path = dir.path().string();
    pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) WriteAndDefragUntilKilled(path, step);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "status " << status;
    uint64_t durable = 0;
    std::ifstream(path + "/durable") >> durable;

    BackendOptions o;
    o.path = path + "/db";
    o.map_size_bytes = size_t{1} << 30;
    auto b = OpenOrDie(o);
    EXPECT_FALSE(std::filesystem::exists(path + "/db.defrag.tmp"));
    auto tx = b->BeginRead();
    const uint64_t ci = ReadConsistentIndex(*tx).value().index;
    EXPECT_GE(ci, durable) << "a forced commit was lost";
    // Exactly the puts up to ci, minus the ones a later put deleted: no torn state.
    uint64_t next = 1;
    bool exact = true;
    ASSERT_TRUE(tx->Range(Bucket::kKey, "", "", 0, [&](std::string_view k, std::string_view) {
                    if (next % 3 == 2 && next + 1 <= ci) ++next;  // deleted by put next + 1
                    exact = exact && DecodeUint64(k).value() == next;
                    ++next;
                    return exact;
                  }).ok());
    EXPECT_TRUE(exact) << "unexpected key near " << next;
    EXPECT_EQ(next, ci + 1);
  }
}

}  // namespace
}  // namespace etcdpp::backend
