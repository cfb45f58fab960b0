#include "net/server.h"

#include <sys/resource.h>
#include <unistd.h>

#include <thread>
#include <variant>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "net/connection.h"
#include "net/listen_url.h"
#include "net/loop.h"
#include "net/session.h"

namespace etcdpp::net {
namespace asio = boost::asio;
using asio::ip::tcp;
using unix_socket = asio::local::stream_protocol;

namespace {

// One I/O thread: its io_context, the handle producers post through, its sessions.
struct IoThread {
  explicit IoThread(std::atomic<size_t>* open_count) : registry(open_count) {}
  SessionRegistry registry;  // declared before context: sessions deregister while it dies
  asio::io_context context{1};
  std::shared_ptr<Loop> loop = std::make_shared<Loop>(context);
  std::thread thread;
};

struct Listener {
  ListenUrl url;
  std::variant<tcp::acceptor, unix_socket::acceptor> acceptor;
  std::shared_ptr<const TlsContext> tls;
  bool plaintext = false;
};

// Lets a server serve more idle connections than the default soft limit allows.
void RaiseOpenFileLimit() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
}

}  // namespace

struct Server::Impl {
  Router router;
  ServerOptions options;
  std::atomic<size_t> open_count{0};
  std::vector<std::unique_ptr<IoThread>> threads;
  std::vector<std::unique_ptr<Listener>> listeners;
  size_t next_thread = 0;  // accept loops run on thread 0 only
  bool started = false;
  bool stopped = false;

  IoThread& NextThread() {
    IoThread& t = *threads[next_thread];
    next_thread = (next_thread + 1) % threads.size();
    return t;
  }

  template <typename Acceptor>
  asio::awaitable<void> AcceptLoop(Acceptor& acceptor, Listener& l) {
    asio::steady_timer backoff(threads[0]->context);
    for (;;) {
      IoThread& t = NextThread();
      boost::system::error_code ec;
      auto socket = co_await acceptor.async_accept(t.context, asio::redirect_error(asio::use_awaitable, ec));
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
      if (ec) {  // out of descriptors and the like: pause rather than spin
        backoff.expires_after(std::chrono::milliseconds(50));
        co_await backoff.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        continue;
      }
      ConnectionSetup setup;
      setup.env.router = &router;
      setup.env.options = &options;
      setup.env.loop = t.loop;
      setup.env.registry = &t.registry;
      setup.tls = l.tls;
      setup.plaintext = l.plaintext;
      asio::co_spawn(t.context, ServeConnection(std::move(socket), std::move(setup)), asio::detached);
    }
  }
};

Server::Server(Router router, ServerOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->router = std::move(router);
  impl_->options = options;
  int n = options.io_threads > 0 ? options.io_threads : static_cast<int>(std::thread::hardware_concurrency());
  if (n <= 0) n = 1;
  for (int i = 0; i < n; ++i) impl_->threads.push_back(std::make_unique<IoThread>(&impl_->open_count));
}

Server::~Server() { Stop(); }

size_t Server::connection_count() const { return impl_->open_count.load(std::memory_order_relaxed); }

Result<std::string> Server::Listen(std::string_view url_text, std::shared_ptr<const TlsContext> tls) {
  ETCDPP_CHECK(!impl_->started, "Listen after Start");
  ETCDPP_ASSIGN_OR_RETURN(ListenUrl url, ParseListenUrl(url_text));
  if (url.secure && tls == nullptr) {
    return InvalidArgument("TLS key/cert (--cert-file, --key-file) must be provided for client url " +
                           std::string(url_text) + " with HTTPS scheme");
  }
  // The same address listed as both http and https serves both.
  for (auto& l : impl_->listeners) {
    if (l->url.Address() == url.Address() && l->url.is_unix == url.is_unix) {
      if (url.secure) l->tls = tls;
      else l->plaintext = true;
      return l->url.Address();
    }
  }
  asio::io_context& ctx = impl_->threads[0]->context;
  boost::system::error_code ec;
  std::unique_ptr<Listener> l;
  if (url.is_unix) {
    unix_socket::acceptor a(ctx);
    unix_socket::endpoint ep(url.path);
    a.open(ep.protocol(), ec);
    if (!ec) a.bind(ep, ec);
    if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return Unavailable("listen unix " + url.path + ": " + ec.message());
    l = std::make_unique<Listener>(Listener{url, std::move(a), nullptr, false});
  } else {
    // etcd binds "localhost" as the IPv4 loopback and an empty host as every address.
    const std::string host = url.host.empty() ? "0.0.0.0" : url.host == "localhost" ? "127.0.0.1" : url.host;
    auto address = asio::ip::make_address(host, ec);
    if (ec) return InvalidArgument("expected IP in URL for binding (" + std::string(url_text) + ")");
    tcp::endpoint ep(address, url.port);
    tcp::acceptor a(ctx);
    a.open(ep.protocol(), ec);
    if (!ec) a.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) a.bind(ep, ec);
    if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return Unavailable("listen tcp " + url.Address() + ": bind: " + ec.message());
    url.port = a.local_endpoint().port();
    l = std::make_unique<Listener>(Listener{url, std::move(a), nullptr, false});
  }
  if (url.secure) l->tls = std::move(tls);
  else l->plaintext = true;
  std::string address = l->url.Address();
  impl_->listeners.push_back(std::move(l));
  return address;
}

Status Server::Start() {
  ETCDPP_CHECK(!impl_->started, "Start twice");
  impl_->started = true;
  RaiseOpenFileLimit();
  for (auto& l : impl_->listeners) {
    std::visit(
        [&](auto& acceptor) {
          asio::co_spawn(impl_->threads[0]->context, impl_->AcceptLoop(acceptor, *l), asio::detached);
        },
        l->acceptor);
  }
  for (auto& t : impl_->threads) {
    IoThread* raw = t.get();
    raw->thread = std::thread([raw] {
      auto guard = asio::make_work_guard(raw->context);
      raw->context.run();
    });
  }
  return Status::Ok();
}

void Server::Stop() {
  if (impl_->stopped) return;
  impl_->stopped = true;
  if (impl_->started) {
    asio::post(impl_->threads[0]->context, [this] {
      for (auto& l : impl_->listeners) {
        std::visit([](auto& a) {
          boost::system::error_code ec;
          a.close(ec);
        }, l->acceptor);
      }
    });
    for (auto& t : impl_->threads) {
      asio::post(t->context, [raw = t.get()] { raw->registry.ShutdownAll(); });
    }
    // Give closing sessions a moment to run their cancellation callbacks on their threads.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (impl_->open_count.load() > 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    for (auto& t : impl_->threads) t->context.stop();
    for (auto& t : impl_->threads) {
      if (t->thread.joinable()) t->thread.join();
    }
  }
  for (auto& t : impl_->threads) t->loop->Detach();
  for (auto& l : impl_->listeners) {
    if (l->url.is_unix) ::unlink(l->url.path.c_str());
  }
  impl_->listeners.clear();
  impl_->threads.clear();
}

}  // namespace etcdpp::net
