#include "cmd/etcd-bench/options.h"

#include <algorithm>
#include <charconv>
#include <functional>
#include <map>

namespace etcdpp::bench {
namespace {

template <typename T>
Status ParseNumber(const std::string& name, const std::string& text, T* out) {
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, *out);
  if (ec != std::errc() || ptr != end) {
    return InvalidArgument("invalid value \"" + text + "\" for flag --" + name);
  }
  return Status::Ok();
}

std::vector<std::string> SplitComma(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t comma = s.find(',', start);
    if (comma == std::string::npos) comma = s.size();
    if (comma > start) out.push_back(s.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

using Setter = std::function<Status(const std::string& name, const std::string& value)>;

template <typename T>
Setter Num(T* field) {
  return [field](const std::string& n, const std::string& v) { return ParseNumber(n, v, field); };
}
Setter Str(std::string* field) {
  return [field](const std::string&, const std::string& v) {
    *field = v;
    return Status::Ok();
  };
}
Setter Bool(bool* field) {
  return [field](const std::string& n, const std::string& v) {
    if (v == "true" || v == "1") *field = true;
    else if (v == "false" || v == "0") *field = false;
    else return InvalidArgument("invalid value \"" + v + "\" for flag --" + n);
    return Status::Ok();
  };
}

}  // namespace

Result<Options> ParseOptions(const std::vector<std::string>& argv) {
  Options o;
  std::map<std::string, Setter> value_flags = {
      {"endpoints", [&o](const std::string&, const std::string& v) {
         o.endpoints = SplitComma(v);
         return o.endpoints.empty() ? InvalidArgument("--endpoints is empty") : Status::Ok();
       }},
      {"clients", Num(&o.clients)}, {"conns", Num(&o.conns)}, {"total", Num(&o.total)},
      {"duration", Num(&o.duration_s)}, {"rate", Num(&o.rate)}, {"cacert", Str(&o.cacert)},
      {"cert", Str(&o.cert)}, {"key", Str(&o.key)}, {"json", Str(&o.json_out)},
      {"key-size", Num(&o.key_size)}, {"val-size", Num(&o.val_size)},
      {"key-space-size", Num(&o.key_space_size)}, {"consistency", Str(&o.consistency)},
      {"limit", Num(&o.limit)}, {"txn-ops", Num(&o.txn_ops)}, {"rw-ratio", Num(&o.rw_ratio)},
      {"watchers", Num(&o.watchers)}, {"streams", Num(&o.streams)},
      {"watch-key-space", Num(&o.watch_key_space)}, {"put-total", Num(&o.put_total)},
      {"put-rate", Num(&o.put_rate)}, {"stm-keys-per-txn", Num(&o.stm_keys_per_txn)},
      {"lease-ttl", Num(&o.lease_ttl)},
  };
  std::map<std::string, bool*> bool_flags = {
      {"sequential-keys", &o.sequential_keys}, {"prefix", &o.prefix}, {"progress", &o.progress}};

  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a.rfind("--", 0) != 0 && !(a.size() > 1 && a[0] == '-' && a[1] != '-')) {
      if (o.workload.empty()) o.workload = a;
      else o.args.push_back(a);
      continue;
    }
    std::string body = a.substr(a[1] == '-' ? 2 : 1);
    std::string name = body, value;
    bool has_value = false;
    if (size_t eq = body.find('='); eq != std::string::npos) {
      name = body.substr(0, eq);
      value = body.substr(eq + 1);
      has_value = true;
    }
    if (name == "help" || name == "h") return InvalidArgument(UsageText());
    if (auto b = bool_flags.find(name); b != bool_flags.end()) {
      if (!has_value) {
        *b->second = true;
        continue;
      }
      ETCDPP_RETURN_IF_ERROR(Bool(b->second)(name, value));
      continue;
    }
    auto f = value_flags.find(name);
    if (f == value_flags.end()) return InvalidArgument("unknown flag: --" + name);
    if (!has_value) {
      if (i + 1 >= argv.size()) return InvalidArgument("flag needs an argument: --" + name);
      value = argv[++i];
    }
    ETCDPP_RETURN_IF_ERROR(f->second(name, value));
  }
  if (o.workload.empty()) return InvalidArgument("no workload given\n" + UsageText());
  if (o.clients < 1 || o.conns < 1) return InvalidArgument("--clients and --conns must be >= 1");
  if (o.total == 0 && o.duration_s <= 0) return InvalidArgument("--total must be > 0");
  if (o.key_space_size == 0 || o.watch_key_space == 0) {
    return InvalidArgument("key spaces must be >= 1");
  }
  if (o.consistency != "l" && o.consistency != "s") {
    return InvalidArgument("--consistency must be l or s");
  }
  if (o.watchers < 1 || o.streams < 1 || o.txn_ops < 1 || o.stm_keys_per_txn < 1) {
    return InvalidArgument("--watchers, --streams, --txn-ops, --stm-keys-per-txn must be >= 1");
  }
  if (static_cast<uint64_t>(std::max(o.txn_ops, o.stm_keys_per_txn)) > o.key_space_size) {
    return InvalidArgument("--txn-ops and --stm-keys-per-txn must not exceed --key-space-size");
  }
  return o;
}

std::string UsageText() {
  return R"(usage: etcd-bench [flags] <workload> [args]

workloads:
  put                 puts (--key-size --val-size --key-space-size --sequential-keys)
  range <key> [end]   ranges (--consistency l|s --prefix --limit)
  txn-put             transactions of --txn-ops puts
  txn-mixed           transactions of one range or one put (--rw-ratio reads per write)
  stm                 read-modify-write transactions retried on conflict (--stm-keys-per-txn)
  watch               --watchers over --streams on --watch-key-space keys; --put-total puts
                      at --put-rate; reports event throughput and put-to-event latency
  watch-get           ranges while --watchers unsynced watchers catch up
  lease-keepalive     one lease per client, keep-alive round trips on a stream

global flags:
  --endpoints a,b     host:port or http(s)://host:port (default 127.0.0.1:2379)
  --clients N         concurrent clients (default 1), spread over --conns N connections
  --total N           operations (default 10000), or --duration SECONDS
  --rate R            operations per second over all clients (default unlimited)
  --cacert --cert --key   TLS (https:// endpoints)
  --json PATH         also write the report as JSON ("-": JSON on stdout, no table)
  --progress=false    no progress bar (shown only when stderr is a terminal)
)";
}

}  // namespace etcdpp::bench
