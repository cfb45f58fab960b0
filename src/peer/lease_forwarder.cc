#include "peer/lease_forwarder.h"

#include <algorithm>
#include <map>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "lease/lessor.h"
#include "leasepb/lease_internal.pb.h"
#include "peer/http_connection.h"
#include "server/errors.h"

namespace etcdpp::peer {
namespace asio = boost::asio;
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kResponseLimitBytes = 4 * 1024 * 1024;  // a time-to-live may list many keys
constexpr std::chrono::milliseconds kExchangeTimeout{5000};
constexpr std::chrono::milliseconds kDialTimeout{1000};
// Between rounds over the leader's URLs (etcd retries at once; a pause keeps a member
// whose leader is unreachable from spinning).
constexpr std::chrono::milliseconds kRetryPause{100};

std::chrono::milliseconds Until(server::Deadline deadline, std::chrono::milliseconds cap) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return std::clamp(left, std::chrono::milliseconds(1), cap);
}

struct Answer {
  int status = 0;
  std::string body;
};

}  // namespace

// Idle keep-alive connections by URL.
struct HttpLeaseForwarder::Pool {
  static constexpr size_t kIdlePerUrl = 4;
  std::map<std::string, std::vector<std::unique_ptr<HttpConnection>>> idle;

  std::unique_ptr<HttpConnection> Take(const std::string& url) {
    auto it = idle.find(url);
    if (it == idle.end() || it->second.empty()) return nullptr;
    auto c = std::move(it->second.back());
    it->second.pop_back();
    c->Reset();
    return c;
  }
  void Give(const std::string& url, std::unique_ptr<HttpConnection> c) {
    auto& list = idle[url];
    if (c->reusable() && list.size() < kIdlePerUrl) list.push_back(std::move(c));
  }
};

namespace {

using Pool = HttpLeaseForwarder::Pool;

asio::awaitable<Result<Answer>> Exchange(HttpConnection& http, const std::string& request, server::Deadline deadline) {
  const auto timeout = Until(deadline, kExchangeTimeout);
  ETCDPP_CO_RETURN_IF_ERROR(co_await http.Write(request, timeout));
  ETCDPP_CO_RETURN_IF_ERROR(co_await http.ReadHead(timeout));
  Result<std::string> answer = co_await http.ReadWholeBody(kResponseLimitBytes, timeout);
  if (!answer.ok()) co_return answer.status();
  co_return Answer{http.status(), std::move(*answer)};
}

// One POST, on an idle connection when there is one (a stale one, closed by the server
// meanwhile, gets one more try on a fresh connection).
asio::awaitable<Result<Answer>> PostOnce(StreamDialer& dialer, Pool& pool, const std::string& url_text,
                                         std::string_view path, const std::string& body, server::Deadline deadline) {
  auto url = Url::Parse(url_text);
  if (!url.ok()) co_return url.status();
  HeaderList headers{{"Content-Type", "application/protobuf"}};
  const std::string request = EncodeRequestHead("POST", *url, path, headers, body.size()) + body;
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::unique_ptr<HttpConnection> http = pool.Take(url_text);
    const bool reused = http != nullptr;
    if (!http) {
      auto executor = co_await asio::this_coro::executor;
      auto dialed = co_await dialer.Dial(executor, *url, Until(deadline, kDialTimeout));
      if (!dialed.ok()) co_return dialed.status();
      http = std::make_unique<HttpConnection>(std::move(*dialed));
    }
    Result<Answer> a = co_await Exchange(*http, request, deadline);
    if (a.ok()) {
      pool.Give(url_text, std::move(http));
      co_return a;
    }
    if (!reused) co_return a;
  }
  co_return Unavailable("lease forwarding: no answer");
}

// Asks the leader until `accept` takes a 200 answer, a 404 arrives, or the deadline.
// `accept` parses the body and returns false for an answer to retry (wrong ID, garbage).
asio::awaitable<Status> AskLeader(StreamDialer& dialer, Pool& pool, server::LeaderUrls leader, std::string_view path,
                                  std::string body, server::Deadline deadline,
                                  std::function<bool(const std::string&)> accept) {
  bool saw_leader = false;
  asio::steady_timer pause(co_await asio::this_coro::executor);
  while (Clock::now() < deadline) {
    std::vector<std::string> urls = leader();
    saw_leader = saw_leader || !urls.empty();
    for (const auto& url : urls) {
      Result<Answer> a = co_await PostOnce(dialer, pool, url, path, body, deadline);
      if (!a.ok()) continue;
      if (a->status == 404) co_return NotFound(std::string(lease::kErrLeaseNotFound));
      if (a->status == 200 && accept(a->body)) co_return Status();
    }
    pause.expires_after(std::min(kRetryPause, Until(deadline, kRetryPause)));
    boost::system::error_code ec;
    co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  co_return saw_leader ? server::errors::kTimeout.status() : server::errors::kNoLeader.status();
}

}  // namespace

HttpLeaseForwarder::HttpLeaseForwarder(std::unique_ptr<StreamDialer> dialer)
    : dialer_(dialer ? std::move(dialer) : MakeTcpDialer()),
      pool_(std::make_unique<Pool>()),
      io_(std::make_unique<asio::io_context>(1)) {
  thread_ = std::thread([io = io_.get()] {
    auto work = asio::make_work_guard(*io);
    io->run();
  });
}

HttpLeaseForwarder::~HttpLeaseForwarder() {
  Stop();
  io_.reset();  // destroys the coroutines still parked on it
  pool_.reset();
}

void HttpLeaseForwarder::Stop() {
  io_->stop();
  if (thread_.joinable()) thread_.join();
}

void HttpLeaseForwarder::Renew(server::LeaderUrls leader, int64_t id, server::Deadline deadline,
                               std::function<void(Result<int64_t>)> done) {
  etcdserverpb::LeaseKeepAliveRequest req;
  req.set_id(id);
  asio::co_spawn(
      *io_,
      [this, leader = std::move(leader), id, body = req.SerializeAsString(), deadline,
       done = std::move(done)]() -> asio::awaitable<void> {
        int64_t ttl = -1;
        Status s = co_await AskLeader(*dialer_, *pool_, leader, kLeasePath, body, deadline, [&](const std::string& b) {
          etcdserverpb::LeaseKeepAliveResponse resp;
          if (!resp.ParseFromString(b) || resp.id() != id) return false;
          ttl = resp.ttl();
          return true;
        });
        if (!s.ok()) {
          done(s);
        } else {
          done(ttl);
        }
      },
      asio::detached);
}

void HttpLeaseForwarder::TimeToLive(server::LeaderUrls leader, etcdserverpb::LeaseTimeToLiveRequest r,
                                    server::Deadline deadline,
                                    std::function<void(Result<etcdserverpb::LeaseTimeToLiveResponse>)> done) {
  leasepb::LeaseInternalRequest req;
  const int64_t id = r.id();
  *req.mutable_leasetimetoliverequest() = std::move(r);
  asio::co_spawn(
      *io_,
      [this, leader = std::move(leader), id, body = req.SerializeAsString(), deadline,
       done = std::move(done)]() -> asio::awaitable<void> {
        etcdserverpb::LeaseTimeToLiveResponse out;
        Status s = co_await AskLeader(*dialer_, *pool_, leader, kLeaseInternalPath, body, deadline, [&](const std::string& b) {
          leasepb::LeaseInternalResponse resp;
          if (!resp.ParseFromString(b) || resp.leasetimetoliveresponse().id() != id) return false;
          out = resp.leasetimetoliveresponse();
          return true;
        });
        if (!s.ok()) {
          done(s);
        } else {
          done(std::move(out));
        }
      },
      asio::detached);
}

}  // namespace etcdpp::peer
