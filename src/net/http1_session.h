// Http1Session: the server side of one HTTP/1.1 connection (Beast's parser), one
// request at a time in order (keep-alive, no concurrent pipelining). Lives on its
// connection's I/O thread; owned by the coroutine running it. Internal to net.
#pragma once

#include <memory>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include "net/byte_stream.h"
#include "net/http_types.h"
#include "net/output_queue.h"
#include "net/session.h"

namespace etcdpp::net {

class Http1Session : public Session, public OutputSink, public std::enable_shared_from_this<Http1Session> {
 public:
  Http1Session(std::unique_ptr<ByteStream> stream, SessionEnv env, boost::asio::any_io_executor executor);
  ~Http1Session() override;

  // Serves requests until the connection ends. `initial` holds bytes already read.
  boost::asio::awaitable<void> Run(std::string initial);
  void Shutdown() override;
  void OnOutputReady(int32_t stream_id) override;

 private:
  // Reads one request into `request`; false when the connection should end.
  boost::asio::awaitable<bool> ReadRequest(HttpRequest& request, bool& keep_alive);
  // Sends the response to the current request; false when the connection should end.
  boost::asio::awaitable<bool> SendResponse(OutputQueue& out, const HttpRequest& request, bool keep_alive);
  boost::asio::awaitable<void> WriteError(int status, std::string_view body);
  void Close();

  std::unique_ptr<ByteStream> stream_;
  SessionEnv env_;
  boost::asio::steady_timer wake_;
  std::string in_;
  std::unique_ptr<char[]> read_buf_;
  std::shared_ptr<OutputQueue> current_;
  int32_t next_id_ = 1;
  bool ready_ = false;
  bool closed_ = false;
};

}  // namespace etcdpp::net
