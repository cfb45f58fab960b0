#include "server/backend_lease_store.h"

#include <gtest/gtest.h>

#include "testing/temp_dir.h"

namespace etcdpp::server {
namespace {

leasepb::Lease MakeLease(int64_t id, int64_t ttl) {
  leasepb::Lease l;
  l.set_id(id);
  l.set_ttl(ttl);
  return l;
}

TEST(BackendLeaseStore, LeasesSurviveReopeningTheBackendInIdOrder) {
  testing::TempDir dir;
  backend::BackendOptions options;
  options.path = dir.Sub("db");
  {
    auto be = backend::Backend::Open(options);
    ASSERT_TRUE(be.ok()) << be.status().ToString();
    BackendLeaseStore store(be->get());
    ASSERT_TRUE(store.Put(MakeLease(300, 60)).ok());
    ASSERT_TRUE(store.Put(MakeLease(7, 10)).ok());
    ASSERT_TRUE(store.Put(MakeLease(42, 5)).ok());
    ASSERT_TRUE(store.Delete(42).ok());
    ASSERT_TRUE((*be)->ForceCommit().ok());
  }
  auto be = backend::Backend::Open(options);
  ASSERT_TRUE(be.ok());
  BackendLeaseStore store(be->get());
  auto all = store.LoadAll();
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].id(), 7);
  EXPECT_EQ((*all)[1].id(), 300);
  EXPECT_EQ((*all)[1].ttl(), 60);
}

}  // namespace
}  // namespace etcdpp::server
