#include "cmd/etcd-bench/client_pool.h"

#include <chrono>
#include <fstream>
#include <sstream>

namespace etcdpp::bench {
namespace {

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return IoError("cannot read " + path);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

Result<std::shared_ptr<grpc::ChannelCredentials>> Credentials(const Options& o, bool tls) {
  if (!tls && o.cacert.empty() && o.cert.empty()) return grpc::InsecureChannelCredentials();
  grpc::SslCredentialsOptions ssl;
  if (!o.cacert.empty()) {
    ETCDPP_ASSIGN_OR_RETURN(ssl.pem_root_certs, ReadFile(o.cacert));
  }
  if (!o.cert.empty()) {
    ETCDPP_ASSIGN_OR_RETURN(ssl.pem_cert_chain, ReadFile(o.cert));
    ETCDPP_ASSIGN_OR_RETURN(ssl.pem_private_key, ReadFile(o.key));
  }
  return grpc::SslCredentials(ssl);
}

}  // namespace

std::string EndpointTarget(const std::string& endpoint, bool* tls) {
  *tls = false;
  std::string e = endpoint;
  if (e.rfind("https://", 0) == 0) {
    *tls = true;
    e = e.substr(8);
  } else if (e.rfind("http://", 0) == 0) {
    e = e.substr(7);
  }
  while (!e.empty() && e.back() == '/') e.pop_back();
  return e;
}

Result<std::unique_ptr<ClientPool>> ClientPool::Connect(const Options& o) {
  auto pool = std::unique_ptr<ClientPool>(new ClientPool());
  for (int i = 0; i < o.conns; ++i) {
    bool tls = false;
    std::string target = EndpointTarget(o.endpoints[i % o.endpoints.size()], &tls);
    ETCDPP_ASSIGN_OR_RETURN(auto creds, Credentials(o, tls));
    grpc::ChannelArguments args;
    // Without these, channels to the same target share one subchannel (one TCP
    // connection), and --conns would not mean connections.
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetInt("etcd-bench.conn", i);
    args.SetMaxReceiveMessageSize(-1);
    auto ch = grpc::CreateCustomChannel(target, creds, args);
    auto deadline = std::chrono::system_clock::now() + std::chrono::seconds(10);
    if (!ch->WaitForConnected(deadline)) return Unavailable("cannot connect to " + target);
    pool->kv_.push_back(etcdserverpb::KV::NewStub(ch));
    pool->watch_.push_back(etcdserverpb::Watch::NewStub(ch));
    pool->lease_.push_back(etcdserverpb::Lease::NewStub(ch));
    pool->channels_.push_back(std::move(ch));
  }
  return pool;
}

}  // namespace etcdpp::bench
