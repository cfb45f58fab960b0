// 100 000 random operations against KvStore and a plain in-memory model of etcd's
// semantics; every response must match, before and after reopening the backend.
#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <random>

#include "mvcc/kv_store.h"
#include "testing/temp_dir.h"

namespace etcdpp::mvcc {
namespace {

struct ModelKv {
  std::string value;
  int64_t create = 0, mod = 0, version = 0;
};

// Full history per key: (revision, state after it; nullopt = deleted).
class Model {
 public:
  int64_t rev = 1;
  int64_t compact = 0;

  std::optional<ModelKv> At(const std::string& key, int64_t at) const {
    auto it = history_.find(key);
    if (it == history_.end()) return std::nullopt;
    std::optional<ModelKv> out;
    for (const auto& [r, kv] : it->second) {
      if (r > at) break;
      out = kv;
    }
    return out;
  }
  std::vector<std::pair<std::string, ModelKv>> Range(const std::string& key, const std::string& end,
                                                     int64_t at) const {
    std::vector<std::pair<std::string, ModelKv>> out;
    for (auto it = history_.lower_bound(key); it != history_.end(); ++it) {
      if (end.empty() && it->first != key) break;
      if (!end.empty() && end != std::string(kRangeToEnd) && it->first >= end) break;
      if (auto kv = At(it->first, at)) out.emplace_back(it->first, *kv);
    }
    return out;
  }
  void Put(const std::string& key, const std::string& value, int64_t r) {
    auto cur = At(key, r);
    ModelKv kv{value, cur ? cur->create : r, r, cur ? cur->version + 1 : 1};
    history_[key].emplace_back(r, kv);
  }
  int64_t Delete(const std::string& key, const std::string& end, int64_t r) {
    auto live = Range(key, end, r);
    for (const auto& [k, kv] : live) history_[k].emplace_back(r, std::nullopt);
    return static_cast<int64_t>(live.size());
  }
  std::vector<std::string> Keys() const {
    std::vector<std::string> out;
    for (const auto& [k, h] : history_) out.push_back(k);
    return out;
  }

 private:
  std::map<std::string, std::vector<std::pair<int64_t, std::optional<ModelKv>>>> history_;
};

class ModelTest : public ::testing::Test {
 protected:
  void Reopen() {
    store_.reset();
    backend_.reset();
    backend::BackendOptions o;
    o.path = dir_.Sub("db");
    o.map_size_bytes = size_t{1} << 30;
    backend_ = std::move(backend::Backend::Open(o)).value();
    store_ = std::move(KvStore::Open(backend_.get(), nullptr)).value();
  }
  std::string Key() { return "k" + std::to_string(rng_() % 40); }
  std::string Value() { return "v" + std::to_string(rng_() % 1000); }
  // A random range: single key, [a, b), prefix, or from-key.
  std::pair<std::string, std::string> AnyRange() {
    std::string a = Key();
    switch (rng_() % 4) {
      case 0: return {a, ""};
      case 1: { std::string b = Key(); return a < b ? std::pair{a, b} : std::pair{b, a}; }
      case 2: return {"k1", "k2"};
      default: return {a, std::string(kRangeToEnd)};
    }
  }

  void CheckRange(const std::string& key, const std::string& end, int64_t rev, int64_t limit) {
    RangeRequest req;
    req.key = key;
    req.range_end = end;
    req.revision = rev;
    req.limit = limit;
    auto got = store_->Range(req);
    if (rev > model_.rev) {
      ASSERT_TRUE(IsFutureRev(got.status()));
      return;
    }
    const int64_t at = rev == 0 ? model_.rev : rev;
    if (at < model_.compact) {
      ASSERT_TRUE(IsCompacted(got.status())) << "rev " << at << " compact " << model_.compact;
      return;
    }
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    auto want = model_.Range(key, end, at);
    ASSERT_EQ(got->revision, model_.rev);
    ASSERT_EQ(got->count, static_cast<int64_t>(want.size())) << key << ".." << end << "@" << at;
    const size_t n = limit > 0 ? std::min<size_t>(limit, want.size()) : want.size();
    ASSERT_EQ(got->more, n < want.size());
    ASSERT_EQ(got->kvs.size(), n);
    for (size_t i = 0; i < n; ++i) {
      const auto& kv = got->kvs[i];
      ASSERT_EQ(kv.key(), want[i].first);
      ASSERT_EQ(kv.value(), want[i].second.value);
      ASSERT_EQ(kv.create_revision(), want[i].second.create);
      ASSERT_EQ(kv.mod_revision(), want[i].second.mod);
      ASSERT_EQ(kv.version(), want[i].second.version) << kv.key() << "@" << at;
    }
  }

  void RandomOp() {
    const int dice = static_cast<int>(rng_() % 100);
    if (dice < 35) {
      std::string k = Key(), v = Value();
      auto r = store_->Put(PutRequest{k, v});
      ASSERT_TRUE(r.ok());
      model_.Put(k, v, ++model_.rev);
      ASSERT_EQ(r->revision, model_.rev);
    } else if (dice < 45) {
      auto [k, e] = AnyRange();
      auto r = store_->DeleteRange(DeleteRangeRequest{k, e});
      ASSERT_TRUE(r.ok());
      const int64_t n = model_.Delete(k, e, model_.rev + 1);
      if (n > 0) ++model_.rev;
      ASSERT_EQ(r->deleted, n);
      ASSERT_EQ(r->revision, model_.rev);
    } else if (dice < 80) {
      auto [k, e] = AnyRange();
      int64_t rev = 0;
      if (rng_() % 2) rev = std::max<int64_t>(1, model_.rev - static_cast<int64_t>(rng_() % 300));
      if (rng_() % 50 == 0) rev = model_.rev + 1;
      CheckRange(k, e, rev, rng_() % 3 == 0 ? 1 + rng_() % 5 : 0);
    } else if (dice < 99) {
      RandomTxn();
    } else {
      const int64_t span = model_.rev - model_.compact;
      if (span < 2) return;
      const int64_t at = model_.compact + 1 + static_cast<int64_t>(rng_() % (span - 1));
      ASSERT_TRUE(store_->Compact(at).ok());
      model_.compact = at;
      if (rng_() % 2) store_->WaitCompacted(at);
    }
  }

  // if version(a) == n (or value(a) == v): put b, put c; else: delete [d, e), put b.
  void RandomTxn() {
    std::string a = Key(), b = Key(), c = Key();
    while (c == b) c = Key();
    auto [d, e] = AnyRange();
    if (d <= b && (b == d || (!e.empty() && (e == std::string(kRangeToEnd) || b < e)))) {
      d = b + "x";  // keep the failure branch's delete and put on different keys
      e = "";
    }
    Compare cmp;
    cmp.key = a;
    const auto cur = model_.At(a, model_.rev);
    bool ok;
    if (rng_() % 2) {
      cmp.target = Compare::Target::kVersion;
      cmp.number = static_cast<int64_t>(rng_() % 3);
      ok = (cur ? cur->version : 0) == cmp.number;
    } else {
      cmp.target = Compare::Target::kValue;
      cmp.value = cur && rng_() % 2 ? cur->value : Value();
      ok = cur && cur->value == cmp.value;
    }
    TxnRequest txn;
    txn.compare.push_back(cmp);
    std::string vb = Value(), vc = Value();
    txn.success.emplace_back(PutRequest{b, vb});
    txn.success.emplace_back(PutRequest{c, vc});
    txn.failure.emplace_back(DeleteRangeRequest{d, e});
    txn.failure.emplace_back(PutRequest{b, vb});
    auto r = store_->Txn(txn);
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->succeeded, ok);
    const int64_t next = ++model_.rev;
    if (ok) {
      model_.Put(b, vb, next);
      model_.Put(c, vc, next);
    } else {
      model_.Delete(d, e, next);
      model_.Put(b, vb, next);
    }
    ASSERT_EQ(r->revision, model_.rev);
  }

  void CheckEverything() {
    ASSERT_EQ(store_->Rev(), model_.rev);
    for (int64_t at = std::max<int64_t>(model_.compact, 1); at <= model_.rev; at += 97) {
      CheckRange("k", std::string(kRangeToEnd), at, 0);
    }
    CheckRange("k", std::string(kRangeToEnd), model_.rev, 0);
  }

  etcdpp::testing::TempDir dir_;
  std::mt19937_64 rng_{20261126};
  Model model_;
  std::unique_ptr<backend::Backend> backend_;
  std::unique_ptr<KvStore> store_;
};

TEST_F(ModelTest, HundredThousandRandomOperationsMatchTheModelAcrossReopens) {
  constexpr int kOps = 100000;
  Reopen();
  for (int i = 0; i < kOps; ++i) {
    ASSERT_NO_FATAL_FAILURE(RandomOp()) << "op " << i;
    if (i == kOps / 2) {
      ASSERT_NO_FATAL_FAILURE(CheckEverything());
      Reopen();
      ASSERT_NO_FATAL_FAILURE(CheckEverything());
    }
  }
  ASSERT_NO_FATAL_FAILURE(CheckEverything());
  const uint32_t hash = store_->HashKV(0)->hash;
  Reopen();
  ASSERT_NO_FATAL_FAILURE(CheckEverything());
  EXPECT_EQ(store_->HashKV(0)->hash, hash);
}

}  // namespace
}  // namespace etcdpp::mvcc
