// The workloads of etcd-bench, each a function from the options and a connected pool to
// a Report. kv_workloads.cc: put, range, txn-put, txn-mixed, stm; watch_workloads.cc:
// watch, watch-get; lease_workloads.cc: lease-keepalive.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"
#include "cmd/etcd-bench/client_pool.h"
#include "cmd/etcd-bench/options.h"
#include "cmd/etcd-bench/report.h"

namespace etcdpp::bench {

Result<Report> RunPut(const Options& o, ClientPool& pool);
Result<Report> RunRange(const Options& o, ClientPool& pool);
Result<Report> RunTxnPut(const Options& o, ClientPool& pool);
Result<Report> RunTxnMixed(const Options& o, ClientPool& pool);
Result<Report> RunStm(const Options& o, ClientPool& pool);
Result<Report> RunWatch(const Options& o, ClientPool& pool);
Result<Report> RunWatchGet(const Options& o, ClientPool& pool);
Result<Report> RunLeaseKeepAlive(const Options& o, ClientPool& pool);

// Key number n as a key of at least `size` bytes: decimal, zero-padded on the left, so
// keys of one run sort in numeric order.
std::string BenchKey(uint64_t n, int size);
// The key after every key with this prefix ("" when there is none), as etcd's clientv3.
std::string PrefixEnd(const std::string& prefix);
// "" for an OK status, else "CODE: message".
std::string StatusText(const grpc::Status& s);

}  // namespace etcdpp::bench
