#include "api/access_control.h"

#include <gtest/gtest.h>

namespace etcdpp::api {
namespace {

TEST(AccessControl, HostnameDropsThePortAsGoDoes) {
  EXPECT_EQ(HostnameOf("example.com:2379"), "example.com");
  EXPECT_EQ(HostnameOf("example.com"), "example.com");
  EXPECT_EQ(HostnameOf("[::1]:2379"), "::1");
  EXPECT_EQ(HostnameOf("::1"), "::1");  // no port: kept whole
  EXPECT_EQ(HostnameOf(""), "");
}

}  // namespace
}  // namespace etcdpp::api
