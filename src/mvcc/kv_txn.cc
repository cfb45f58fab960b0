// Txn: compares decide a branch for the whole (possibly nested) transaction against the
// state before it; then requests are checked; then every operation is applied in one
// write operation (one revision), as etcd's applier does.
#include "mvcc/errors.h"
#include "mvcc/kv_store.h"
#include "mvcc/write_txn.h"

namespace etcdpp::mvcc {
namespace {

using backend::Bucket;

bool IsReadOnly(const TxnRequest& req) {
  for (const auto* ops : {&req.success, &req.failure}) {
    for (const RequestOp& op : *ops) {
      if (std::holds_alternative<PutRequest>(op) || std::holds_alternative<DeleteRangeRequest>(op)) {
        return false;
      }
      if (auto* nested = std::get_if<std::shared_ptr<const TxnRequest>>(&op)) {
        if (*nested != nullptr && !IsReadOnly(**nested)) return false;
      }
    }
  }
  return true;
}

const std::vector<RequestOp>& Branch(const TxnRequest& req, bool succeeded) {
  return succeeded ? req.success : req.failure;
}

// Pre-order outcomes of every transaction on the chosen path.
void ComputePath(const KvView& view, const TxnRequest& req, std::vector<bool>* path) {
  bool ok = true;
  for (const Compare& c : req.compare) {
    if (!EvaluateCompare(view, c)) {
      ok = false;
      break;
    }
  }
  path->push_back(ok);
  for (const RequestOp& op : Branch(req, ok)) {
    if (auto* nested = std::get_if<std::shared_ptr<const TxnRequest>>(&op); nested && *nested) {
      ComputePath(view, **nested, path);
    }
  }
}

class TxnRunner {
 public:
  TxnRunner(LeaseHooks* leases, WriteTxn* wtxn, const KvView* read_view)
      : leases_(leases), wtxn_(wtxn), read_view_(read_view) {}

  const KvView& View() { return wtxn_ != nullptr ? wtxn_->view() : *read_view_; }

  Status Check(const TxnRequest& req, const std::vector<bool>& path, size_t* pos) {
    const bool ok = path[(*pos)++];
    for (const RequestOp& op : Branch(req, ok)) {
      if (auto* nested = std::get_if<std::shared_ptr<const TxnRequest>>(&op)) {
        if (*nested) ETCDPP_RETURN_IF_ERROR(Check(**nested, path, pos));
      } else if (auto* put = std::get_if<PutRequest>(&op)) {
        if (put->ignore_value || put->ignore_lease) {
          ETCDPP_ASSIGN_OR_RETURN(auto rr, RangeKeys(View(), put->key, "", 0, 0, true));
          if (rr.count == 0) return ErrKeyNotFound();
        }
        if (put->lease != 0 && leases_ != nullptr && !leases_->LeaseExists(put->lease)) {
          return ErrLeaseNotFound();
        }
      } else if (auto* range = std::get_if<RangeRequest>(&op)) {
        if (range->revision == 0) continue;
        if (range->revision > View().rev) return ErrFutureRev();
        if (range->revision < View().first_rev) return ErrCompacted();
      }
    }
    return Status::Ok();
  }

  Status Apply(const TxnRequest& req, const std::vector<bool>& path, size_t* pos,
               TxnResponse* resp) {
    resp->succeeded = path[(*pos)++];
    for (const RequestOp& op : Branch(req, resp->succeeded)) {
      if (auto* range = std::get_if<RangeRequest>(&op)) {
        ETCDPP_ASSIGN_OR_RETURN(RangeResponse r, ExecuteRange(View(), *range));
        resp->responses.emplace_back(std::move(r));
      } else if (auto* put = std::get_if<PutRequest>(&op)) {
        ETCDPP_ASSIGN_OR_RETURN(PutResponse r, ApplyPut(*put));
        resp->responses.emplace_back(std::move(r));
      } else if (auto* del = std::get_if<DeleteRangeRequest>(&op)) {
        ETCDPP_ASSIGN_OR_RETURN(DeleteRangeResponse r, ApplyDelete(*del));
        resp->responses.emplace_back(std::move(r));
      } else {
        auto& nested = std::get<std::shared_ptr<const TxnRequest>>(op);
        auto nested_resp = std::make_shared<TxnResponse>();
        if (nested) ETCDPP_RETURN_IF_ERROR(Apply(*nested, path, pos, nested_resp.get()));
        resp->responses.emplace_back(std::move(nested_resp));
      }
    }
    return Status::Ok();
  }

 private:
  Result<PutResponse> ApplyPut(const PutRequest& req) {
    PutResponse resp;
    std::string value = req.value;
    int64_t lease = req.lease;
    if (req.prev_kv || req.ignore_value || req.ignore_lease) {
      ETCDPP_ASSIGN_OR_RETURN(auto rr, RangeKeys(View(), req.key, "", 0, 0, false));
      if (!rr.kvs.empty()) {
        if (req.ignore_value) value = rr.kvs[0].value();
        if (req.ignore_lease) lease = rr.kvs[0].lease();
        if (req.prev_kv) resp.prev_kv = std::move(rr.kvs[0]);
      } else if (req.ignore_value || req.ignore_lease) {
        return ErrKeyNotFound();
      }
    }
    resp.revision = wtxn_->Put(req.key, value, lease);
    return resp;
  }

  Result<DeleteRangeResponse> ApplyDelete(const DeleteRangeRequest& req) {
    DeleteRangeResponse resp;
    if (req.prev_kv) {
      ETCDPP_ASSIGN_OR_RETURN(auto rr, RangeKeys(View(), req.key, req.range_end, 0, 0, false));
      resp.prev_kvs = std::move(rr.kvs);
    }
    ETCDPP_ASSIGN_OR_RETURN(resp.deleted, wtxn_->DeleteRange(req.key, req.range_end));
    resp.revision = wtxn_->rev();
    return resp;
  }

  LeaseHooks* leases_;
  WriteTxn* wtxn_;
  const KvView* read_view_;
};

}  // namespace

Result<TxnResponse> KvStore::Txn(const TxnRequest& req) {
  std::shared_lock lock(mu_);
  if (!IsReadOnly(req)) {
    WriteTxn wtxn(this);
    return ExecuteTxn(req, &wtxn);
  }
  return ExecuteTxn(req, nullptr);
}

Result<TxnResponse> KvStore::ExecuteTxn(const TxnRequest& req, WriteTxn* wtxn) {
  KvView read_view;
  backend::ReadTx tx;
  if (wtxn == nullptr) {
    read_view.index = &index_;
    read_view.rev = Rev();
    read_view.first_rev = CompactRev();
    ETCDPP_ASSIGN_OR_RETURN(tx, backend_->BeginRead());
    read_view.get_row = [&tx](std::string_view row) { return tx.Get(Bucket::kKey, row); };
  }
  TxnRunner runner(leases_, wtxn, &read_view);
  std::vector<bool> path;
  ComputePath(runner.View(), req, &path);
  size_t pos = 0;
  ETCDPP_RETURN_IF_ERROR(runner.Check(req, path, &pos));
  TxnResponse resp;
  pos = 0;
  Status applied = runner.Apply(req, path, &pos, &resp);
  // Checks ran first, so a failure here means the backend or index is broken.
  ETCDPP_CHECK(applied.ok(), "mvcc: txn failed after its checks passed: " + applied.ToString());
  resp.revision = wtxn != nullptr ? wtxn->rev() : read_view.rev;
  if (wtxn != nullptr) wtxn->End();
  return resp;
}

}  // namespace etcdpp::mvcc
