// The peer port's lease endpoints and the follower's client for them, against each
// other over loopback, with a lessor stand-in answering as etcd's lessor does.
#include "peer/lease_handlers.h"

#include <future>

#include <gtest/gtest.h>

#include "lease/lessor.h"
#include "leasepb/lease_internal.pb.h"
#include "net/server.h"
#include "peer/lease_forwarder.h"
#include "peer/peer_test_util.h"
#include "server/errors.h"

namespace etcdpp::peer {
namespace {

namespace http = boost::beast::http;
using testing_util::HttpCall;

constexpr int64_t kKnown = 10;
constexpr int64_t kNotPrimary = 666;
constexpr int64_t kLagging = 408;

// A peer server whose "lessor" knows lease 10 (TTL 30, key "k") and is not primary for 666.
class LeaseServer {
 public:
  LeaseServer() {
    net::Router router;
    LeaseHandlerDeps deps;
    deps.renew = [](int64_t id, std::function<void(Result<int64_t>)> done) {
      if (id == kKnown) return done(int64_t{30});
      if (id == kNotPrimary) return done(FailedPrecondition(std::string(lease::kErrNotPrimary)));
      if (id == kLagging) return done(server::errors::kTimeoutWaitAppliedIndex.status());
      done(NotFound(std::string(lease::kErrLeaseNotFound)));
    };
    deps.time_to_live = [](etcdserverpb::LeaseTimeToLiveRequest r,
                           std::function<void(Result<etcdserverpb::LeaseTimeToLiveResponse>)> done) {
      if (r.id() != kKnown) return done(NotFound(std::string(lease::kErrLeaseNotFound)));
      etcdserverpb::LeaseTimeToLiveResponse resp;
      resp.mutable_header();
      resp.set_id(r.id());
      resp.set_ttl(29);
      resp.set_grantedttl(30);
      if (r.keys()) resp.add_keys("k");
      done(std::move(resp));
    };
    RegisterLeaseHandlers(router, std::move(deps));
    net::ServerOptions options;
    options.io_threads = 1;
    server_ = std::make_unique<net::Server>(std::move(router), options);
    auto bound = server_->Listen("http://127.0.0.1:0");
    ETCDPP_CHECK(bound.ok(), "listen");
    address_ = *bound;
    ETCDPP_CHECK(server_->Start().ok(), "start");
  }
  ~LeaseServer() { server_->Stop(); }

  std::string url() const { return "http://" + address_; }
  uint16_t port() const { return static_cast<uint16_t>(std::stoi(address_.substr(address_.rfind(':') + 1))); }

 private:
  std::unique_ptr<net::Server> server_;
  std::string address_;
};

std::string KeepAlive(int64_t id) {
  etcdserverpb::LeaseKeepAliveRequest r;
  r.set_id(id);
  return r.SerializeAsString();
}

TEST(LeaseHandlers, KeepAliveAnswersProtobufOrEtcdsErrors) {
  LeaseServer s;
  auto ok = HttpCall(s.port(), http::verb::post, "/leases", {}, KeepAlive(kKnown));
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.headers["Content-Type"], "application/protobuf");
  etcdserverpb::LeaseKeepAliveResponse resp;
  ASSERT_TRUE(resp.ParseFromString(ok.body));
  EXPECT_EQ(resp.id(), kKnown);
  EXPECT_EQ(resp.ttl(), 30);
  auto missing = HttpCall(s.port(), http::verb::post, "/leases", {}, KeepAlive(11));
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.body, "lease not found\n");
  auto follower = HttpCall(s.port(), http::verb::post, "/leases", {}, KeepAlive(kNotPrimary));
  EXPECT_EQ(follower.status, 400);
  EXPECT_EQ(follower.body, "not a primary lessor\n");
  auto lagging = HttpCall(s.port(), http::verb::post, "/leases", {}, KeepAlive(kLagging));
  EXPECT_EQ(lagging.status, 408);
  EXPECT_EQ(lagging.body, "waiting for node to catch up its applied index has timed out\n");
  auto garbage = HttpCall(s.port(), http::verb::post, "/leases", {}, "\xff\xff\xff");
  EXPECT_EQ(garbage.status, 400);
  EXPECT_EQ(garbage.body, "error unmarshalling request\n");
  EXPECT_EQ(HttpCall(s.port(), http::verb::get, "/leases").status, 405);
}

TEST(LeaseHandlers, InternalTimeToLiveAnswersLeaseInternalResponse) {
  LeaseServer s;
  leasepb::LeaseInternalRequest req;
  req.mutable_leasetimetoliverequest()->set_id(kKnown);
  req.mutable_leasetimetoliverequest()->set_keys(true);
  auto ok = HttpCall(s.port(), http::verb::post, "/leases/internal", {}, req.SerializeAsString());
  EXPECT_EQ(ok.status, 200);
  leasepb::LeaseInternalResponse resp;
  ASSERT_TRUE(resp.ParseFromString(ok.body));
  EXPECT_EQ(resp.leasetimetoliveresponse().grantedttl(), 30);
  ASSERT_EQ(resp.leasetimetoliveresponse().keys_size(), 1);
  req.mutable_leasetimetoliverequest()->set_id(3);
  auto missing = HttpCall(s.port(), http::verb::post, "/leases/internal", {}, req.SerializeAsString());
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.body, "lease not found\n");
}

template <typename T>
Result<T> Wait(std::future<Result<T>>& f) {
  if (f.wait_for(std::chrono::seconds(20)) != std::future_status::ready) return Internal("no answer in time");
  return f.get();
}

Result<int64_t> Renew(HttpLeaseForwarder& fwd, std::vector<std::string> urls, int64_t id,
                      std::chrono::milliseconds within = std::chrono::seconds(5)) {
  auto p = std::make_shared<std::promise<Result<int64_t>>>();
  auto f = p->get_future();
  fwd.Renew([urls] { return urls; }, id, std::chrono::steady_clock::now() + within,
            [p](Result<int64_t> r) { p->set_value(std::move(r)); });
  return Wait(f);
}

TEST(HttpLeaseForwarder, RenewsAtTheLeaderTryingEachUrl) {
  LeaseServer s;
  HttpLeaseForwarder fwd;
  // The first URL refuses connections; the forwarder moves on to the next.
  auto ttl = Renew(fwd, {"http://127.0.0.1:1", s.url()}, kKnown);
  ASSERT_TRUE(ttl.ok()) << ttl.status().ToString();
  EXPECT_EQ(*ttl, 30);
  auto missing = Renew(fwd, {s.url()}, 11);
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(missing.status().message(), lease::kErrLeaseNotFound);
}

TEST(HttpLeaseForwarder, GivesUpAtTheDeadlineWithEtcdsErrors) {
  LeaseServer s;
  HttpLeaseForwarder fwd;
  // A leader that keeps answering "not a primary lessor" is asked again until the deadline.
  auto busy = Renew(fwd, {s.url()}, kNotPrimary, std::chrono::milliseconds(300));
  EXPECT_TRUE(server::errors::kTimeout.Is(busy.status())) << busy.status().ToString();
  auto leaderless = Renew(fwd, {}, kKnown, std::chrono::milliseconds(300));
  EXPECT_TRUE(server::errors::kNoLeader.Is(leaderless.status())) << leaderless.status().ToString();
}

TEST(HttpLeaseForwarder, TimeToLiveComesFromTheLeader) {
  LeaseServer s;
  HttpLeaseForwarder fwd;
  etcdserverpb::LeaseTimeToLiveRequest req;
  req.set_id(kKnown);
  req.set_keys(true);
  auto p = std::make_shared<std::promise<Result<etcdserverpb::LeaseTimeToLiveResponse>>>();
  auto f = p->get_future();
  fwd.TimeToLive([url = s.url()] { return std::vector<std::string>{url}; }, req,
                 std::chrono::steady_clock::now() + std::chrono::seconds(5),
                 [p](Result<etcdserverpb::LeaseTimeToLiveResponse> r) { p->set_value(std::move(r)); });
  auto got = Wait(f);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->ttl(), 29);
  ASSERT_EQ(got->keys_size(), 1);
  EXPECT_EQ(got->keys(0), "k");
}

}  // namespace
}  // namespace etcdpp::peer
