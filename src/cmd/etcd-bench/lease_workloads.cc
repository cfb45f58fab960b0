#include <memory>

#include "cmd/etcd-bench/runner.h"
#include "cmd/etcd-bench/workloads.h"

namespace etcdpp::bench {
namespace {

using KeepAliveStream = grpc::ClientReaderWriter<etcdserverpb::LeaseKeepAliveRequest,
                                                 etcdserverpb::LeaseKeepAliveResponse>;

// One client's lease and its keep-alive stream; used by that client's thread only.
struct ClientLease {
  int64_t id = 0;
  grpc::ClientContext ctx;
  std::unique_ptr<KeepAliveStream> stream;
};

}  // namespace

Result<Report> RunLeaseKeepAlive(const Options& o, ClientPool& pool) {
  std::vector<std::unique_ptr<ClientLease>> leases;
  for (int c = 0; c < o.clients; ++c) {
    auto l = std::make_unique<ClientLease>();
    etcdserverpb::LeaseGrantRequest req;
    req.set_ttl(o.lease_ttl);
    etcdserverpb::LeaseGrantResponse resp;
    grpc::ClientContext ctx;
    if (auto err = StatusText(pool.lease(c).LeaseGrant(&ctx, req, &resp)); !err.empty()) {
      return Unavailable("lease grant: " + err);
    }
    l->id = resp.id();
    l->stream = pool.lease(c).LeaseKeepAlive(&l->ctx);
    leases.push_back(std::move(l));
  }
  auto out = Run(PlanFrom(o), [&](int client, uint64_t) -> std::string {
    ClientLease& l = *leases[client];
    etcdserverpb::LeaseKeepAliveRequest req;
    req.set_id(l.id);
    if (!l.stream->Write(req)) return "keep-alive stream closed on write";
    etcdserverpb::LeaseKeepAliveResponse resp;
    if (!l.stream->Read(&resp)) return "keep-alive stream closed on read";
    if (resp.ttl() <= 0) return "lease " + std::to_string(l.id) + " expired";
    return "";
  });
  for (auto& l : leases) {
    l->stream->WritesDone();
    l->ctx.TryCancel();
    l->stream->Finish().IgnoreError();
  }
  Report r;
  r.workload = "lease-keepalive";
  r.sections.emplace_back("keepalive", out.stats);
  r.first_error = out.first_error;
  r.extra = {{"leases", o.clients}, {"ttl", o.lease_ttl}};
  return r;
}

}  // namespace etcdpp::bench
