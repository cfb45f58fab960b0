#include "echo_service.h"

#include <charconv>
#include <string>

namespace etcdpp::nettest {
namespace {

long ToLong(std::string_view s) {
  long v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

// Sends `remaining` messages of `size` bytes, pausing whenever the stream's queue is over
// its bound and resuming from OnWritable: memory stays bounded however slow the client.
struct Streamer {
  net::ServerStream stream;
  long remaining;
  long size;
  void Pump() {
    while (remaining > 0) {
      if (stream.over_send_bound()) return;  // OnWritable calls Pump again
      if (!stream.Write(std::string(static_cast<size_t>(size), 'x'))) return;
      --remaining;
    }
    stream.Finish(net::GrpcStatus::Ok());
  }
};

void RegisterStreaming(net::Router& router, const std::shared_ptr<EchoStats>& stats) {
  // Request "count size": count messages of size bytes each.
  router.AddStream("/nettest.Echo/ServerStream", [stats](net::ServerStream stream) {
    stats->active++;
    stream.OnMessage([stream](std::string request) {
      const size_t space = request.find(' ');
      auto streamer = std::make_shared<Streamer>(Streamer{stream, ToLong(request.substr(0, space)),
                                                          ToLong(request.substr(space + 1))});
      stream.OnWritable([streamer] { streamer->Pump(); });
      streamer->Pump();
    });
    stream.OnDone([stats](bool cancelled) {
      stats->active--;
      (cancelled ? stats->cancelled : stats->finished)++;
    });
  });
  // Answers "<messages> <bytes>" once the client half-closes.
  router.AddStream("/nettest.Echo/ClientStream", [](net::ServerStream stream) {
    auto totals = std::make_shared<std::pair<long, long>>(0, 0);
    stream.OnMessage([totals](std::string m) {
      totals->first++;
      totals->second += static_cast<long>(m.size());
    });
    stream.OnHalfClose([stream, totals] {
      stream.Write(std::to_string(totals->first) + " " + std::to_string(totals->second));
      stream.Finish(net::GrpcStatus::Ok());
    });
    stream.OnDone([](bool) {});
  });
  // Echoes every message as it arrives; finishes when the client does.
  router.AddStream("/nettest.Echo/Bidi", [](net::ServerStream stream) {
    stream.OnMessage([stream](std::string m) { stream.Write(std::move(m)); });
    stream.OnHalfClose([stream] { stream.Finish(net::GrpcStatus::Ok()); });
    stream.OnDone([](bool) {});
  });
  // Never answers: ends only by deadline, client cancel or disconnect.
  router.AddStream("/nettest.Echo/Hang", [stats](net::ServerStream stream) {
    stats->active++;
    stream.OnDone([stats](bool cancelled) {
      stats->active--;
      (cancelled ? stats->cancelled : stats->finished)++;
    });
  });
}

}  // namespace

void RegisterEchoService(net::Router& router, std::shared_ptr<EchoStats> stats) {
  router.AddUnary("/nettest.Echo/Unary", [](const net::CallContext&, std::string request,
                                            net::UnaryResponder responder) {
    responder.Finish(net::GrpcStatus::Ok(), std::move(request));
  });
  // The value of the request metadata key named by the request.
  router.AddUnary("/nettest.Echo/Metadata", [](const net::CallContext& ctx, std::string request,
                                               net::UnaryResponder responder) {
    responder.Finish(net::GrpcStatus::Ok(), std::string(ctx.Metadata(request)));
  });
  // The Common Name of the verified client certificate (empty without one).
  router.AddUnary("/nettest.Echo/PeerCommonName", [](const net::CallContext& ctx, std::string,
                                                     net::UnaryResponder responder) {
    responder.Finish(net::GrpcStatus::Ok(), ctx.peer_cert_cn);
  });
  // One message of the requested size.
  router.AddUnary("/nettest.Echo/Large", [](const net::CallContext&, std::string request,
                                            net::UnaryResponder responder) {
    responder.Finish(net::GrpcStatus::Ok(), std::string(static_cast<size_t>(ToLong(request)), 'L'));
  });
  // "<code> <message>": fails with that status.
  router.AddUnary("/nettest.Echo/Error", [](const net::CallContext&, std::string request,
                                            net::UnaryResponder responder) {
    const size_t space = request.find(' ');
    responder.Finish({static_cast<net::GrpcCode>(ToLong(request.substr(0, space))),
                      space == std::string::npos ? "" : request.substr(space + 1)});
  });
  router.AddUnary("/nettest.Echo/Stats", [stats](const net::CallContext&, std::string,
                                                 net::UnaryResponder responder) {
    responder.Finish(net::GrpcStatus::Ok(), std::to_string(stats->cancelled.load()) + " " +
                                                std::to_string(stats->finished.load()) + " " +
                                                std::to_string(stats->active.load()));
  });
  RegisterStreaming(router, stats);
  // GET /nettest/stream?n=N: N chunks of "chunk i\n", streamed.
  router.AddHttp("/nettest/stream", [](const net::HttpRequest& req, net::HttpResponder responder) {
    const long n = req.query.rfind("n=", 0) == 0 ? ToLong(req.query.substr(2)) : 3;
    responder.StartStream(200, {{"content-type", "text/plain"}});
    for (long i = 0; i < n; ++i) responder.Write("chunk " + std::to_string(i) + "\n");
    responder.End();
  });
  router.AddHttp("/nettest/echo", [](const net::HttpRequest& req, net::HttpResponder responder) {
    responder.Respond({200, {{"content-type", "application/octet-stream"}}, req.body});
  });
}

}  // namespace etcdpp::nettest
