#include "bootstrap/srv.h"

#include <gtest/gtest.h>

#include <map>

namespace etcdpp::bootstrap {
namespace {

// The guide's records: three members in example.com, A records 10.0.1.10-12.
struct FakeDns {
  std::map<std::string, std::vector<SrvRecord>> srv;  // "_service._tcp.domain"
  std::map<std::string, std::string> a;               // host -> ip
  SrvLookup Lookup() {
    return [this](const std::string& service, const std::string& domain) -> Result<std::vector<SrvRecord>> {
      auto it = srv.find("_" + service + "._tcp." + domain);
      if (it == srv.end()) return NotFound("lookup _" + service + "._tcp." + domain + ": no such host");
      return it->second;
    };
  }
  TcpResolver Resolve() {
    return [this](const std::string& host_port) -> Result<std::string> {
      const std::string host = host_port.substr(0, host_port.rfind(':'));
      const std::string port = host_port.substr(host_port.rfind(':'));
      if (host.find_first_not_of("0123456789.") == std::string::npos) return host_port;
      auto it = a.find(host);
      if (it == a.end()) return NotFound("lookup " + host + ": no such host");
      return it->second + port;
    };
  }
  void Guide(const std::string& service) {
    for (int i = 0; i < 3; ++i) {
      srv["_" + service + "._tcp.example.com"].push_back(
          SrvRecord{"infra" + std::to_string(i) + ".example.com.", 2380, 0, 0});
      a["infra" + std::to_string(i) + ".example.com"] = "10.0.1.1" + std::to_string(i);
    }
  }
};

TEST(Srv, ServiceNamesTakeTheSslAndNameSuffixes) {
  EXPECT_EQ(SrvServiceName("etcd-server", "", "http"), "etcd-server");
  EXPECT_EQ(SrvServiceName("etcd-server", "", "https"), "etcd-server-ssl");
  EXPECT_EQ(SrvServiceName("etcd-server", "foo", "https"), "etcd-server-ssl-foo");
  EXPECT_EQ(SrvServiceName("etcd-client", "foo", "http"), "etcd-client-foo");
}

TEST(Srv, PlainRecordsBootstrapAndTheMemberFindsItselfByAddress) {
  FakeDns dns;
  dns.Guide("etcd-server");
  // Advertising an IP: matched to infra1's target through its A record.
  auto c = SrvInitialCluster("example.com", "", "infra1", {"http://10.0.1.11:2380"}, dns.Lookup(), dns.Resolve(),
                             nullptr);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_FALSE(c->tls);
  EXPECT_EQ(c->initial_cluster,
            "infra0.example.com=http://infra0.example.com:2380,infra1=http://infra1.example.com:2380,"
            "infra2.example.com=http://infra2.example.com:2380");
  auto ic = BuildSrvInitialCluster(c->initial_cluster, "infra1", "etcd-cluster-1");
  ASSERT_TRUE(ic.ok()) << ic.status().ToString();
  EXPECT_EQ(ic->members.size(), 3u);
  // Every member computes the same IDs, whichever name it gives the others.
  auto other = SrvInitialCluster("example.com", "", "infra0", {"http://infra0.example.com:2380"}, dns.Lookup(),
                                 dns.Resolve(), nullptr);
  ASSERT_TRUE(other.ok());
  auto ic0 = BuildSrvInitialCluster(other->initial_cluster, "infra0", "etcd-cluster-1");
  ASSERT_TRUE(ic0.ok());
  EXPECT_EQ(ic0->cluster_id, ic->cluster_id);
  EXPECT_NE(ic0->local_id, ic->local_id);
}

TEST(Srv, SslRecordsMeanTls) {
  FakeDns dns;
  dns.Guide("etcd-server-ssl");
  auto c = SrvInitialCluster("example.com", "", "infra2", {"https://10.0.1.12:2380"}, dns.Lookup(), dns.Resolve(),
                             nullptr);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_TRUE(c->tls);
  EXPECT_NE(c->initial_cluster.find("infra2=https://infra2.example.com:2380"), std::string::npos);
  // An http advertised URL matching an -ssl target is a scheme mismatch: not this member.
  auto mismatch = SrvInitialCluster("example.com", "", "infra2", {"http://10.0.1.12:2380"}, dns.Lookup(),
                                    dns.Resolve(), nullptr);
  ASSERT_FALSE(mismatch.ok());
  EXPECT_EQ(mismatch.status().message(), "cannot find local etcd member \"infra2\" in SRV records");
}

TEST(Srv, TheNameSuffixSelectsAnotherCluster) {
  FakeDns dns;
  dns.Guide("etcd-server-foo");
  auto plain = SrvInitialCluster("example.com", "", "infra0", {"http://10.0.1.10:2380"}, dns.Lookup(), dns.Resolve(),
                                 nullptr);
  ASSERT_FALSE(plain.ok());
  EXPECT_NE(plain.status().message().find("error querying DNS SRV records for _etcd-server-ssl "), std::string::npos);
  EXPECT_NE(plain.status().message().find("error querying DNS SRV records for _etcd-server lookup "
                                          "_etcd-server._tcp.example.com: no such host"),
            std::string::npos)
      << plain.status().message();
  auto foo = SrvInitialCluster("example.com", "foo", "infra0", {"http://10.0.1.10:2380"}, dns.Lookup(),
                               dns.Resolve(), nullptr);
  ASSERT_TRUE(foo.ok()) << foo.status().ToString();
}

TEST(Srv, MergedSetsAndSharedHostsKeepTheirMembersApart) {
  FakeDns dns;
  dns.Guide("etcd-server-ssl");
  // Two more members on one host, with plain records.
  dns.srv["_etcd-server._tcp.example.com"] = {SrvRecord{"infra3.example.com.", 2380, 0, 0},
                                               SrvRecord{"infra3.example.com.", 2480, 0, 0}};
  dns.a["infra3.example.com"] = "10.0.1.13";
  auto c = SrvInitialCluster("example.com", "", "infra0", {"https://10.0.1.10:2380"}, dns.Lookup(), dns.Resolve(),
                             nullptr);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  auto ic = BuildSrvInitialCluster(c->initial_cluster, "infra0", "t");
  ASSERT_TRUE(ic.ok()) << ic.status().ToString();
  EXPECT_EQ(ic->members.size(), 5u) << c->initial_cluster;
  EXPECT_NE(c->initial_cluster.find("infra3.example.com:2480=http://infra3.example.com:2480"), std::string::npos);
}

TEST(Srv, AMemberOutsideTheRecordsIsRefused) {
  FakeDns dns;
  dns.Guide("etcd-server");
  auto c = SrvInitialCluster("example.com", "", "infra9", {"http://10.0.1.99:2380"}, dns.Lookup(), dns.Resolve(),
                             nullptr);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(), "cannot find local etcd member \"infra9\" in SRV records");
}

TEST(Srv, TargetsOutsideTheDomainNeedACustomCa) {
  EXPECT_TRUE(CheckSrvTargetsInDomain("a=https://infra0.example.com:2380", "example.com").ok());
  EXPECT_TRUE(CheckSrvTargetsInDomain("a=http://evil.org:2380", "example.com").ok());
  EXPECT_FALSE(CheckSrvTargetsInDomain("a=https://infra0.example.org:2380", "example.com").ok());
  EXPECT_FALSE(CheckSrvTargetsInDomain("a=https://badexample.com:2380", "example.com").ok());
}

}  // namespace
}  // namespace etcdpp::bootstrap
