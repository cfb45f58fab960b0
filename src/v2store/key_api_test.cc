// The v2 keys API end to end (parse → route → apply or read → render), against status
// codes, headers and bodies captured from etcd 3.4.23 with curl.
#include <gtest/gtest.h>

#include "v2store/applier.h"
#include "v2store/key_request.h"
#include "v2store/key_response.h"

namespace etcdpp::v2store {
namespace {

constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kNow = 1'795'651'200LL * kSecond;  // 2026-11-26T00:00:00Z
constexpr uint64_t kRaftIndex = 30;
constexpr uint64_t kRaftTerm = 2;
constexpr std::string_view kForm = "application/x-www-form-urlencoded";

struct Call {
  std::string method;
  std::string path;
  std::string query;
  std::string body;
  std::string content_type = std::string(kForm);
};

class KeyApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The three cluster writes a fresh etcd makes first, so user indexes start at 4.
    ASSERT_TRUE(store_.Create("/0/members/bdae9bbc11dd390d/raftAttributes", false,
                              R"({"peerURLs":["http://127.0.0.1:23801"]})", false, {}, kNow).ok());
    ASSERT_TRUE(store_.Set("/0/members/bdae9bbc11dd390d/attributes", false,
                           R"({"name":"ref","clientURLs":["http://127.0.0.1:23791"]})", {}, kNow).ok());
    ASSERT_TRUE(store_.Set("/0/version", false, "3.4.0", {}, kNow).ok());
  }

  HttpResponse Do(const Call& c, int64_t now = kNow) {
    HttpKeyRequest http{c.method, c.path, c.query, c.content_type, c.body};
    auto parsed = ParseKeyRequest(http, now);
    if (!parsed.ok()) return RenderError(parsed.error());
    etcdserverpb::Request req = parsed->request;
    switch (RouteKeyRequest(req)) {
      case KeyRoute::kLocalGet: {
        auto ev = ServeLocalGet(store_, req, now);
        return ev.ok() ? RenderEvent(**ev, kRaftIndex, kRaftTerm, false) : RenderError(ev.error());
      }
      case KeyRoute::kWatch: {
        auto w = StartWatch(store_, req);
        if (!w.ok()) return RenderError(w.error());
        HttpResponse head = RenderWatchStart(**w, kRaftIndex, kRaftTerm);
        if (EventPtr e = (*w)->Next()) head.body = RenderWatchEvent(*e);
        (*w)->Remove();
        return head;
      }
      case KeyRoute::kPropose: {
        // Through the log and back, as a follower would see it.
        etcdserverpb::Request replicated;
        EXPECT_TRUE(replicated.ParseFromString(req.SerializeAsString()));
        auto ev = Apply(store_, replicated, now);
        return ev.ok() ? RenderEvent(**ev, kRaftIndex, kRaftTerm, parsed->no_value_on_success)
                       : RenderError(ev.error());
      }
    }
    return {};
  }

  std::string Header(const HttpResponse& r, std::string_view name) {
    for (const auto& [k, v] : r.headers) {
      if (k == name) return v;
    }
    return "<absent>";
  }

  void Expect(const HttpResponse& r, int status, std::string_view body) {
    EXPECT_EQ(r.status, status) << r.body;
    EXPECT_EQ(r.body, std::string(body) + "\n");
    EXPECT_EQ(Header(r, "Content-Type"), "application/json");
  }

  Store store_{{"/0", "/1"}};
};

TEST_F(KeyApiTest, PutGetPostAndListingMatchEtcd) {
  auto r = Do({"PUT", "/v2/keys/foo", "", "value=bar"});
  Expect(r, 201, R"({"action":"set","node":{"key":"/foo","value":"bar","modifiedIndex":4,"createdIndex":4}})");
  EXPECT_EQ(Header(r, "X-Etcd-Index"), "4");
  EXPECT_EQ(Header(r, "X-Raft-Index"), "30");
  EXPECT_EQ(Header(r, "X-Raft-Term"), "2");
  Expect(Do({"PUT", "/v2/keys/foo", "", "value=baz"}), 200,
         R"({"action":"set","node":{"key":"/foo","value":"baz","modifiedIndex":5,"createdIndex":5},)"
         R"("prevNode":{"key":"/foo","value":"bar","modifiedIndex":4,"createdIndex":4}})");
  Expect(Do({"GET", "/v2/keys/foo", "", ""}), 200,
         R"({"action":"get","node":{"key":"/foo","value":"baz","modifiedIndex":5,"createdIndex":5}})");
  Expect(Do({"GET", "/v2/keys/", "", ""}), 200,
         R"({"action":"get","node":{"dir":true,"nodes":[{"key":"/foo","value":"baz","modifiedIndex":5,"createdIndex":5}]}})");
  Expect(Do({"POST", "/v2/keys/q", "", "value=a"}), 201,
         R"({"action":"create","node":{"key":"/q/00000000000000000006","value":"a","modifiedIndex":6,"createdIndex":6}})");
  Expect(Do({"POST", "/v2/keys/q", "", "value=b"}), 201,
         R"({"action":"create","node":{"key":"/q/00000000000000000007","value":"b","modifiedIndex":7,"createdIndex":7}})");
  Expect(Do({"GET", "/v2/keys/q", "sorted=true", ""}), 200,
         R"({"action":"get","node":{"key":"/q","dir":true,"nodes":[{"key":"/q/00000000000000000006","value":"a",)"
         R"("modifiedIndex":6,"createdIndex":6},{"key":"/q/00000000000000000007","value":"b","modifiedIndex":7,)"
         R"("createdIndex":7}],"modifiedIndex":6,"createdIndex":6}})");
  // quorum=true goes through the log as QGET and answers the same.
  Expect(Do({"GET", "/v2/keys/foo", "quorum=true", ""}), 200,
         R"({"action":"get","node":{"key":"/foo","value":"baz","modifiedIndex":5,"createdIndex":5}})");
}

TEST_F(KeyApiTest, StoreErrorsMatchEtcd) {
  Do({"PUT", "/v2/keys/foo", "", "value=bar"});
  Do({"PUT", "/v2/keys/foo", "", "value=baz"});
  Do({"POST", "/v2/keys/q", "", "value=a"});
  Do({"POST", "/v2/keys/q", "", "value=b"});
  auto r = Do({"PUT", "/v2/keys/foo", "prevExist=false", "value=x"});
  Expect(r, 412, R"({"errorCode":105,"message":"Key already exists","cause":"/foo","index":7})");
  EXPECT_EQ(Header(r, "X-Etcd-Index"), "7");
  EXPECT_EQ(Header(r, "X-Raft-Index"), "<absent>");
  Expect(Do({"PUT", "/v2/keys/foo", "prevValue=nope", "value=x"}), 412,
         R"({"errorCode":101,"message":"Compare failed","cause":"[nope != baz]","index":7})");
  Expect(Do({"PUT", "/v2/keys/foo", "prevValue=nope&prevIndex=3", "value=x"}), 412,
         R"({"errorCode":101,"message":"Compare failed","cause":"[nope != baz] [3 != 5]","index":7})");
  Expect(Do({"PUT", "/v2/keys/foo", "prevIndex=3", "value=x"}), 412,
         R"({"errorCode":101,"message":"Compare failed","cause":"[3 != 5]","index":7})");
  Expect(Do({"DELETE", "/v2/keys/q", "", ""}), 403,
         R"({"errorCode":102,"message":"Not a file","cause":"/q","index":7})");
  Expect(Do({"DELETE", "/v2/keys/q", "dir=true", ""}), 403,
         R"({"errorCode":108,"message":"Directory not empty","cause":"/q","index":7})");
  Expect(Do({"PUT", "/v2/keys/", "", ""}), 400,
         R"({"errorCode":107,"message":"Root is read only","cause":"/","index":7})");
  Expect(Do({"GET", "/v2/keys/nope/a/b", "", ""}), 404,
         R"({"errorCode":100,"message":"Key not found","cause":"/nope","index":7})");
  Expect(Do({"PUT", "/v2/keys/foo/bar", "", "value=1"}), 400,
         R"({"errorCode":104,"message":"Not a directory","cause":"/foo","index":7})");
  Expect(Do({"PUT", "/v2/keys/missing", "prevExist=true", "value=1"}), 404,
         R"({"errorCode":100,"message":"Key not found","cause":"/missing","index":7})");
}

TEST_F(KeyApiTest, RequestValidationErrorsMatchEtcd) {
  const std::pair<Call, std::string_view> cases[] = {
      {{"PUT", "/v2/keys/t", "", "ttl=300&refresh=true&value=2"},
       R"({"errorCode":211,"message":"Value provided on refresh","cause":"A value was provided on a refresh","index":0})"},
      {{"PUT", "/v2/keys/t", "", "refresh=true"},
       R"({"errorCode":212,"message":"A TTL must be provided on refresh","cause":"No TTL value set","index":0})"},
      {{"PUT", "/v2/keys/t", "", "ttl=abc&value=2"},
       R"({"errorCode":202,"message":"The given TTL in POST form is not a number","cause":"invalid value for \"ttl\"","index":0})"},
      {{"GET", "/v2/keys/foo", "wait=tru", ""},
       R"({"errorCode":209,"message":"Invalid field","cause":"invalid value for \"wait\"","index":0})"},
      {{"GET", "/v2/keys/foo", "prevIndex=x", ""},
       R"({"errorCode":203,"message":"The given index in POST form is not a number","cause":"invalid value for \"prevIndex\"","index":0})"},
      {{"GET", "/v2/keys/foo", "waitIndex=x", ""},
       R"({"errorCode":203,"message":"The given index in POST form is not a number","cause":"invalid value for \"waitIndex\"","index":0})"},
      {{"PUT", "/v2/keys/foo", "prevValue=", "value=1"},
       R"({"errorCode":201,"message":"PrevValue is Required in POST form","cause":"\"prevValue\" cannot be empty","index":0})"},
      {{"PUT", "/v2/keys/foo", "prevExist=x", "value=1"},
       R"({"errorCode":209,"message":"Invalid field","cause":"invalid value for prevExist","index":0})"},
      {{"PUT", "/v2/keys/foo", "wait=true", "value=1"},
       R"({"errorCode":209,"message":"Invalid field","cause":"\"wait\" can only be used with GET requests","index":0})"},
      {{"PUT", "/v2/keys/foo", "refresh=x", "value=1"},
       R"({"errorCode":209,"message":"Invalid field","cause":"invalid value for refresh","index":0})"},
      {{"PUT", "/v2/keys/esc", "value=%zz", ""},
       R"({"errorCode":210,"message":"Invalid POST form","cause":"invalid URL escape \"%zz\"","index":0})"},
      {{"PUT", "/v2/keys/esc", "a=1;b=2", "value=1"},
       R"({"errorCode":210,"message":"Invalid POST form","cause":"invalid semicolon separator in query","index":0})"},
  };
  for (const auto& [call, body] : cases) {
    auto r = Do(call);
    Expect(r, 400, body);
    EXPECT_EQ(Header(r, "X-Etcd-Index"), "0");
  }
  EXPECT_EQ(store_.index(), 3u);
}

TEST_F(KeyApiTest, ValuesAreEscapedLikeGo) {
  Expect(Do({"PUT", "/v2/keys/esc", "",
             "value=%3Ca%26b%3E%01%08%0C%09%0A%22%5C%E2%80%A8%C3%A9%FF"}),
         201,
         R"({"action":"set","node":{"key":"/esc","value":"\u003ca\u0026b\u003e\u0001\u0008\u000c\t\n\"\\\u2028é\ufffd",)"
         R"("modifiedIndex":4,"createdIndex":4}})");
}

TEST_F(KeyApiTest, BodyIsAFormOnlyForFormWrites) {
  // Without a form Content-Type the body is ignored, so the value is empty.
  Expect(Do({"PUT", "/v2/keys/esc", "", "value=zz", ""}), 201,
         R"({"action":"set","node":{"key":"/esc","value":"","modifiedIndex":4,"createdIndex":4}})");
  Expect(Do({"PUT", "/v2/keys/esc", "", "value=zz", "text/plain"}), 200,
         R"({"action":"set","node":{"key":"/esc","value":"","modifiedIndex":5,"createdIndex":5},)"
         R"("prevNode":{"key":"/esc","value":"","modifiedIndex":4,"createdIndex":4}})");
  // Body values come before query values.
  Expect(Do({"PUT", "/v2/keys/esc", "value=q", "value=body"}), 200,
         R"({"action":"set","node":{"key":"/esc","value":"body","modifiedIndex":6,"createdIndex":6},)"
         R"("prevNode":{"key":"/esc","value":"","modifiedIndex":5,"createdIndex":5}})");
  // DELETE bodies are not read: this is a plain delete, not compareAndDelete.
  Expect(Do({"DELETE", "/v2/keys/esc", "value=q", "prevValue=nope"}), 200,
         R"({"action":"delete","node":{"key":"/esc","modifiedIndex":7,"createdIndex":6},)"
         R"("prevNode":{"key":"/esc","value":"body","modifiedIndex":6,"createdIndex":6}})");
}

TEST_F(KeyApiTest, TtlRefreshAndClearMatchEtcd) {
  Expect(Do({"PUT", "/v2/keys/t", "", "value=1&ttl=100"}), 201,
         R"({"action":"set","node":{"key":"/t","value":"1","expiration":"2026-11-26T00:01:40Z","ttl":100,)"
         R"("modifiedIndex":4,"createdIndex":4}})");
  const int64_t later = kNow + 500'000'000;
  Expect(Do({"PUT", "/v2/keys/t", "", "ttl=200&refresh=true"}, later), 200,
         R"({"action":"set","node":{"key":"/t","value":"1","expiration":"2026-11-26T00:03:20.5Z","ttl":200,)"
         R"("modifiedIndex":5,"createdIndex":5},"prevNode":{"key":"/t","value":"1","expiration":"2026-11-26T00:01:40Z",)"
         R"("ttl":100,"modifiedIndex":4,"createdIndex":4}})");
  Expect(Do({"PUT", "/v2/keys/t", "prevExist=true", "ttl=300&refresh=true"}), 200,
         R"({"action":"update","node":{"key":"/t","value":"1","expiration":"2026-11-26T00:05:00Z","ttl":300,)"
         R"("modifiedIndex":6,"createdIndex":5},"prevNode":{"key":"/t","value":"1","expiration":"2026-11-26T00:03:20.5Z",)"
         R"("ttl":201,"modifiedIndex":5,"createdIndex":5}})");
  // An empty ttl clears the TTL.
  Expect(Do({"PUT", "/v2/keys/t", "", "ttl=&value=2"}), 200,
         R"({"action":"set","node":{"key":"/t","value":"2","modifiedIndex":7,"createdIndex":7},)"
         R"("prevNode":{"key":"/t","value":"1","expiration":"2026-11-26T00:05:00Z","ttl":300,"modifiedIndex":6,"createdIndex":5}})");
}

TEST_F(KeyApiTest, DirectoryTtlAndHiddenKeysMatchEtcd) {
  Expect(Do({"PUT", "/v2/keys/d", "", "dir=true"}), 201,
         R"({"action":"set","node":{"key":"/d","dir":true,"modifiedIndex":4,"createdIndex":4}})");
  Expect(Do({"PUT", "/v2/keys/d", "", "dir=true"}), 403,
         R"({"errorCode":102,"message":"Not a file","cause":"/d","index":4})");
  Expect(Do({"PUT", "/v2/keys/d", "prevExist=true", "dir=true&ttl=50"}), 200,
         R"({"action":"update","node":{"key":"/d","dir":true,"expiration":"2026-11-26T00:00:50Z","ttl":50,)"
         R"("modifiedIndex":5,"createdIndex":4},"prevNode":{"key":"/d","dir":true,"modifiedIndex":4,"createdIndex":4}})");
  Do({"PUT", "/v2/keys/d/_hidden", "", "value=h"});
  Do({"PUT", "/v2/keys/d/vis", "", "value=v"});
  Expect(Do({"GET", "/v2/keys/d", "recursive=true", ""}), 200,
         R"({"action":"get","node":{"key":"/d","dir":true,"expiration":"2026-11-26T00:00:50Z","ttl":50,)"
         R"("nodes":[{"key":"/d/vis","value":"v","modifiedIndex":7,"createdIndex":7}],"modifiedIndex":4,"createdIndex":4}})");
  Expect(Do({"GET", "/v2/keys/d/_hidden", "", ""}), 200,
         R"({"action":"get","node":{"key":"/d/_hidden","value":"h","modifiedIndex":6,"createdIndex":6}})");
  // The leader's SYNC expires the directory; a waiting watcher of a child hears of it.
  auto w = store_.Watch("/1/d/vis", false, false, 0);
  ASSERT_TRUE(w.ok());
  etcdserverpb::Request sync;
  sync.set_method("SYNC");
  sync.set_time(kNow + 50 * kSecond + 300'000'000);
  ASSERT_TRUE(Apply(store_, sync, kNow).ok());
  EventPtr e = (*w)->Next();
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(RenderWatchEvent(*e),
            R"({"action":"expire","node":{"key":"/d","dir":true,"modifiedIndex":8,"createdIndex":4},)"
            R"("prevNode":{"key":"/d","dir":true,"expiration":"2026-11-26T00:00:50Z","modifiedIndex":4,"createdIndex":4}})"
            "\n");
}

TEST_F(KeyApiTest, WatchFromHistoryMatchesEtcd) {
  Do({"PUT", "/v2/keys/foo", "", "value=bar"});
  Do({"PUT", "/v2/keys/foo", "", "value=baz"});
  const std::string set_bar =
      R"({"action":"set","node":{"key":"/foo","value":"bar","modifiedIndex":4,"createdIndex":4}})";
  for (std::string_view q : {"wait=true&waitIndex=4", "wait=true&waitIndex=1"}) {
    auto r = Do({"GET", "/v2/keys/foo", std::string(q), ""});
    Expect(r, 200, set_bar);
    EXPECT_EQ(Header(r, "X-Etcd-Index"), "5");
  }
  Expect(Do({"GET", "/v2/keys/", "wait=true&waitIndex=4&recursive=true", ""}), 200, set_bar);
  // Not yet happened: headers only, the event comes later.
  auto pending = Do({"GET", "/v2/keys/foo", "wait=true", ""});
  EXPECT_EQ(pending.status, 200);
  EXPECT_EQ(pending.body, "");
}

TEST_F(KeyApiTest, NoValueOnSuccessDropsNodes) {
  Expect(Do({"PUT", "/v2/keys/foo", "noValueOnSuccess=true", "value=bar"}), 201, R"({"action":"set"})");
}

TEST_F(KeyApiTest, MoreEdgesMatchEtcd) {
  Expect(Do({"POST", "/v2/keys/pd", "", "dir=true"}), 201,
         R"({"action":"create","node":{"key":"/pd/00000000000000000004","dir":true,"modifiedIndex":4,"createdIndex":4}})");
  Expect(Do({"PUT", "/v2/keys/pd", "", "value=x&prevExist=true"}), 403,
         R"({"errorCode":102,"message":"Not a file","cause":"/pd","index":4})");
  Expect(Do({"PUT", "/v2/keys/pd", "prevValue=a", "value=2"}), 403,
         R"({"errorCode":102,"message":"Not a file","cause":"/pd","index":4})");
  Expect(Do({"DELETE", "/v2/keys/pd", "prevValue=a", ""}), 403,
         R"({"errorCode":102,"message":"Not a file","cause":"/pd","index":4})");
  Expect(Do({"DELETE", "/v2/keys/", "recursive=true", ""}), 400,
         R"({"errorCode":107,"message":"Root is read only","cause":"/","index":4})");
  Expect(Do({"PUT", "/v2/keys/z", "", "value=1&ttl=-1"}), 400,
         R"({"errorCode":202,"message":"The given TTL in POST form is not a number","cause":"invalid value for \"ttl\"","index":0})");
  // ttl=0 expires at once: an expiration but no ttl field.
  Expect(Do({"PUT", "/v2/keys/z", "", "value=1&ttl=0"}), 201,
         R"({"action":"set","node":{"key":"/z","value":"1","expiration":"2026-11-26T00:00:00Z","modifiedIndex":5,"createdIndex":5}})");
  // The cluster namespace is not reachable through the keys API.
  Expect(Do({"GET", "/v2/keys/0/version", "", ""}), 404,
         R"({"errorCode":100,"message":"Key not found","cause":"/0","index":5})");
  // noValueOnSuccess only trims writes that set a value.
  Expect(Do({"DELETE", "/v2/keys/z", "noValueOnSuccess=true", ""}), 200,
         R"({"action":"delete","node":{"key":"/z","modifiedIndex":6,"createdIndex":5},)"
         R"("prevNode":{"key":"/z","value":"1","expiration":"2026-11-26T00:00:00Z","modifiedIndex":5,"createdIndex":5}})");
}

TEST_F(KeyApiTest, NestedListingAndHiddenDirectoryMatchEtcd) {
  Do({"PUT", "/v2/keys/n/sub/x", "", "value=1"});
  Do({"PUT", "/v2/keys/n/_hd/y", "", "value=2"});
  Do({"PUT", "/v2/keys/n/f", "", "value=3"});
  Expect(Do({"GET", "/v2/keys/n", "recursive=true", ""}), 200,
         R"({"action":"get","node":{"key":"/n","dir":true,"nodes":[{"key":"/n/f","value":"3","modifiedIndex":6,"createdIndex":6},)"
         R"({"key":"/n/sub","dir":true,"nodes":[{"key":"/n/sub/x","value":"1","modifiedIndex":4,"createdIndex":4}],)"
         R"("modifiedIndex":4,"createdIndex":4}],"modifiedIndex":4,"createdIndex":4}})");
  // A recursive watch skips changes inside a hidden directory.
  auto w = store_.Watch("/1/n", true, false, 0);
  ASSERT_TRUE(w.ok());
  Do({"PUT", "/v2/keys/n/_hd/y", "", "value=3"});
  EXPECT_EQ((*w)->Next(), nullptr);
  Do({"PUT", "/v2/keys/n/sub/x", "", "value=4"});
  EventPtr e = (*w)->Next();
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->node.key, "/1/n/sub/x");
  Expect(Do({"DELETE", "/v2/keys/n/sub", "dir=true", ""}), 403,
         R"({"errorCode":108,"message":"Directory not empty","cause":"/n/sub","index":8})");
  Expect(Do({"DELETE", "/v2/keys/n/f", "dir=true", ""}), 200,
         R"({"action":"delete","node":{"key":"/n/f","modifiedIndex":9,"createdIndex":6},)"
         R"("prevNode":{"key":"/n/f","value":"3","modifiedIndex":6,"createdIndex":6}})");
  Expect(Do({"PUT", "/v2/keys/n/f", "prevExist=false", "value=1"}), 201,
         R"({"action":"create","node":{"key":"/n/f","value":"1","modifiedIndex":10,"createdIndex":10}})");
  Expect(Do({"POST", "/v2/keys/n/f", "", "value=1"}), 400,
         R"({"errorCode":104,"message":"Not a directory","cause":"/n/f","index":10})");
}

TEST_F(KeyApiTest, ServerErrorIsRaftInternal) {
  auto r = RenderError(ServerError("etcdserver: request timed out"));
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body,
            R"({"errorCode":300,"message":"Raft Internal Error","cause":"etcdserver: request timed out","index":0})"
            "\n");
}

TEST(KeyRequest, ReplicatedFormCarriesEveryField) {
  HttpKeyRequest http{"PUT", "/v2/keys/a/../b/", "prevExist=true&ttl=5&prevIndex=7", kForm,
                      "value=v&dir=false"};
  auto parsed = ParseKeyRequest(http, kNow);
  ASSERT_TRUE(parsed.ok());
  const etcdserverpb::Request& r = parsed->request;
  EXPECT_EQ(r.method(), "PUT");
  EXPECT_EQ(r.path(), "/1/b");
  EXPECT_EQ(r.val(), "v");
  EXPECT_TRUE(r.has_prevexist());
  EXPECT_TRUE(r.prevexist());
  EXPECT_FALSE(r.has_refresh());
  EXPECT_EQ(r.previndex(), 7u);
  EXPECT_EQ(r.expiration(), kNow + 5 * kSecond);
  // Zero-valued fields are still present on the wire.
  EXPECT_TRUE(r.has_wait());
  EXPECT_TRUE(r.has_time());
  EXPECT_TRUE(r.has_id());
}

TEST(KeyRequest, EncodesLikeEtcdsGeneratedCode) {
  // etcd always writes every field but PrevExist and Refresh, zero or not.
  HttpKeyRequest http{"PUT", "/v2/keys/foo", "", kForm, "value=bar"};
  auto parsed = ParseKeyRequest(http, kNow);
  ASSERT_TRUE(parsed.ok());
  using namespace std::string_literals;
  const std::string expected = "\x08\x00\x12\x03PUT\x1a\x06/1/foo\x22\x03" "bar\x28\x00\x32\x00\x38\x00"
                               "\x48\x00\x50\x00\x58\x00\x60\x00\x68\x00\x70\x00\x78\x00\x80\x01\x00"s;
  EXPECT_EQ(parsed->request.SerializeAsString(), expected);
  etcdserverpb::Request sync = NewSyncRequest(7, 5);
  EXPECT_EQ(sync.SerializeAsString(),
            "\x08\x07\x12\x04SYNC\x1a\x00\x22\x00\x28\x00\x32\x00\x38\x00\x48\x00\x50\x00"
            "\x58\x00\x60\x00\x68\x00\x70\x00\x78\x05\x80\x01\x00"s);
}

TEST(KeyRequest, RoutesLikeEtcd) {
  etcdserverpb::Request r;
  r.set_method("GET");
  EXPECT_EQ(RouteKeyRequest(r), KeyRoute::kLocalGet);
  r.set_wait(true);
  EXPECT_EQ(RouteKeyRequest(r), KeyRoute::kWatch);
  r.set_quorum(true);  // quorum wins over wait
  EXPECT_EQ(RouteKeyRequest(r), KeyRoute::kPropose);
  EXPECT_EQ(r.method(), "QGET");
  r.set_method("HEAD");
  EXPECT_EQ(RouteKeyRequest(r), KeyRoute::kLocalGet);
}

TEST(Applier, MemberAttributePathsAreRecognized) {
  EXPECT_TRUE(IsMemberAttributesPath("/0/members/bdae9bbc11dd390d/attributes"));
  EXPECT_TRUE(IsMemberAttributesPath("/0/members/ABC/attributes"));
  EXPECT_FALSE(IsMemberAttributesPath("/0/members/bdae9bbc11dd390d/raftAttributes"));
  EXPECT_FALSE(IsMemberAttributesPath("/0/members/12345678901234567/attributes"));
  EXPECT_FALSE(IsMemberAttributesPath("/0/members//attributes"));
}

}  // namespace
}  // namespace etcdpp::v2store
