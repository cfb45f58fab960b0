#include "gateway/tcp_proxy.h"

#include <array>
#include <charconv>
#include <functional>
#include <random>

#include <boost/asio.hpp>

#include "base/flag_set.h"
#include "base/go_errors.h"
#include "base/url.h"

namespace etcdpp::gateway {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using ErrorCode = boost::system::error_code;

constexpr char kPkg[] = "proxy/tcpproxy";
constexpr size_t kBufferBytes = 32 << 10;

std::string GoText(const ErrorCode& ec) { return GoErrorText(ec.message()); }

// A duration as zap's production encoder writes it: seconds, as a JSON number.
LogField Seconds(std::string key, std::chrono::nanoseconds d) {
  char buf[64];
  const double s = static_cast<double>(d.count()) / 1e9;
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, s);
  std::string json(buf, ec == std::errc() ? end : buf);
  return LogField{std::move(key), json, FormatGoDuration(d)};
}

}  // namespace

struct TcpProxy::Impl {
  asio::io_context io;
  tcp::acceptor acceptor{io};
  asio::steady_timer monitor{io};
  asio::steady_timer accept_pause{io};
  TcpProxyOptions options;
  size_t round = 0;
  std::mt19937 rng{std::random_device{}()};

  void Log(LogLevel level, std::string_view msg, std::initializer_list<LogField> fields) {
    if (options.log != nullptr) options.log->Log(level, kPkg, msg, fields);
  }

  // Resolves the remote's host and connects to the first address that answers; `done`
  // gets Go's "dial tcp ..." text on failure.
  void Dial(const Remote& remote, std::shared_ptr<tcp::socket> socket,
            std::function<void(const std::string& error)> done) {
    auto resolver = std::make_shared<tcp::resolver>(io);
    const std::string address = remote.Address();
    resolver->async_resolve(
        remote.host, std::to_string(remote.port),
        [resolver, socket, address, done = std::move(done)](const ErrorCode& ec, tcp::resolver::results_type found) {
          if (ec) return done("dial tcp: lookup " + address + ": " + GoText(ec));
          asio::async_connect(*socket, found, [socket, address, done](const ErrorCode& cec, const tcp::endpoint&) {
            done(cec ? "dial tcp " + address + ": connect: " + GoText(cec) : std::string());
          });
        });
  }

  void Accept();
  void ScheduleMonitor();
};

namespace {

// One client connection and its forwarded connection.
class Forward : public std::enable_shared_from_this<Forward> {
 public:
  Forward(TcpProxy::Impl& proxy, tcp::socket client)
      : proxy_(proxy), client_(std::move(client)), upstream_(std::make_shared<tcp::socket>(proxy.io)) {}

  void Start() { DialNext(); }

 private:
  void DialNext() {
    auto& remotes = proxy_.options.remotes;
    const int i = PickRemote(remotes, &proxy_.round, proxy_.rng);
    if (i < 0) return Close();
    auto self = shared_from_this();
    upstream_ = std::make_shared<tcp::socket>(proxy_.io);
    proxy_.Dial(remotes[i], upstream_, [self, i](const std::string& error) {
      if (error.empty()) {
        self->Pipe(self->client_, *self->upstream_, self->up_);
        self->Pipe(*self->upstream_, self->client_, self->down_);
        return;
      }
      Remote& r = self->proxy_.options.remotes[i];
      r.active = false;
      self->proxy_.Log(LogLevel::kWarn, "deactivated endpoint",
                       {LogField::Str("address", r.Address()), Seconds("interval", self->proxy_.options.retry_delay),
                        LogField::Str("error", error)});
      self->DialNext();
    });
  }

  void Pipe(tcp::socket& from, tcp::socket& to, std::array<char, kBufferBytes>& buf) {
    auto self = shared_from_this();
    from.async_read_some(asio::buffer(buf), [self, &from, &to, &buf](const ErrorCode& ec, size_t n) {
      if (ec) return self->Close();
      asio::async_write(to, asio::buffer(buf.data(), n), [self, &from, &to, &buf](const ErrorCode& wec, size_t) {
        if (wec) return self->Close();
        self->Pipe(from, to, buf);
      });
    });
  }

  // Either side ended: both connections close, as etcd's proxy does.
  void Close() {
    ErrorCode ignored;
    client_.close(ignored);
    upstream_->close(ignored);
  }

  TcpProxy::Impl& proxy_;
  tcp::socket client_;
  std::shared_ptr<tcp::socket> upstream_;
  std::array<char, kBufferBytes> up_{};
  std::array<char, kBufferBytes> down_{};
};

}  // namespace

void TcpProxy::Impl::Accept() {
  acceptor.async_accept([this](const ErrorCode& ec, tcp::socket client) {
    if (ec == asio::error::operation_aborted) return;
    if (!ec) {
      std::make_shared<Forward>(*this, std::move(client))->Start();
      return Accept();
    }
    // Out of descriptors or similar: try again shortly rather than spin.
    accept_pause.expires_after(std::chrono::milliseconds(50));
    accept_pause.async_wait([this](const ErrorCode& wec) {
      if (!wec) Accept();
    });
  });
}

void TcpProxy::Impl::ScheduleMonitor() {
  monitor.expires_after(options.retry_delay);
  monitor.async_wait([this](const ErrorCode& ec) {
    if (ec) return;
    for (size_t i = 0; i < options.remotes.size(); ++i) {
      if (options.remotes[i].active) continue;
      auto probe = std::make_shared<tcp::socket>(io);
      Dial(options.remotes[i], probe, [this, i, probe](const std::string& error) {
        Remote& r = options.remotes[i];
        if (!error.empty()) {
          Log(LogLevel::kWarn, "failed to activate endpoint (stay inactive for another interval)",
              {LogField::Str("address", r.Address()), Seconds("interval", options.retry_delay),
               LogField::Str("error", error)});
          return;
        }
        ErrorCode ignored;
        probe->close(ignored);
        r.active = true;
        Log(LogLevel::kInfo, "activated", {LogField::Str("address", r.Address())});
      });
    }
    ScheduleMonitor();
  });
}

TcpProxy::TcpProxy(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TcpProxy::~TcpProxy() = default;

Result<std::unique_ptr<TcpProxy>> TcpProxy::Listen(const std::string& listen_addr, TcpProxyOptions options) {
  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  auto hp = SplitHostPort(listen_addr);
  if (!hp.ok()) return InvalidArgument("listen tcp " + hp.status().message());
  ErrorCode ec;
  tcp::resolver resolver(impl->io);
  auto found = resolver.resolve(hp->first.empty() ? "0.0.0.0" : hp->first, hp->second, ec);
  if (ec || found.empty()) return InvalidArgument("listen tcp " + listen_addr + ": " + GoText(ec));
  const tcp::endpoint at = found.begin()->endpoint();
  impl->acceptor.open(at.protocol(), ec);
  if (!ec) impl->acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(at, ec);
  if (ec) return IoError("listen tcp " + listen_addr + ": bind: " + GoText(ec));
  impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return IoError("listen tcp " + listen_addr + ": listen: " + GoText(ec));
  return std::unique_ptr<TcpProxy>(new TcpProxy(std::move(impl)));
}

uint16_t TcpProxy::port() const {
  ErrorCode ec;
  return impl_->acceptor.local_endpoint(ec).port();
}

void TcpProxy::Run() {
  std::vector<std::string> endpoints;
  for (const Remote& r : impl_->options.remotes) endpoints.push_back(r.Address());
  impl_->Log(LogLevel::kInfo, "ready to proxy client requests", {LogField::Strs("endpoints", endpoints)});
  impl_->Accept();
  impl_->ScheduleMonitor();
  impl_->io.run();
}

void TcpProxy::Stop() { impl_->io.stop(); }

}  // namespace etcdpp::gateway
