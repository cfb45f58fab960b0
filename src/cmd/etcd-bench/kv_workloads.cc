#include <algorithm>
#include <random>

#include "cmd/etcd-bench/runner.h"
#include "cmd/etcd-bench/workloads.h"

namespace etcdpp::bench {
namespace {

using etcdserverpb::Compare;
using etcdserverpb::RangeRequest;
using etcdserverpb::TxnRequest;

uint64_t PickKey(const Options& o, uint64_t seq) {
  if (o.sequential_keys) return seq % o.key_space_size;
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng() % o.key_space_size;
}

// n distinct key numbers for one transaction (etcd rejects a txn that puts a key twice).
std::vector<uint64_t> PickDistinct(const Options& o, uint64_t seq, int n) {
  std::vector<uint64_t> keys;
  for (uint64_t i = 0; static_cast<int>(keys.size()) < n; ++i) {
    uint64_t k = PickKey(o, seq * n + i);
    if (std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(k);
  }
  return keys;
}

Report FromOutcome(const std::string& workload, const std::string& section, RunOutcome out) {
  Report r;
  r.workload = workload;
  r.sections.emplace_back(section, out.stats);
  r.first_error = std::move(out.first_error);
  return r;
}

}  // namespace

std::string BenchKey(uint64_t n, int size) {
  std::string digits = std::to_string(n);
  if (static_cast<int>(digits.size()) >= size) return digits;
  return std::string(size - digits.size(), '0') + digits;
}

std::string PrefixEnd(const std::string& prefix) {
  std::string end = prefix;
  while (!end.empty()) {
    if (static_cast<unsigned char>(end.back()) < 0xff) {
      end.back() = static_cast<char>(static_cast<unsigned char>(end.back()) + 1);
      return end;
    }
    end.pop_back();
  }
  return std::string(1, '\0');  // every key: etcd's "from key" end
}

std::string StatusText(const grpc::Status& s) {
  if (s.ok()) return "";
  return std::to_string(static_cast<int>(s.error_code())) + ": " + s.error_message();
}

Result<Report> RunPut(const Options& o, ClientPool& pool) {
  const std::string value(o.val_size, 'v');
  auto out = Run(PlanFrom(o), [&](int client, uint64_t seq) {
    etcdserverpb::PutRequest req;
    req.set_key(BenchKey(PickKey(o, seq), o.key_size));
    req.set_value(value);
    etcdserverpb::PutResponse resp;
    grpc::ClientContext ctx;
    return StatusText(pool.kv(client).Put(&ctx, req, &resp));
  });
  Report r = FromOutcome("put", "put", std::move(out));
  r.extra = {{"key_size", o.key_size}, {"val_size", o.val_size},
             {"key_space_size", o.key_space_size}, {"sequential_keys", o.sequential_keys}};
  return r;
}

Result<Report> RunRange(const Options& o, ClientPool& pool) {
  if (o.args.empty()) return InvalidArgument("range needs a key: etcd-bench range <key> [end]");
  RangeRequest base;
  base.set_key(o.args[0]);
  if (o.args.size() > 1) base.set_range_end(o.args[1]);
  else if (o.prefix) base.set_range_end(PrefixEnd(o.args[0]));
  base.set_serializable(o.consistency == "s");
  base.set_limit(o.limit);
  auto out = Run(PlanFrom(o), [&](int client, uint64_t) {
    etcdserverpb::RangeResponse resp;
    grpc::ClientContext ctx;
    return StatusText(pool.kv(client).Range(&ctx, base, &resp));
  });
  Report r = FromOutcome("range", "range", std::move(out));
  r.extra = {{"consistency", o.consistency == "s" ? "serializable" : "linearizable"},
             {"key", o.args[0]}, {"range_end", base.range_end()}};
  return r;
}

Result<Report> RunTxnPut(const Options& o, ClientPool& pool) {
  const std::string value(o.val_size, 'v');
  auto out = Run(PlanFrom(o), [&](int client, uint64_t seq) {
    TxnRequest req;
    for (uint64_t k : PickDistinct(o, seq, o.txn_ops)) {
      auto* put = req.add_success()->mutable_request_put();
      put->set_key(BenchKey(k, o.key_size));
      put->set_value(value);
    }
    etcdserverpb::TxnResponse resp;
    grpc::ClientContext ctx;
    return StatusText(pool.kv(client).Txn(&ctx, req, &resp));
  });
  Report r = FromOutcome("txn-put", "txn-put", std::move(out));
  r.extra = {{"txn_ops", o.txn_ops}, {"key_space_size", o.key_space_size}};
  return r;
}

Result<Report> RunTxnMixed(const Options& o, ClientPool& pool) {
  const std::string value(o.val_size, 'v');
  const double read_share = o.rw_ratio / (o.rw_ratio + 1);
  std::atomic<uint64_t> reads{0}, writes{0};
  auto out = Run(PlanFrom(o), [&](int client, uint64_t seq) {
    thread_local std::mt19937_64 rng{std::random_device{}()};
    TxnRequest req;
    std::string key = BenchKey(PickKey(o, seq), o.key_size);
    if (std::uniform_real_distribution<double>(0, 1)(rng) < read_share) {
      auto* range = req.add_success()->mutable_request_range();
      range->set_key(key);
      range->set_serializable(o.consistency == "s");
      reads.fetch_add(1, std::memory_order_relaxed);
    } else {
      auto* put = req.add_success()->mutable_request_put();
      put->set_key(key);
      put->set_value(value);
      writes.fetch_add(1, std::memory_order_relaxed);
    }
    etcdserverpb::TxnResponse resp;
    grpc::ClientContext ctx;
    return StatusText(pool.kv(client).Txn(&ctx, req, &resp));
  });
  Report r = FromOutcome("txn-mixed", "txn-mixed", std::move(out));
  r.extra = {{"reads", reads.load()}, {"writes", writes.load()}, {"rw_ratio", o.rw_ratio}};
  return r;
}

// One read-modify-write: read the keys, then write them back in a transaction that
// succeeds only if none changed since the read (their mod revisions), retrying on
// conflict as an STM would.
Result<Report> RunStm(const Options& o, ClientPool& pool) {
  constexpr int kMaxAttempts = 100;
  std::atomic<uint64_t> conflicts{0};
  auto out = Run(PlanFrom(o), [&](int client, uint64_t seq) -> std::string {
    std::vector<std::string> keys;
    for (uint64_t k : PickDistinct(o, seq, o.stm_keys_per_txn)) {
      keys.push_back(BenchKey(k, o.key_size));
    }
    for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
      TxnRequest txn;
      for (const auto& key : keys) {
        RangeRequest rr;
        rr.set_key(key);
        etcdserverpb::RangeResponse resp;
        grpc::ClientContext ctx;
        if (auto err = StatusText(pool.kv(client).Range(&ctx, rr, &resp)); !err.empty()) {
          return err;
        }
        int64_t mod = resp.kvs_size() > 0 ? resp.kvs(0).mod_revision() : 0;
        uint64_t counter = resp.kvs_size() > 0 ? std::stoull("0" + resp.kvs(0).value()) : 0;
        auto* cmp = txn.add_compare();
        cmp->set_key(key);
        cmp->set_target(Compare::MOD);
        cmp->set_result(Compare::EQUAL);
        cmp->set_mod_revision(mod);
        auto* put = txn.add_success()->mutable_request_put();
        put->set_key(key);
        put->set_value(std::to_string(counter + 1));
      }
      etcdserverpb::TxnResponse resp;
      grpc::ClientContext ctx;
      if (auto err = StatusText(pool.kv(client).Txn(&ctx, txn, &resp)); !err.empty()) return err;
      if (resp.succeeded()) return "";
      conflicts.fetch_add(1, std::memory_order_relaxed);
    }
    return "stm: gave up after " + std::to_string(kMaxAttempts) + " conflicts";
  });
  Report r = FromOutcome("stm", "stm", std::move(out));
  r.extra = {{"conflicts", conflicts.load()}, {"keys_per_txn", o.stm_keys_per_txn},
             {"key_space_size", o.key_space_size}};
  return r;
}

}  // namespace etcdpp::bench
