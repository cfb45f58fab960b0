// Http1Session: the server side of one HTTP/1.1 connection (Beast's parser), one
// request at a time in order (keep-alive, no concurrent pipelining). A request body is
// either collected whole (up to max_http_body_bytes) for an HttpHandler or handed piece
// by piece to an HttpUpload. Lives on its connection's I/O thread; owned by the
// coroutine running it. Internal to net.
#pragma once

#include <memory>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/http/parser.hpp>

#include "net/byte_stream.h"
#include "net/http1_callback_body.h"
#include "net/http_types.h"
#include "net/http_upload.h"
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
  using Parser = boost::beast::http::request_parser<CallbackBody>;

  // Feeds buffered, then newly read, bytes to the parser until its header (`whole`:
  // the whole request) is parsed. Returns a parse error, or sets `closed` when the
  // connection ended or failed first.
  boost::asio::awaitable<boost::beast::error_code> Parse(Parser& parser, bool whole, bool& closed);
  // Reads the next request's head into `request`; false when the connection should end.
  boost::asio::awaitable<bool> ReadHead(Parser& parser, HttpRequest& request, bool& keep_alive);
  // Reads the body into request.body (bounded); false when the connection should end.
  boost::asio::awaitable<bool> ReadBody(Parser& parser, HttpRequest& request);
  // Streams the body to the route's upload handler; false when the connection should end.
  boost::asio::awaitable<bool> ReadUpload(Parser& parser, const HttpRequest& head, bool& keep_alive);
  // Answers "Expect: 100-continue" before the body is read; false on a write failure.
  boost::asio::awaitable<bool> MaybeSendContinue(Parser& parser);
  boost::asio::awaitable<void> WriteParseError(boost::beast::error_code ec);
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
  std::unique_ptr<HttpUpload> upload_;  // the current request's, while its body is read
  int32_t next_id_ = 1;
  bool ready_ = false;
  bool closed_ = false;
};

}  // namespace etcdpp::net
