#include "mvcc/kv_store.h"

#include <gtest/gtest.h>

#include <map>

#include "testing/temp_dir.h"

namespace etcdpp::mvcc {
namespace {

using etcdpp::testing::TempDir;

class FakeLeases : public LeaseHooks {
 public:
  bool LeaseExists(int64_t id) override { return id == 7 || id == 8; }
  void Attach(int64_t id, std::string_view key) override { attached[std::string(key)] = id; }
  void Detach(int64_t id, std::string_view key) override {
    auto it = attached.find(std::string(key));
    if (it != attached.end() && it->second == id) attached.erase(it);
  }
  std::map<std::string, int64_t> attached;
};

class KvStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }
  void Reopen() {
    store_.reset();
    backend_.reset();
    backend::BackendOptions o;
    o.path = dir_.Sub("db");
    o.map_size_bytes = size_t{1} << 30;
    backend_ = std::move(backend::Backend::Open(o)).value();
    leases_.attached.clear();
    store_ = std::move(KvStore::Open(backend_.get(), &leases_)).value();
  }
  int64_t Put(const std::string& k, const std::string& v, int64_t lease = 0) {
    auto r = store_->Put(PutRequest{k, v, lease});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r->revision;
  }
  RangeResponse Get(const std::string& k, const std::string& end = "", int64_t rev = 0) {
    RangeRequest req;
    req.key = k;
    req.range_end = end;
    req.revision = rev;
    auto r = store_->Range(req);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return *r;
  }

  TempDir dir_;
  FakeLeases leases_;
  std::unique_ptr<backend::Backend> backend_;
  std::unique_ptr<KvStore> store_;
};

TEST_F(KvStoreTest, ReloadServesAnotherBackendsFile) {
  // Another store's file, as a leader's snapshot would bring it.
  TempDir other_dir;
  backend::BackendOptions o;
  o.path = other_dir.Sub("db");
  o.map_size_bytes = size_t{1} << 30;
  auto other_backend = std::move(backend::Backend::Open(o)).value();
  {
    auto other = std::move(KvStore::Open(other_backend.get(), nullptr)).value();
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(other->Put(PutRequest{"theirs", std::to_string(i), 7}).ok());
    ASSERT_TRUE(other->Compact(3).ok());
    other->WaitCompacted(3);
  }
  ASSERT_TRUE(other_backend->SnapshotToFile(dir_.Sub("received.db")).ok());
  other_backend.reset();

  Put("mine", "1");
  store_->WaitCompacted(store_->CompactRev());
  ASSERT_TRUE(backend_->ReplaceWith(dir_.Sub("received.db")).ok());
  ASSERT_TRUE(store_->Reload().ok());
  EXPECT_EQ(store_->Rev(), 6);
  EXPECT_EQ(store_->CompactRev(), 3);
  EXPECT_EQ(Get("mine").kvs.size(), 0u);
  ASSERT_EQ(Get("theirs").kvs.size(), 1u);
  EXPECT_EQ(Get("theirs").kvs[0].value(), "4");
  EXPECT_EQ(leases_.attached["theirs"], 7);
  EXPECT_EQ(Put("after", "x"), 7);
}

TEST_F(KvStoreTest, PutAssignsRevisionVersionAndCreateRevision) {
  EXPECT_EQ(store_->Rev(), 1);
  EXPECT_EQ(Put("a", "1"), 2);
  EXPECT_EQ(Put("a", "2"), 3);
  RangeResponse r = Get("a");
  ASSERT_EQ(r.kvs.size(), 1u);
  EXPECT_EQ(r.kvs[0].value(), "2");
  EXPECT_EQ(r.kvs[0].create_revision(), 2);
  EXPECT_EQ(r.kvs[0].mod_revision(), 3);
  EXPECT_EQ(r.kvs[0].version(), 2);
  EXPECT_EQ(r.revision, 3);
  EXPECT_EQ(Get("a", "", 2).kvs[0].value(), "1");
}

TEST_F(KvStoreTest, DeleteRangeTombstonesAndResetsVersion) {
  Put("a", "1");
  Put("b", "1");
  Put("c", "1");
  auto del = store_->DeleteRange(DeleteRangeRequest{"a", "c", true});
  ASSERT_TRUE(del.ok());
  EXPECT_EQ(del->deleted, 2);
  EXPECT_EQ(del->prev_kvs.size(), 2u);
  EXPECT_EQ(del->revision, 5);
  auto none = store_->DeleteRange(DeleteRangeRequest{"zz", "", false});
  EXPECT_EQ(none->deleted, 0);
  EXPECT_EQ(none->revision, 5);  // nothing changed: no new revision
  EXPECT_EQ(Get("a", std::string(kRangeToEnd)).count, 1);
  Put("a", "x");
  EXPECT_EQ(Get("a").kvs[0].version(), 1);
  EXPECT_EQ(Get("a").kvs[0].create_revision(), 6);
}

TEST_F(KvStoreTest, RangeAppliesLimitSortAndFiltersLikeEtcd) {
  Put("a", "3");
  Put("b", "1");
  Put("c", "2");
  Put("b", "9");
  RangeRequest req;
  req.key = "a";
  req.range_end = std::string(kRangeToEnd);
  req.limit = 2;
  RangeResponse r = *store_->Range(req);
  EXPECT_EQ(r.count, 3);
  EXPECT_TRUE(r.more);
  ASSERT_EQ(r.kvs.size(), 2u);
  EXPECT_EQ(r.kvs[1].key(), "b");
  req.limit = 0;
  req.sort_target = SortTarget::kMod;
  req.sort_order = SortOrder::kDescend;
  r = *store_->Range(req);
  EXPECT_EQ(r.kvs[0].key(), "b");
  EXPECT_EQ(r.kvs[2].key(), "a");
  req.sort_order = SortOrder::kNone;
  req.sort_target = SortTarget::kValue;  // NONE with a non-key target sorts ascending
  r = *store_->Range(req);
  EXPECT_EQ(r.kvs[0].value(), "2");
  req.min_create_revision = 3;
  req.keys_only = true;
  r = *store_->Range(req);
  EXPECT_EQ(r.count, 3);  // count is before filtering, as in etcd
  ASSERT_EQ(r.kvs.size(), 2u);
  EXPECT_EQ(r.kvs[0].value(), "");
  req = RangeRequest{};
  req.key = "a";
  req.range_end = "c";
  req.count_only = true;
  r = *store_->Range(req);
  EXPECT_EQ(r.count, 2);
  EXPECT_TRUE(r.kvs.empty());
}

TEST_F(KvStoreTest, EncodedRangeCarriesTheSameKeyValuesAsTheDecodedOne) {
  for (int i = 0; i < 20; ++i) Put("k" + std::to_string(i % 7), std::string(i * 10, 'v'));
  // Some rows are still in the write buffer, others committed: both must be read.
  ASSERT_TRUE(backend_->ForceCommit().ok());
  Put("k3", "newest");
  for (int64_t limit : {0, 1, 4, 7, 8}) {
    for (SortOrder order : {SortOrder::kNone, SortOrder::kAscend, SortOrder::kDescend}) {
      RangeRequest req;
      req.key = "k";
      req.range_end = "l";
      req.limit = limit;
      req.sort_order = order;
      RangeResponse plain = *store_->Range(req);
      req.encode = true;
      RangeResponse encoded = *store_->Range(req);
      EXPECT_EQ(encoded.count, plain.count);
      EXPECT_EQ(encoded.more, plain.more);
      EXPECT_EQ(encoded.revision, plain.revision);
      // Decoding the encoded entries (field 2 of a RangeResponse) gives the plain kvs.
      std::vector<mvccpb::KeyValue> decoded = encoded.kvs;
      std::string_view in = encoded.encoded_kvs;
      while (!in.empty()) {
        ASSERT_EQ(in[0], '\x12');
        size_t len = 0, shift = 0, i = 1;
        for (; static_cast<unsigned char>(in[i]) & 0x80; ++i, shift += 7) len |= size_t(in[i] & 0x7f) << shift;
        len |= size_t(in[i]) << shift;
        ASSERT_TRUE(decoded.emplace_back().ParseFromArray(in.data() + i + 1, static_cast<int>(len)));
        in.remove_prefix(i + 1 + len);
      }
      ASSERT_EQ(decoded.size(), plain.kvs.size()) << "limit " << limit;
      for (size_t i = 0; i < decoded.size(); ++i) {
        EXPECT_EQ(decoded[i].SerializeAsString(), plain.kvs[i].SerializeAsString());
      }
      // Only key order is encoded; a descending sort is served decoded.
      EXPECT_EQ(encoded.encoded_kvs.empty(), order == SortOrder::kDescend || plain.kvs.empty());
    }
  }
}

TEST_F(KvStoreTest, KeysOnlyRangeHasEveryFieldButTheValue) {
  Put("a", std::string(300 << 10, 'x'), 7);  // large enough to have its pages released
  Put("b", "small");
  Put("a", std::string(300 << 10, 'y'), 7);
  ASSERT_TRUE(backend_->ForceCommit().ok());
  Put("c", "buffered", 8);  // still in the write buffer
  for (SortOrder order : {SortOrder::kNone, SortOrder::kDescend}) {
    RangeRequest req;
    req.key = "a";
    req.range_end = std::string(kRangeToEnd);
    req.sort_order = order;
    RangeResponse full = *store_->Range(req);
    req.keys_only = true;
    RangeResponse keys = *store_->Range(req);
    ASSERT_EQ(keys.kvs.size(), 3u);
    EXPECT_EQ(keys.count, full.count);
    for (size_t i = 0; i < keys.kvs.size(); ++i) {
      mvccpb::KeyValue want = full.kvs[i];
      want.clear_value();
      EXPECT_EQ(keys.kvs[i].SerializeAsString(), want.SerializeAsString()) << i;
    }
  }
}

TEST_F(KvStoreTest, CompactedAndFutureRevisionsFailWithEtcdMessages) {
  Put("a", "1");
  Put("a", "2");
  Put("a", "3");
  RangeRequest req;
  req.key = "a";
  req.revision = 10;
  EXPECT_EQ(store_->Range(req).status().message(), "mvcc: required revision is a future revision");
  ASSERT_TRUE(store_->Compact(3).ok());
  store_->WaitCompacted(3);
  req.revision = 2;
  EXPECT_EQ(store_->Range(req).status().message(), "mvcc: required revision has been compacted");
  req.revision = 3;
  EXPECT_EQ(store_->Range(req)->kvs[0].value(), "2");
  EXPECT_TRUE(IsCompacted(store_->Compact(3)));
  EXPECT_TRUE(IsFutureRev(store_->Compact(5)));
  EXPECT_TRUE(IsCompacted(store_->HashKV(2).status()));
}

TEST_F(KvStoreTest, TxnUsesOneRevisionWithSubRevisionsAndNestedBranches) {
  Put("a", "1");
  auto nested = std::make_shared<TxnRequest>();
  nested->compare.push_back(Compare{Compare::Result::kEqual, Compare::Target::kVersion, "zz", "", 0});
  nested->success.emplace_back(PutRequest{"n", "yes"});
  nested->failure.emplace_back(PutRequest{"n", "no"});
  TxnRequest txn;
  txn.compare.push_back(Compare{Compare::Result::kEqual, Compare::Target::kValue, "a", "", 0, "1"});
  txn.success.emplace_back(PutRequest{"b", "2"});
  txn.success.emplace_back(RangeRequest{"b"});
  txn.success.emplace_back(std::shared_ptr<const TxnRequest>(nested));
  txn.failure.emplace_back(DeleteRangeRequest{"a"});
  auto r = store_->Txn(txn);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->succeeded);
  EXPECT_EQ(r->revision, 3);
  ASSERT_EQ(r->responses.size(), 3u);
  EXPECT_EQ(std::get<RangeResponse>(r->responses[1]).kvs.at(0).value(), "2");  // sees own write
  EXPECT_TRUE(std::get<std::shared_ptr<TxnResponse>>(r->responses[2])->succeeded);
  EXPECT_EQ(Get("n").kvs.at(0).mod_revision(), 3);
  EXPECT_EQ(Get("b").kvs.at(0).mod_revision(), 3);
  EXPECT_EQ(store_->Rev(), 3);
  // A failed compare on a missing key's value takes the failure branch.
  TxnRequest miss;
  miss.compare.push_back(Compare{Compare::Result::kNotEqual, Compare::Target::kValue, "nope", "", 0, "x"});
  miss.failure.emplace_back(RangeRequest{"a"});
  auto m = store_->Txn(miss);
  EXPECT_FALSE(m->succeeded);
  EXPECT_EQ(m->revision, 3);
}

TEST_F(KvStoreTest, PutChecksLeasesAndIgnoreFlags) {
  EXPECT_EQ(store_->Put(PutRequest{"a", "1", 99}).status().message(), "etcdserver: requested lease not found");
  PutRequest ignore{"a", "", 0, false, true};
  EXPECT_EQ(store_->Put(ignore).status().message(), "etcdserver: key not found");
  Put("a", "1", 7);
  EXPECT_EQ(leases_.attached.at("a"), 7);
  PutRequest keep_value{"a", "", 8, true, true};
  auto r = store_->Put(keep_value);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->prev_kv->value(), "1");
  EXPECT_EQ(Get("a").kvs[0].value(), "1");
  EXPECT_EQ(leases_.attached.at("a"), 8);
  ASSERT_TRUE(store_->DeleteRange(DeleteRangeRequest{"a"}).ok());
  EXPECT_TRUE(leases_.attached.empty());
  Put("b", "1", 7);
  Reopen();
  EXPECT_EQ(leases_.attached, (std::map<std::string, int64_t>{{"b", 7}}));
}

TEST_F(KvStoreTest, ReopenRestoresHistoryCompactionAndHash) {
  Put("a", "1");
  Put("b", "1");
  ASSERT_TRUE(store_->DeleteRange(DeleteRangeRequest{"a"}).ok());
  Put("a", "2");
  Put("b", "2");
  ASSERT_TRUE(store_->Compact(4).ok());
  store_->WaitCompacted(4);
  const auto hash = store_->HashKV(0).value();
  Reopen();
  EXPECT_EQ(store_->Rev(), 6);
  EXPECT_EQ(store_->CompactRev(), 4);
  EXPECT_EQ(store_->HashKV(0)->hash, hash.hash);
  EXPECT_EQ(Get("a").kvs.at(0).version(), 1);
  EXPECT_EQ(Get("b").kvs.at(0).version(), 2);
  EXPECT_EQ(Get("b", "", 4).kvs.at(0).value(), "1");
  EXPECT_TRUE(Get("a", "", 4).kvs.empty());
}

TEST_F(KvStoreTest, InterruptedCompactionResumesAtOpen) {
  Put("a", "1");
  Put("a", "2");
  Put("a", "3");
  {
    // As if the process stopped after scheduling compaction at 3.
    backend::BatchTx tx = backend_->BeginWrite();
    tx.Put(backend::Bucket::kMeta, backend::kScheduledCompactKey, EncodeRevision({3, 0}));
  }
  Reopen();
  EXPECT_EQ(store_->CompactRev(), 3);
  store_->WaitCompacted(3);
  size_t rows = 0;
  auto tx = backend_->BeginRead();
  ASSERT_TRUE(tx->Range(backend::Bucket::kKey, "", "", 0, [&](auto, auto) { return ++rows, true; }).ok());
  EXPECT_EQ(rows, 2u);  // revisions 3 (kept) and 4
}

TEST_F(KvStoreTest, HashKvSkipsRowsAwaitingCompaction) {
  Put("a", "1");
  Put("a", "2");
  Put("a", "3");
  ASSERT_TRUE(store_->Compact(3).ok());
  const uint32_t early = store_->HashKV(4)->hash;
  store_->WaitCompacted(3);
  EXPECT_EQ(store_->HashKV(4)->hash, early);
}

// Golden values from etcd 3.4.23 (`etcdctl endpoint hashkv`) after the same operations:
// the key bucket's bytes, and so HashKV, match etcd's.
TEST_F(KvStoreTest, HashKvMatchesEtcd) {
  EXPECT_EQ(store_->CompactRev(), -1);
  Put("a", "1");
  Put("b", "2");
  Put("a", "3");
  ASSERT_TRUE(store_->DeleteRange(DeleteRangeRequest{"b"}).ok());
  Put("c/x", "hello world");
  TxnRequest txn;
  txn.compare.push_back(Compare{Compare::Result::kEqual, Compare::Target::kValue, "a", "", 0, "3"});
  txn.success.emplace_back(PutRequest{"d", "4"});
  txn.success.emplace_back(PutRequest{"e", "5"});
  txn.failure.emplace_back(PutRequest{"f", "6"});
  ASSERT_TRUE(store_->Txn(txn).ok());
  auto now = store_->HashKV(0);
  EXPECT_EQ(now->hash, 1986877361u);
  EXPECT_EQ(now->compact_revision, -1);
  EXPECT_EQ(now->revision, 7);
  EXPECT_EQ(store_->HashKV(4)->hash, 2069675932u);
  ASSERT_TRUE(store_->Compact(4).ok());
  EXPECT_EQ(store_->HashKV(0)->hash, 2910436860u);
  store_->WaitCompacted(4);
  EXPECT_EQ(store_->HashKV(0)->hash, 2910436860u);
  EXPECT_EQ(store_->HashKV(0)->compact_revision, 4);
}

}  // namespace
}  // namespace etcdpp::mvcc
