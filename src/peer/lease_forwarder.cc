#include "peer/lease_forwarder.h"

#include <algorithm>

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

asio::awaitable<Result<Answer>> PostOnce(StreamDialer& dialer, const std::string& url_text, std::string_view path,
                                         const std::string& body, server::Deadline deadline) {
  auto url = Url::Parse(url_text);
  if (!url.ok()) co_return url.status();
  auto executor = co_await asio::this_coro::executor;
  auto dialed = co_await dialer.Dial(executor, *url, Until(deadline, kDialTimeout));
  if (!dialed.ok()) co_return dialed.status();
  HttpConnection http(std::move(*dialed));
  HeaderList headers{{"Content-Type", "application/protobuf"}};
  std::string request = EncodeRequestHead("POST", *url, path, headers, body.size()) + body;
  const auto timeout = Until(deadline, kExchangeTimeout);
  ETCDPP_CO_RETURN_IF_ERROR(co_await http.Write(request, timeout));
  ETCDPP_CO_RETURN_IF_ERROR(co_await http.ReadHead(timeout));
  Result<std::string> answer = co_await http.ReadWholeBody(kResponseLimitBytes, timeout);
  if (!answer.ok()) co_return answer.status();
  co_return Answer{http.status(), std::move(*answer)};
}

// Asks the leader until `accept` takes a 200 answer, a 404 arrives, or the deadline.
// `accept` parses the body and returns false for an answer to retry (wrong ID, garbage).
asio::awaitable<Status> AskLeader(StreamDialer& dialer, server::LeaderUrls leader, std::string_view path,
                                  std::string body, server::Deadline deadline,
                                  std::function<bool(const std::string&)> accept) {
  bool saw_leader = false;
  asio::steady_timer pause(co_await asio::this_coro::executor);
  while (Clock::now() < deadline) {
    std::vector<std::string> urls = leader();
    saw_leader = saw_leader || !urls.empty();
    for (const auto& url : urls) {
      Result<Answer> a = co_await PostOnce(dialer, url, path, body, deadline);
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
    : dialer_(dialer ? std::move(dialer) : MakeTcpDialer()), io_(std::make_unique<asio::io_context>(1)) {
  thread_ = std::thread([io = io_.get()] {
    auto work = asio::make_work_guard(*io);
    io->run();
  });
}

HttpLeaseForwarder::~HttpLeaseForwarder() {
  Stop();
  io_.reset();  // destroys the coroutines still parked on it
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
        Status s = co_await AskLeader(*dialer_, leader, kLeasePath, body, deadline, [&](const std::string& b) {
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
        Status s = co_await AskLeader(*dialer_, leader, kLeaseInternalPath, body, deadline, [&](const std::string& b) {
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
