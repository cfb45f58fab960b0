#include "mvcc/kv_store.h"

#include "mvcc/write_txn.h"

namespace etcdpp::mvcc {

using backend::Bucket;

WriteTxn::WriteTxn(KvStore* store)
    : store_(store), tx_(store->backend_->BeginWrite()), begin_rev_(store->Rev()) {
  view_.index = &store_->index_;
  view_.get_row = [this](std::string_view row) { return tx_.Get(Bucket::kKey, row); };
}

const KvView& WriteTxn::view() {
  view_.rev = rev();
  view_.first_rev = store_->CompactRev();
  return view_;
}

Result<std::optional<mvccpb::KeyValue>> WriteTxn::Current(std::string_view key) {
  std::optional<KeyInfo> info = store_->index_.Get(key, rev());
  if (!info) return std::optional<mvccpb::KeyValue>();
  ETCDPP_ASSIGN_OR_RETURN(auto row, tx_.Get(Bucket::kKey, EncodeRevision(info->modified)));
  mvccpb::KeyValue kv;
  if (!row || !kv.ParseFromString(*row)) return Internal("mvcc: live key's row missing in the backend");
  return std::optional<mvccpb::KeyValue>(std::move(kv));
}

int64_t WriteTxn::Put(std::string_view key, std::string_view value, int64_t lease) {
  const int64_t rev = begin_rev_ + 1;
  const Revision row_rev{rev, static_cast<int64_t>(changes_.size())};
  std::optional<KeyInfo> prev = store_->index_.Get(key, rev);
  int64_t old_lease = 0;
  if (prev && store_->leases_ != nullptr) {
    auto cur = Current(key);
    ETCDPP_CHECK(cur.ok(), cur.status().ToString());
    if (*cur) old_lease = (*cur)->lease();
  }
  mvccpb::Event& ev = changes_.emplace_back();
  ev.set_type(mvccpb::Event::PUT);
  mvccpb::KeyValue* kv = ev.mutable_kv();
  kv->set_key(std::string(key));
  kv->set_create_revision(prev ? prev->created.main : rev);
  kv->set_mod_revision(rev);
  kv->set_version(prev ? prev->version + 1 : 1);
  kv->set_value(std::string(value));
  kv->set_lease(lease);
  tx_.Put(Bucket::kKey, EncodeRevision(row_rev), kv->SerializeAsString());
  store_->index_.Put(key, row_rev);
  if (store_->leases_ != nullptr) {
    if (old_lease != 0) store_->leases_->Detach(old_lease, key);
    if (lease != 0) store_->leases_->Attach(lease, key);
  }
  return rev;
}

Result<int64_t> WriteTxn::DeleteRange(std::string_view key, std::string_view end) {
  std::vector<std::string> keys;
  store_->index_.Range(key, end, rev(), [&](const std::string& k, const KeyInfo&) {
    keys.push_back(k);
    return true;
  });
  const int64_t rev = begin_rev_ + 1;
  for (const std::string& k : keys) {
    int64_t old_lease = 0;
    if (store_->leases_ != nullptr) {
      ETCDPP_ASSIGN_OR_RETURN(auto cur, Current(k));
      if (cur) old_lease = cur->lease();
    }
    const Revision row_rev{rev, static_cast<int64_t>(changes_.size())};
    mvccpb::KeyValue tomb;
    tomb.set_key(k);
    tx_.Put(Bucket::kKey, EncodeRevision(row_rev, /*tombstone=*/true), tomb.SerializeAsString());
    ETCDPP_RETURN_IF_ERROR(store_->index_.Tombstone(k, row_rev));
    mvccpb::Event& ev = changes_.emplace_back();
    ev.set_type(mvccpb::Event::DELETE);
    ev.mutable_kv()->set_key(k);
    ev.mutable_kv()->set_mod_revision(rev);
    if (old_lease != 0) store_->leases_->Detach(old_lease, k);
  }
  return static_cast<int64_t>(keys.size());
}

void WriteTxn::End() {
  if (ended_) return;
  ended_ = true;
  const bool changed = !changes_.empty();
  if (changed && store_->consistent_index_.index != 0) {
    backend::WriteConsistentIndex(tx_, store_->consistent_index_);
  }
  tx_.End();
  if (!changed) return;
  const int64_t rev = begin_rev_ + 1;
  store_->current_rev_.store(rev, std::memory_order_release);
  if (store_->observer_ != nullptr) store_->observer_->OnWrite(rev, changes_);
}

Result<std::unique_ptr<KvStore>> KvStore::Open(backend::Backend* backend, LeaseHooks* leases) {
  std::unique_ptr<KvStore> store(new KvStore(backend, leases));
  ETCDPP_RETURN_IF_ERROR(store->Restore());
  store->compactor_ = std::thread([s = store.get()] { s->CompactorLoop(); });
  // Finish a compaction that was scheduled but not completed before a crash.
  int64_t scheduled = store->CompactRev();
  if (scheduled > store->finished_compact_rev_) {
    std::lock_guard lock(store->compact_mu_);
    store->compact_queue_.emplace_back(scheduled, store->index_.Compact(scheduled));
    store->compact_cv_.notify_all();
  }
  return store;
}

KvStore::~KvStore() {
  {
    std::lock_guard lock(compact_mu_);
    stop_ = true;
  }
  compact_cv_.notify_all();
  pins_->Stop();
  if (compactor_.joinable()) compactor_.join();
}

Result<RangeResponse> KvStore::Range(const RangeRequest& req) const {
  std::shared_lock lock(mu_);
  KvView view;
  view.index = &index_;
  view.rev = Rev();
  view.first_rev = CompactRev();
  ETCDPP_ASSIGN_OR_RETURN(backend::ReadTx tx, backend_->BeginRead());
  view.get_row = [&tx](std::string_view row) { return tx.Get(Bucket::kKey, row); };
  view.get_row_view = [&tx](std::string_view row, std::deque<std::string>* keep) {
    return tx.GetView(Bucket::kKey, row, keep);
  };
  // Pinned under mu_: a compaction above this view's revision cannot have begun.
  view.make_encoded_rows = [this, rev = view.rev](std::vector<Revision> rows, size_t size_bytes) {
    return std::make_shared<EncodedRows>(backend_, pins_, rev, std::move(rows), size_bytes);
  };
  return ExecuteRange(view, req);
}

Result<PutResponse> KvStore::Put(const PutRequest& req) {
  TxnRequest txn;
  txn.success.emplace_back(req);
  ETCDPP_ASSIGN_OR_RETURN(TxnResponse resp, Txn(txn));
  return std::get<PutResponse>(std::move(resp.responses[0]));
}

Result<DeleteRangeResponse> KvStore::DeleteRange(const DeleteRangeRequest& req) {
  TxnRequest txn;
  txn.success.emplace_back(req);
  ETCDPP_ASSIGN_OR_RETURN(TxnResponse resp, Txn(txn));
  return std::get<DeleteRangeResponse>(std::move(resp.responses[0]));
}

Status KvStore::ScanEvents(int64_t from_rev, int64_t to_rev, size_t limit,
                           std::vector<mvccpb::Event>* out) const {
  ETCDPP_ASSIGN_OR_RETURN(backend::ReadTx tx, backend_->BeginRead());
  const std::string begin = EncodeRevision({from_rev, 0});
  const std::string end = EncodeRevision({to_rev + 1, 0});
  Status parse;
  ETCDPP_RETURN_IF_ERROR(tx.Range(Bucket::kKey, begin, end, limit, [&](std::string_view k, std::string_view v) {
    mvccpb::Event& ev = out->emplace_back();
    if (!ev.mutable_kv()->ParseFromArray(v.data(), static_cast<int>(v.size()))) {
      parse = Corruption("mvcc: unreadable row in the key bucket");
      return false;
    }
    if (IsTombstone(k)) {
      ev.set_type(mvccpb::Event::DELETE);
      auto rev = DecodeRevision(k);
      ev.mutable_kv()->set_mod_revision(rev.ok() ? rev->main : 0);
    }
    return true;
  }));
  return parse;
}

}  // namespace etcdpp::mvcc
