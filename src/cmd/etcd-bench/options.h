// Options of etcd-bench: the global flags (endpoints, clients, conns, total or duration,
// rate, TLS, output) and every workload's flags, parsed from argv in one pass. Flags are
// `--name=value` or `--name value`; the first bare word names the workload and later bare
// words are its positional arguments (range's key and end). Plain data; any thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"

namespace etcdpp::bench {

struct Options {
  // Global.
  std::vector<std::string> endpoints{"127.0.0.1:2379"};
  int clients = 1;
  int conns = 1;
  uint64_t total = 10000;
  double duration_s = 0;  // when > 0, run for this long instead of --total operations
  double rate = 0;        // operations per second over all clients, 0 = unlimited
  std::string cacert, cert, key;
  std::string json_out;  // write the JSON report here ("-" = stdout instead of the table)
  bool progress = true;  // a progress bar when stderr is a terminal
  // Workload and its arguments.
  std::string workload;
  std::vector<std::string> args;
  int key_size = 8;
  int val_size = 8;
  uint64_t key_space_size = 1;
  bool sequential_keys = false;
  std::string consistency = "l";  // range: l (linearizable) or s (serializable)
  bool prefix = false;            // range: the key is a prefix
  int64_t limit = 0;              // range: response limit
  int txn_ops = 1;                // txn-put: puts per transaction
  double rw_ratio = 1;            // txn-mixed: reads per write
  int watchers = 1000;            // watch, watch-get
  int streams = 10;
  uint64_t watch_key_space = 1;
  uint64_t put_total = 100;       // watch: puts that produce the events
  double put_rate = 100;          // watch: puts per second
  int stm_keys_per_txn = 1;       // stm: keys read and written by one transaction
  int64_t lease_ttl = 30;         // lease-keepalive
};

Result<Options> ParseOptions(const std::vector<std::string>& argv);
std::string UsageText();

}  // namespace etcdpp::bench
