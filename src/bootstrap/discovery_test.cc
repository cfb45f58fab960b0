#include "bootstrap/discovery.h"

#include <gtest/gtest.h>

#include <map>

#include <nlohmann/json.hpp>

#include "bootstrap/static_cluster.h"
#include "membership/member.h"

namespace etcdpp::bootstrap {
namespace {

constexpr char kUrl[] = "http://127.0.11.1:2379/v2/keys/discovery/tok";

// An in-memory v2 keys service: enough of GET, create-only PUT and GET ?wait=true for the
// discovery protocol. Keys are full paths under /v2/keys ("/discovery/tok/_config/size").
class FakeKeys {
 public:
  struct Node {
    std::string value;
    uint64_t index;
  };
  std::map<std::string, Node> keys;
  uint64_t index = 1;
  int fail_next = 0;                       // calls answered "connection refused"
  std::function<void()> on_wait;           // runs when a watch finds nothing
  std::vector<peer::PeerRequest> requests;

  void Set(const std::string& key, const std::string& value) { keys[key] = Node{value, ++index}; }

  Result<peer::PeerAnswer> operator()(peer::PeerRequest r) {
    requests.push_back(r);
    if (fail_next > 0) {
      --fail_next;
      return Unavailable("dial tcp 127.0.11.1:2379: connect: connection refused");
    }
    std::string path = r.path;
    if (path.starts_with("http://")) path = path.substr(path.find('/', 7));
    std::string query;
    if (auto q = path.find('?'); q != std::string::npos) query = path.substr(q + 1), path = path.substr(0, q);
    path = path.substr(std::string("/v2/keys").size());
    if (r.method == "PUT") return Put(path, r.body);
    if (query.find("wait=true") != std::string::npos) return Wait(path, query);
    return Get(path);
  }

 private:
  peer::PeerAnswer Answer(int status, nlohmann::json j) {
    peer::PeerAnswer a;
    a.status = status;
    a.body = j.dump();
    a.headers["x-etcd-index"] = std::to_string(index);
    return a;
  }
  peer::PeerAnswer NotFound(const std::string& path) {
    return Answer(404, {{"errorCode", 100}, {"message", "Key not found"}, {"cause", path}, {"index", index}});
  }
  nlohmann::json NodeJson(const std::string& key, const Node& n) {
    return {{"key", key}, {"value", n.value}, {"createdIndex", n.index}, {"modifiedIndex", n.index}};
  }
  Result<peer::PeerAnswer> Get(const std::string& path) {
    if (auto it = keys.find(path); it != keys.end()) {
      return Answer(200, {{"action", "get"}, {"node", NodeJson(path, it->second)}});
    }
    nlohmann::json children = nlohmann::json::array();
    for (const auto& [k, n] : keys) {
      if (!k.starts_with(path + "/")) continue;
      std::string rest = k.substr(path.size() + 1);
      if (rest.find('/') == std::string::npos) children.push_back(NodeJson(k, n));
      else children.push_back({{"key", path + "/" + rest.substr(0, rest.find('/'))}, {"dir", true}});
    }
    if (children.empty()) return NotFound(path);
    return Answer(200, {{"action", "get"}, {"node", {{"key", path}, {"dir", true}, {"nodes", children}}}});
  }
  Result<peer::PeerAnswer> Put(const std::string& path, const std::string& body) {
    if (keys.contains(path)) {
      return Answer(412, {{"errorCode", 105}, {"message", "Key already exists"}, {"cause", path}, {"index", index}});
    }
    std::string value = body.substr(std::string("value=").size());
    std::string decoded;
    for (size_t i = 0; i < value.size(); ++i) {
      if (value[i] == '%') decoded += static_cast<char>(std::stoi(value.substr(i + 1, 2), nullptr, 16)), i += 2;
      else decoded += value[i];
    }
    Set(path, decoded);
    return Answer(201, {{"action", "create"}, {"node", NodeJson(path, keys[path])}});
  }
  Result<peer::PeerAnswer> Wait(const std::string& path, const std::string& query) {
    const uint64_t from = std::stoull(query.substr(query.find("waitIndex=") + 10));
    for (int round = 0; round < 2; ++round) {
      for (const auto& [k, n] : keys) {
        if ((k == path || k.starts_with(path + "/")) && n.index >= from) {
          return Answer(200, {{"action", "create"}, {"node", NodeJson(k, n)}});
        }
      }
      if (round == 0 && on_wait) on_wait();
    }
    return Unavailable("read timed out");
  }
};

struct FakeRun {
  FakeKeys keys;
  std::vector<std::chrono::milliseconds> waits;
  DiscoveryOptions options;
  explicit FakeRun(uint64_t id = 0xa1) {
    options.url = kUrl;
    options.local_id = id;
    options.exchange = [this](peer::PeerRequest r) { return keys(std::move(r)); };
    options.wait = [this](std::chrono::milliseconds d) {
      if (d.count() > 0) waits.push_back(d);
      return true;
    };
    options.max_retries = 5;
  }
};

TEST(Discovery, UrlSplitsIntoServiceAndTokenDirectory) {
  auto d = ParseDiscoveryUrl("http://127.0.11.1:2379/v2/keys/discovery/tok/");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->base, "http://127.0.11.1:2379");
  EXPECT_EQ(d->cluster, "/v2/keys/discovery/tok");
  EXPECT_FALSE(ParseDiscoveryUrl("127.0.11.1:2379/v2/keys/x").ok());
  EXPECT_FALSE(ParseDiscoveryUrl("http://127.0.11.1:2379").ok());
  EXPECT_FALSE(ParseDiscoveryUrl("http://[::1/x").ok());
}

TEST(Discovery, RegistrationsAreReadInCreationOrderWithoutTheConfigDirectory) {
  auto r = ParseRegistrations(R"({"action":"get","node":{"key":"/d/t","dir":true,"nodes":[
      {"key":"/d/t/b2","value":"m2=http://10.0.0.2:2380","createdIndex":9},
      {"key":"/d/t/_config","dir":true,"createdIndex":3},
      {"key":"/d/t/a1","value":"m1=http://10.0.0.1:2380","createdIndex":5}]}})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].key, "/d/t/a1");
  EXPECT_EQ((*r)[1].value, "m2=http://10.0.0.2:2380");
  EXPECT_FALSE(ParseRegistrations("<html>").ok());
}

TEST(Discovery, ClusterFromTheFirstRegistrations) {
  std::vector<Registration> nodes = {{"/t/1", "m1=http://10.0.0.1:2380", 1}, {"/t/2", "m2=http://10.0.0.2:2380", 2}};
  auto c = RegistrationsToCluster(nodes, 2);
  EXPECT_FALSE(c.error);
  EXPECT_EQ(c.cluster, "m1=http://10.0.0.1:2380,m2=http://10.0.0.2:2380");
  nodes[1].value = "m1=http://10.0.0.2:2380";
  c = RegistrationsToCluster(nodes, 2);
  ASSERT_TRUE(c.error);
  EXPECT_EQ(c.error->kind, DiscoveryFailure::kDuplicateName);
  EXPECT_EQ(c.error->message, "discovery: found duplicate name");
  nodes[1].value = "garbage";
  c = RegistrationsToCluster(nodes, 2);
  ASSERT_TRUE(c.error);
  EXPECT_EQ(c.error->message, "discovery: invalid URL");
  EXPECT_EQ(RegistrationValue("m1", {"http://b:2380", "http://a:2380"}), "m1=http://a:2380,m1=http://b:2380");
}

TEST(Discovery, MemberIdsUseTheDiscoveryUrlAsClusterToken) {
  // Real etcd 3.4.23 registered member 4cecc9c4d4c9ca96 and formed cluster b099576eb2600ac7
  // for these settings.
  const std::string durl = "http://127.0.11.250:23790/v2/keys/discovery/tok2";
  auto c = BuildInitialCluster("m1=http://127.0.11.251:23800", "m1", {"http://127.0.11.251:23800"}, durl);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(membership::IdToString(c->local_id), "4cecc9c4d4c9ca96");
  EXPECT_EQ(membership::IdToString(c->cluster_id), "b099576eb2600ac7");
}

TEST(Discovery, OneMemberRegistersAndGetsItsCluster) {
  FakeRun run;
  run.keys.Set("/discovery/tok/_config/size", "1");
  auto c = JoinDiscoveryCluster(run.options, "m1=http://10.0.0.1:2380");
  ASSERT_FALSE(c.error) << c.error->message;
  EXPECT_EQ(c.cluster, "m1=http://10.0.0.1:2380");
  ASSERT_TRUE(run.keys.keys.contains("/discovery/tok/a1"));
  EXPECT_EQ(run.keys.keys["/discovery/tok/a1"].value, "m1=http://10.0.0.1:2380");
  EXPECT_EQ(run.keys.requests[0].url, "http://127.0.11.1:2379");
  EXPECT_EQ(run.keys.requests[0].path, "/v2/keys/discovery/tok/_config/size");
}

TEST(Discovery, WaitsForTheOthersThroughTheWatch) {
  FakeRun run;
  run.keys.Set("/discovery/tok/_config/size", "3");
  run.keys.Set("/discovery/tok/b0", "m0=http://10.0.0.9:2380");
  int added = 0;
  run.keys.on_wait = [&] {
    if (added++ == 0) run.keys.Set("/discovery/tok/c2", "m2=http://10.0.0.2:2380");
    else if (added == 2) run.keys.Set("/discovery/tok/d3", "m3=http://10.0.0.3:2380");
  };
  auto c = JoinDiscoveryCluster(run.options, "m1=http://10.0.0.1:2380");
  ASSERT_FALSE(c.error) << c.error->message;
  EXPECT_EQ(c.cluster, "m0=http://10.0.0.9:2380,m1=http://10.0.0.1:2380,m2=http://10.0.0.2:2380");
  EXPECT_TRUE(run.waits.empty());
}

TEST(Discovery, MissingSizeIsReportedWithTheServicesError) {
  FakeRun run;
  auto c = JoinDiscoveryCluster(run.options, "m1=http://10.0.0.1:2380");
  ASSERT_TRUE(c.error);
  EXPECT_EQ(c.error->kind, DiscoveryFailure::kSizeNotFound);
  EXPECT_EQ(c.error->message, "100: Key not found (/discovery/tok/_config/size) [1]");
}

TEST(Discovery, AFullClusterIsRefusedBeforeRegistering) {
  FakeRun run;
  run.keys.Set("/discovery/tok/_config/size", "1");
  run.keys.Set("/discovery/tok/b0", "m0=http://10.0.0.9:2380");
  auto c = JoinDiscoveryCluster(run.options, "m1=http://10.0.0.1:2380");
  ASSERT_TRUE(c.error);
  EXPECT_EQ(c.error->kind, DiscoveryFailure::kFullCluster);
  EXPECT_EQ(c.error->message, "discovery: cluster is full");
  EXPECT_FALSE(run.keys.keys.contains("/discovery/tok/a1"));
}

TEST(Discovery, AnIdRegisteredBeforeIsADuplicate) {
  FakeRun run;
  run.keys.Set("/discovery/tok/_config/size", "3");
  run.keys.Set("/discovery/tok/a1", "m1=http://10.0.0.1:2380");
  auto c = JoinDiscoveryCluster(run.options, "m1=http://10.0.0.1:2380");
  ASSERT_TRUE(c.error);
  EXPECT_EQ(c.error->kind, DiscoveryFailure::kDuplicateId);
  EXPECT_EQ(c.error->message, "discovery: found duplicate id");
}

TEST(Discovery, AnUnreachableServiceIsRetriedWithGrowingBackoff) {
  FakeRun run;
  run.keys.Set("/discovery/tok/_config/size", "1");
  run.keys.fail_next = 3;
  auto c = JoinDiscoveryCluster(run.options, "m1=http://10.0.0.1:2380");
  ASSERT_FALSE(c.error) << c.error->message;
  EXPECT_EQ(run.waits, (std::vector<std::chrono::milliseconds>{std::chrono::seconds(2), std::chrono::seconds(4),
                                                                 std::chrono::seconds(8)}));
  FakeRun gone;
  gone.keys.fail_next = 100;
  c = JoinDiscoveryCluster(gone.options, "m1=http://10.0.0.1:2380");
  ASSERT_TRUE(c.error);
  EXPECT_EQ(c.error->message, "discovery: too many retries");
  EXPECT_EQ(gone.waits.size(), 5u);
}

TEST(Discovery, AStopRequestEndsTheWaitAndTheBackoff) {
  FakeRun waiting;
  waiting.keys.Set("/discovery/tok/_config/size", "3");
  waiting.options.wait = [](std::chrono::milliseconds) { return false; };
  auto c = JoinDiscoveryCluster(waiting.options, "m1=http://10.0.0.1:2380");
  ASSERT_TRUE(c.error);
  EXPECT_EQ(c.error->kind, DiscoveryFailure::kInterrupted);
  FakeRun backing_off;
  backing_off.keys.fail_next = 1;
  backing_off.options.wait = waiting.options.wait;
  c = JoinDiscoveryCluster(backing_off.options, "m1=http://10.0.0.1:2380");
  ASSERT_TRUE(c.error);
  EXPECT_EQ(c.error->kind, DiscoveryFailure::kInterrupted);
}

TEST(Discovery, BadSizeAndNonEtcdEndpointsAreRefused) {
  FakeRun run;
  run.keys.Set("/discovery/tok/_config/size", "three");
  auto c = JoinDiscoveryCluster(run.options, "m1=http://10.0.0.1:2380");
  ASSERT_TRUE(c.error);
  EXPECT_EQ(c.error->message, "discovery: size key is bad");
  FakeRun html;
  html.options.exchange = [](peer::PeerRequest) -> Result<peer::PeerAnswer> {
    peer::PeerAnswer a;
    a.status = 404;
    a.body = "<html>not here</html>";
    return a;
  };
  c = JoinDiscoveryCluster(html.options, "m1=http://10.0.0.1:2380");
  ASSERT_TRUE(c.error);
  EXPECT_EQ(c.error->message, "discovery: bad discovery endpoint");
}

TEST(Discovery, AProxyGetsAbsoluteUris) {
  FakeRun run;
  run.options.proxy = "http://127.0.11.9:3128";
  run.keys.Set("/discovery/tok/_config/size", "1");
  auto c = JoinDiscoveryCluster(run.options, "m1=http://10.0.0.1:2380");
  ASSERT_FALSE(c.error);
  EXPECT_EQ(run.keys.requests[0].url, "http://127.0.11.9:3128");
  EXPECT_EQ(run.keys.requests[0].path, "http://127.0.11.1:2379/v2/keys/discovery/tok/_config/size");
}

}  // namespace
}  // namespace etcdpp::bootstrap
