#include "peer/peer_client.h"

#include <algorithm>
#include <future>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace etcdpp::peer {
namespace asio = boost::asio;

asio::awaitable<Result<PeerAnswer>> ExchangeOnce(StreamDialer& dialer, const PeerRequest& request) {
  auto url = Url::Parse(request.url);
  if (!url.ok()) co_return url.status();
  auto executor = co_await asio::this_coro::executor;
  auto dialed = co_await dialer.Dial(executor, *url, request.timeout);
  if (!dialed.ok()) co_return dialed.status();
  HttpConnection http(std::move(*dialed));
  std::optional<uint64_t> length;
  if (request.method != "GET" || !request.body.empty()) length = request.body.size();
  std::string bytes = EncodeRequestHead(request.method, *url, request.path, request.headers, length) + request.body;
  ETCDPP_CO_RETURN_IF_ERROR(co_await http.Write(bytes, request.timeout));
  ETCDPP_CO_RETURN_IF_ERROR(co_await http.ReadHead(request.timeout));
  Result<std::string> body = co_await http.ReadWholeBody(request.response_bytes_max, request.timeout);
  if (!body.ok()) co_return body.status();
  PeerAnswer answer;
  answer.status = http.status();
  answer.body = std::move(*body);
  for (const auto& name : request.keep_headers) answer.headers[name] = std::string(http.Header(name));
  co_return answer;
}

PeerClient::PeerClient(std::unique_ptr<StreamDialer> dialer)
    : dialer_(dialer ? std::move(dialer) : MakeTcpDialer()), io_(std::make_unique<asio::io_context>(1)) {
  thread_ = std::thread([io = io_.get()] {
    auto work = asio::make_work_guard(*io);
    io->run();
  });
}

PeerClient::~PeerClient() {
  Stop();
  io_.reset();  // destroys the coroutines still parked on it
}

void PeerClient::Stop() {
  io_->stop();
  if (thread_.joinable()) thread_.join();
}

void PeerClient::Call(PeerRequest request, std::function<void(Result<PeerAnswer>)> done) {
  asio::co_spawn(
      *io_,
      [this, request = std::move(request), done = std::move(done)]() -> asio::awaitable<void> {
        done(co_await ExchangeOnce(*dialer_, request));
      },
      asio::detached);
}

Result<PeerAnswer> PeerClient::CallAndWait(PeerRequest request) {
  auto promise = std::make_shared<std::promise<Result<PeerAnswer>>>();
  auto future = promise->get_future();
  const auto limit = request.timeout + std::chrono::seconds(1);
  Call(std::move(request), [promise](Result<PeerAnswer> r) { promise->set_value(std::move(r)); });
  // The exchange has its own timeout; this bound only covers a stopped client.
  if (future.wait_for(limit) != std::future_status::ready) return Unavailable("peer exchange timed out");
  return future.get();
}

}  // namespace etcdpp::peer
