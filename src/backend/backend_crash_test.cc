// Crash safety: a child process applies entries (data + consistent index in one BatchTx)
// and is killed with SIGKILL at an arbitrary moment. After reopening, the backend holds
// exactly the entries up to its consistent index: nothing torn, nothing from later entries,
// and nothing a completed ForceCommit covered is lost.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "backend/backend.h"
#include "backend/meta.h"
#include "testing/temp_dir.h"
#include "testing/wait_until.h"

namespace etcdpp::backend {
namespace {

// Runs in the forked child: applies entries forever, recording each forced commit.
[[noreturn]] void ApplyForever(const std::string& dir) {
  BackendOptions o;
  o.path = dir + "/db";
  o.batch_interval_ms = 2;
  o.batch_ops_max = 50;
  o.map_size_bytes = size_t{1} << 30;
  auto b = Backend::Open(o);
  if (!b.ok()) _exit(2);
  for (uint64_t i = 1; i < 1000000; ++i) {
    {
      BatchTx tx = (*b)->BeginWrite();
      tx.Put(Bucket::kKey, EncodeUint64(i), std::string(100, 'x'));
      tx.Put(Bucket::kLease, EncodeUint64(i % 7), EncodeUint64(i));
      WriteConsistentIndex(tx, {i, 1});
    }
    if (i % 97 == 0) {
      if (!(*b)->ForceCommit().ok()) _exit(3);
      std::ofstream(dir + "/durable.tmp") << i;
      std::rename((dir + "/durable.tmp").c_str(), (dir + "/durable").c_str());
    }
  }
  _exit(0);
}

uint64_t ReadDurable(const std::string& dir) {
  uint64_t v = 0;
  std::ifstream(dir + "/durable") >> v;
  return v;
}

TEST(BackendCrash, KilledWriterLeavesExactlyTheEntriesUpToConsistentIndex) {
  for (int round = 0; round < 3; ++round) {
    etcdpp::testing::TempDir dir;
    const std::string path = dir.path().string();
    pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) ApplyForever(path);
    // Let it get somewhere (a few forced commits), then kill it mid-flight.
    const uint64_t target = 300 + 200 * round;
    EXPECT_TRUE(etcdpp::testing::WaitUntil([&] { return ReadDurable(path) >= target; },
                                           std::chrono::seconds(60)));
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    const uint64_t durable = ReadDurable(path);

    BackendOptions o;
    o.path = path + "/db";
    o.map_size_bytes = size_t{1} << 30;
    auto b = std::move(Backend::Open(o)).value();
    auto tx = b->BeginRead();
    const uint64_t ci = ReadConsistentIndex(*tx).value().index;
    EXPECT_GE(ci, durable) << "a forced commit was lost";
    uint64_t keys = 0, last = 0;
    ASSERT_TRUE(tx->Range(Bucket::kKey, "", "", 0, [&](std::string_view k, std::string_view) {
                    last = DecodeUint64(k).value();
                    ++keys;
                    return true;
                  }).ok());
    EXPECT_EQ(keys, ci);
    EXPECT_EQ(last, ci);
    for (uint64_t slot = 0; slot < 7 && ci >= 7; ++slot) {
      // The newest entry i <= ci with i % 7 == slot wrote this slot.
      const uint64_t want = ci - ((ci - slot) % 7);
      EXPECT_EQ(tx->Get(Bucket::kLease, EncodeUint64(slot)).value(), EncodeUint64(want));
    }
  }
}

}  // namespace
}  // namespace etcdpp::backend
