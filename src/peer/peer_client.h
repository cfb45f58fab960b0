// PeerClient: one-off HTTP/1.1 exchanges with other members' peer ports — the
// membership a joining member asks for (GET /members) and a learner promotion a
// follower passes to the leader (POST /members/promote/<id>). Each exchange dials, sends
// one request and reads the whole answer; nothing is kept open.
//
// Threads: the exchanges run on the client's own thread. Call() may be used from any
// thread (`done` runs on the client thread and must not block); CallAndWait() from any
// thread but that one. Stop() (also by the destructor) drops exchanges in flight
// without running their `done`.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "base/status.h"
#include "peer/http_connection.h"
#include "peer/peer_stream.h"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace etcdpp::peer {

struct PeerRequest {
  std::string method = "GET";
  std::string url;   // a peer URL: "http://127.0.0.1:2380"
  std::string path;  // "/members"
  HeaderList headers;
  std::string body;
  std::chrono::milliseconds timeout{5000};  // dial, write and read together
  size_t response_bytes_max = size_t{4} << 20;
  std::vector<std::string> keep_headers;  // response headers to return (lower-case)
};

struct PeerAnswer {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // those asked for in keep_headers
};

// The exchange itself, for coroutines of other peer clients.
boost::asio::awaitable<Result<PeerAnswer>> ExchangeOnce(StreamDialer& dialer, const PeerRequest& request);

class PeerClient {
 public:
  // `dialer` null: plain TCP.
  explicit PeerClient(std::unique_ptr<StreamDialer> dialer = nullptr);
  ~PeerClient();
  PeerClient(const PeerClient&) = delete;
  PeerClient& operator=(const PeerClient&) = delete;

  void Call(PeerRequest request, std::function<void(Result<PeerAnswer>)> done);
  Result<PeerAnswer> CallAndWait(PeerRequest request);
  void Stop();

 private:
  std::unique_ptr<StreamDialer> dialer_;
  std::unique_ptr<boost::asio::io_context> io_;
  std::thread thread_;
};

}  // namespace etcdpp::peer
