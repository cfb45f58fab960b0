#include "gateway/endpoints.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

namespace etcdpp::gateway {
namespace {

// Names resolve to themselves except "self" and "loopback-name"; SRV answers and dial
// results are given per test.
GatewaySystem Fake(std::map<std::string, std::vector<bootstrap::SrvRecord>> srv, std::set<std::string> dial_ok = {}) {
  GatewaySystem s;
  s.srv = [srv](const std::string& service, const std::string& domain) -> Result<std::vector<bootstrap::SrvRecord>> {
    auto it = srv.find("_" + service + "._tcp." + domain);
    if (it == srv.end()) return NotFound("lookup _" + service + "._tcp." + domain + ": no such host");
    return it->second;
  };
  s.hosts = [](const std::string& host) -> Result<std::vector<std::string>> {
    if (host.empty() || host == "nowhere") return NotFound("no such host");
    if (host == "loopback-name") return std::vector<std::string>{"127.0.0.1"};
    return std::vector<std::string>{host};
  };
  s.dial = [dial_ok](const std::string& hp) { return dial_ok.count(hp) ? Status::Ok() : Unavailable("refused"); };
  return s;
}

std::vector<std::string> Addresses(const std::vector<Remote>& remotes) {
  std::vector<std::string> out;
  for (const Remote& r : remotes) out.push_back(r.Address());
  return out;
}

TEST(PlanGateway, EndpointsLoseTheirSchemeAndBadOnesStopWithEtcdsText) {
  GatewayFlags f;
  f.endpoints = {"http://127.0.0.1:2379", "127.0.0.2:2379", "https://10.0.0.1:2379/"};
  auto plan = PlanGateway(f, Fake({}), nullptr);
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  EXPECT_EQ(Addresses(*plan), (std::vector<std::string>{"127.0.0.1:2379", "127.0.0.2:2379", "10.0.0.1:2379"}));

  f.endpoints = {"a:b:c"};
  EXPECT_EQ(PlanGateway(f, Fake({}), nullptr).status().message(), "error parsing endpoint \"a:b:c\"");
  f.endpoints = {"nowhere:2379"};
  EXPECT_EQ(PlanGateway(f, Fake({}), nullptr).status().message(), "failed to resolve endpoint host: nowhere\n");
  f.endpoints = {};
  EXPECT_EQ(PlanGateway(f, Fake({}), nullptr).status().message(), "no endpoints found\n");
}

TEST(PlanGateway, AnEndpointOnTheListenAddressIsRefused) {
  GatewayFlags f;
  f.listen_addr = "127.0.0.1:23790";
  f.endpoints = {"loopback-name:23790"};
  EXPECT_EQ(PlanGateway(f, Fake({}), nullptr).status().message(),
            "SRV or endpoint (loopback-name:23790->127.0.0.1:23790) should not resolve to the gateway listen addr "
            "(127.0.0.1:23790)\n");
  f.endpoints = {"loopback-name:2379"};  // same host, another port: fine
  EXPECT_TRUE(PlanGateway(f, Fake({}), nullptr).ok());
  f.listen_addr = "nope";
  EXPECT_EQ(PlanGateway(f, Fake({}), nullptr).status().message(), "failed to validate listen address: nope\n");
  f.listen_addr = ":23790";
  EXPECT_EQ(PlanGateway(f, Fake({}), nullptr).status().message(), "failed to resolve listen host: \n");
}

TEST(PlanGateway, SrvRecordsAreValidatedUnlessInsecureAndNoneValidFallsBackToEndpoints) {
  std::map<std::string, std::vector<bootstrap::SrvRecord>> srv = {
      {"_etcd-client-ssl._tcp.example.com", {{"10.0.0.1", 2379, 0, 0}, {"10.0.0.2", 2379, 0, 0}}},
      {"_etcd-client._tcp.example.com", {{"10.0.0.3", 2379, 0, 0}}}};
  GatewayFlags f;
  f.discovery_srv = "example.com";
  f.endpoints = {"127.0.0.9:2379"};
  // Only the https endpoint that answers a dial stays.
  auto plan = PlanGateway(f, Fake(srv, {"10.0.0.2:2379"}), nullptr);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(Addresses(*plan), (std::vector<std::string>{"10.0.0.2:2379"}));
  f.insecure_discovery = true;
  plan = PlanGateway(f, Fake(srv), nullptr);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(Addresses(*plan), (std::vector<std::string>{"10.0.0.1:2379", "10.0.0.2:2379", "10.0.0.3:2379"}));
  f.insecure_discovery = false;
  plan = PlanGateway(f, Fake(srv), nullptr);  // nothing answers: --endpoints serve
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(Addresses(*plan), (std::vector<std::string>{"127.0.0.9:2379"}));
  f.discovery_srv = "other.com";
  EXPECT_EQ(PlanGateway(f, Fake(srv), nullptr).status().message(),
            "dns lookup errors: lookup _etcd-client-ssl._tcp.other.com: no such host and "
            "lookup _etcd-client._tcp.other.com: no such host\n");
}

}  // namespace
}  // namespace etcdpp::gateway
