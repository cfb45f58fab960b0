// net_testd: serves the net stack alone for end-to-end tests. Flags follow etcd's
// names: --listen-urls, --cert-file, --key-file, --trusted-ca-file, --client-cert-auth,
// --max-request-bytes, --max-concurrent-streams, --grpc-keepalive-{interval,timeout,
// min-time} (Go durations), plus --io-threads and --stream-send-bound-bytes. Prints
// "ready <address>..." once serving; stops cleanly on SIGTERM/SIGINT.
#include <signal.h>

#include <cstdio>
#include <iostream>
#include <map>
#include <sstream>
#include <string>

#include "api/health_handler.h"
#include "api/version_handler.h"
#include "echo_service.h"
#include "net/server.h"

namespace {

using namespace etcdpp;

std::map<std::string, std::string> ParseFlags(int argc, char** argv) {
  std::map<std::string, std::string> flags;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    while (!a.empty() && a[0] == '-') a.erase(0, 1);
    const size_t eq = a.find('=');
    if (eq != std::string::npos) {
      flags[a.substr(0, eq)] = a.substr(eq + 1);
    } else if (a == "client-cert-auth") {
      flags[a] = "true";
    } else if (i + 1 < argc) {
      flags[a] = argv[++i];
    }
  }
  return flags;
}

// "5s", "100ms", "2h" -> milliseconds.
std::chrono::milliseconds ParseDuration(const std::string& s) {
  size_t pos = 0;
  const double v = std::stod(s, &pos);
  const std::string unit = s.substr(pos);
  double ms = v * 1000;
  if (unit == "ms") ms = v;
  else if (unit == "m") ms = v * 60000;
  else if (unit == "h") ms = v * 3600000;
  return std::chrono::milliseconds(static_cast<long long>(ms));
}

int Run(std::map<std::string, std::string> flags) {
  net::ServerOptions options;
  if (flags.count("io-threads")) options.io_threads = std::stoi(flags["io-threads"]);
  if (flags.count("max-request-bytes")) {
    options.max_recv_message_bytes = std::stoul(flags["max-request-bytes"]) + 512 * 1024;
  }
  if (flags.count("max-concurrent-streams")) options.max_concurrent_streams = std::stoul(flags["max-concurrent-streams"]);
  if (flags.count("grpc-keepalive-interval")) options.keepalive_interval = ParseDuration(flags["grpc-keepalive-interval"]);
  if (flags.count("grpc-keepalive-timeout")) options.keepalive_timeout = ParseDuration(flags["grpc-keepalive-timeout"]);
  if (flags.count("grpc-keepalive-min-time")) options.keepalive_min_time = ParseDuration(flags["grpc-keepalive-min-time"]);
  if (flags.count("stream-send-bound-bytes")) options.stream_send_bound_bytes = std::stoul(flags["stream-send-bound-bytes"]);

  net::Router router;
  api::RegisterVersionHandler(router, [] { return std::string("3.4.0"); });
  api::RegisterHealthHandler(router, api::AlwaysHealthy());
  api::RegisterGrpcHealthService(router);
  nettest::RegisterEchoService(router, std::make_shared<nettest::EchoStats>());

  std::shared_ptr<const net::TlsContext> tls;
  net::TlsConfig tls_config{flags["cert-file"], flags["key-file"], flags["trusted-ca-file"],
                            flags["client-cert-auth"] == "true"};
  if (!tls_config.empty()) {
    auto created = net::TlsContext::Create(tls_config);
    if (!created.ok()) {
      std::cerr << "net_testd: " << created.status().message() << "\n";
      return 1;
    }
    tls = *created;
  }

  net::Server server(std::move(router), options);
  std::string urls = flags.count("listen-urls") ? flags["listen-urls"] : "http://127.0.0.1:2379";
  std::stringstream ss(urls);
  std::string url;
  std::string ready = "ready";
  while (std::getline(ss, url, ',')) {
    auto bound = server.Listen(url, tls);
    if (!bound.ok()) {
      std::cerr << "net_testd: " << bound.status().message() << "\n";
      return 1;
    }
    ready += " " + *bound;
  }
  if (Status st = server.Start(); !st.ok()) {
    std::cerr << "net_testd: " << st.message() << "\n";
    return 1;
  }
  std::cout << ready << std::endl;

  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  int sig = 0;
  sigwait(&set, &sig);
  server.Stop();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Block the stop signals before any thread starts so only sigwait sees them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);
  return Run(ParseFlags(argc, argv));
}
