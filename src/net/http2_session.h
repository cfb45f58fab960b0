// Http2Session: the server side of one HTTP/2 connection (nghttp2), carrying gRPC calls
// and plain HTTP requests. Lives on its connection's I/O thread; owned by the coroutines
// running it (shared_ptr, the connection's lifetime). Internal to net.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include "net/byte_stream.h"
#include "net/output_queue.h"
#include "net/session.h"

struct nghttp2_session;

namespace etcdpp::net {

class Http2Session : public Session, public OutputSink, public std::enable_shared_from_this<Http2Session> {
 public:
  Http2Session(std::unique_ptr<ByteStream> stream, SessionEnv env, boost::asio::any_io_executor executor);
  ~Http2Session() override;

  // Serves the connection until it ends. `initial` holds bytes already read (the preface).
  boost::asio::awaitable<void> Run(std::string initial);
  void Shutdown() override;
  void OnOutputReady(int32_t stream_id) override;

 private:
  struct Stream;
  struct Callbacks;

  boost::asio::awaitable<void> WriteLoop();
  boost::asio::awaitable<void> KeepaliveLoop();
  bool Feed(const uint8_t* data, size_t n);
  bool FillOutput();
  void Kick();
  void Close();

  void Dispatch(Stream& s);
  void DispatchGrpc(Stream& s);
  void StartDeadline(Stream& s, std::chrono::nanoseconds timeout);
  void DeliverGrpcData(Stream& s, const uint8_t* data, size_t n);
  void RemoteClosed(Stream& s);
  void DispatchHttp(Stream& s);
  void DispatchUpload(Stream& s);
  HttpRequest RequestHead(Stream& s);
  void StreamClosed(int32_t id, uint32_t error_code);
  void SubmitResponse(Stream& s);
  void OnPing();
  Stream* Find(int32_t id);

  std::unique_ptr<ByteStream> stream_;
  SessionEnv env_;
  nghttp2_session* h2_ = nullptr;
  std::map<int32_t, std::unique_ptr<Stream>> streams_;
  std::string out_;
  boost::asio::steady_timer wake_;
  boost::asio::steady_timer keepalive_timer_;
  bool closed_ = false;
  bool close_after_flush_ = false;
  bool activity_ = false;
  bool ping_acked_ = true;
  // Ping-rate enforcement (--grpc-keepalive-min-time).
  int ping_strikes_ = 0;
  bool reset_ping_strikes_ = false;
  std::chrono::steady_clock::time_point last_ping_{};
};

}  // namespace etcdpp::net
