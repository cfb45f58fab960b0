// etcd-bench: load generator for etcd-compatible servers (see UsageText in options.cc).
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "cmd/etcd-bench/workloads.h"

int main(int argc, char** argv) {
  using namespace etcdpp::bench;
  std::vector<std::string> args(argv + 1, argv + argc);
  auto opts = ParseOptions(args);
  if (!opts.ok()) {
    std::fprintf(stderr, "%s\n", opts.status().message().c_str());
    return 2;
  }
  using Fn = etcdpp::Result<Report> (*)(const Options&, ClientPool&);
  const std::map<std::string, Fn> workloads = {
      {"put", RunPut},          {"range", RunRange},         {"txn-put", RunTxnPut},
      {"txn-mixed", RunTxnMixed}, {"stm", RunStm},           {"watch", RunWatch},
      {"watch-get", RunWatchGet}, {"lease-keepalive", RunLeaseKeepAlive}};
  auto it = workloads.find(opts->workload);
  if (it == workloads.end()) {
    std::fprintf(stderr, "unknown workload \"%s\"\n%s", opts->workload.c_str(),
                 UsageText().c_str());
    return 2;
  }
  auto pool = ClientPool::Connect(*opts);
  if (!pool.ok()) {
    std::fprintf(stderr, "etcd-bench: %s\n", pool.status().message().c_str());
    return 1;
  }
  auto report = it->second(*opts, **pool);
  if (!report.ok()) {
    std::fprintf(stderr, "etcd-bench: %s\n", report.status().message().c_str());
    return 1;
  }
  if (auto st = EmitReport(*report, *opts); !st.ok()) {
    std::fprintf(stderr, "etcd-bench: %s\n", st.message().c_str());
    return 1;
  }
  return 0;
}
