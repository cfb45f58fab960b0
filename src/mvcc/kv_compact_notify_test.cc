#include <gtest/gtest.h>

#include <atomic>

#include "mvcc/kv_store.h"
#include "testing/temp_dir.h"
#include "testing/wait_until.h"

namespace etcdpp::mvcc {
namespace {

TEST(KvStoreOnCompacted, RunsOnceRowsAreRemovedAndAtOnceWhenAlreadyDone) {
  testing::TempDir dir;
  backend::BackendOptions o;
  o.path = dir.Sub("db");
  o.map_size_bytes = size_t{1} << 30;
  auto backend = std::move(backend::Backend::Open(o)).value();
  auto store = std::move(KvStore::Open(backend.get(), nullptr)).value();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(store->Put(PutRequest{"k", std::to_string(i), 0}).ok());
  ASSERT_TRUE(store->Compact(4).ok());
  std::atomic<bool> later{false};
  store->OnCompacted(4, [&] { later = true; });
  ASSERT_TRUE(testing::WaitUntil([&] { return later.load(); }));
  bool at_once = false;
  store->OnCompacted(4, [&] { at_once = true; });
  EXPECT_TRUE(at_once);  // already compacted: ran on this thread before returning
}

}  // namespace
}  // namespace etcdpp::mvcc
