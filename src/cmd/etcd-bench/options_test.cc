#include "cmd/etcd-bench/options.h"

#include <gtest/gtest.h>

#include "cmd/etcd-bench/client_pool.h"
#include "cmd/etcd-bench/workloads.h"

namespace etcdpp::bench {
namespace {

TEST(OptionsTest, ParsesGlobalAndWorkloadFlagsInBothForms) {
  auto o = ParseOptions({"--endpoints=a:1,b:2", "--clients", "50", "range", "k", "--prefix",
                         "--consistency=s", "--total", "7"});
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->endpoints, (std::vector<std::string>{"a:1", "b:2"}));
  EXPECT_EQ(o->clients, 50);
  EXPECT_EQ(o->workload, "range");
  EXPECT_EQ(o->args, std::vector<std::string>{"k"});
  EXPECT_TRUE(o->prefix);
  EXPECT_EQ(o->consistency, "s");
  EXPECT_EQ(o->total, 7u);
}

TEST(OptionsTest, RejectsUnknownFlagsBadNumbersAndMissingWorkload) {
  EXPECT_FALSE(ParseOptions({"put", "--nope=1"}).ok());
  EXPECT_FALSE(ParseOptions({"put", "--clients=x"}).ok());
  EXPECT_FALSE(ParseOptions({"put", "--clients"}).ok());
  EXPECT_FALSE(ParseOptions({"--clients=2"}).ok());
  EXPECT_FALSE(ParseOptions({"range", "k", "--consistency=q"}).ok());
  EXPECT_FALSE(ParseOptions({"txn-put", "--txn-ops=3", "--key-space-size=2"}).ok());
}

TEST(OptionsTest, KeysAndEndpoints) {
  EXPECT_EQ(BenchKey(42, 8), "00000042");
  EXPECT_EQ(BenchKey(123456789, 4), "123456789");
  EXPECT_EQ(PrefixEnd("ab"), "ac");
  EXPECT_EQ(PrefixEnd(std::string("a\xff", 2)), "b");
  bool tls = false;
  EXPECT_EQ(EndpointTarget("https://127.0.0.1:2379/", &tls), "127.0.0.1:2379");
  EXPECT_TRUE(tls);
  EXPECT_EQ(EndpointTarget("127.0.0.1:2379", &tls), "127.0.0.1:2379");
  EXPECT_FALSE(tls);
}

}  // namespace
}  // namespace etcdpp::bench
