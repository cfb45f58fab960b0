#include "api/request_checks.h"

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "server/errors.h"

namespace etcdpp::api {
namespace {

namespace errors = server::errors;
using etcdserverpb::RequestOp;

Status CheckOp(const RequestOp& op, int64_t max_txn_ops);

Status CheckTxnShape(const etcdserverpb::TxnRequest& r, int64_t max_txn_ops) {
  int64_t ops = std::max({r.compare_size(), r.success_size(), r.failure_size()});
  if (ops > max_txn_ops) return errors::kTooManyOps.status();
  for (const auto& c : r.compare()) {
    if (c.key().empty()) return errors::kEmptyKey.status();
  }
  for (const auto& op : r.success()) ETCDPP_RETURN_IF_ERROR(CheckOp(op, max_txn_ops - ops));
  for (const auto& op : r.failure()) ETCDPP_RETURN_IF_ERROR(CheckOp(op, max_txn_ops - ops));
  return Status();
}

Status CheckOp(const RequestOp& op, int64_t max_txn_ops) {
  switch (op.request_case()) {
    case RequestOp::kRequestRange: return CheckRange(op.request_range());
    case RequestOp::kRequestPut: return CheckPut(op.request_put());
    case RequestOp::kRequestDeleteRange: return CheckDeleteRange(op.request_delete_range());
    case RequestOp::kRequestTxn: return CheckTxnShape(op.request_txn(), max_txn_ops);
    default: return errors::kKeyNotFound.status();
  }
}

// Deleted key ranges [begin, end); an empty end is unbounded, as etcd's interval tree
// treats it (a range end of "\0" is taken literally there, as in etcd).
struct DeletedRanges {
  std::vector<std::pair<std::string, std::string>> ranges;
  bool Covers(const std::string& key) const {
    for (const auto& [b, e] : ranges) {
      if (b <= key && (e.empty() || key < e)) return true;
    }
    return false;
  }
};

struct Writes {
  std::set<std::string> puts;
  DeletedRanges dels;
};

Result<Writes> CheckWrites(const google::protobuf::RepeatedPtrField<RequestOp>& ops) {
  Writes w;
  for (const auto& op : ops) {
    if (op.request_case() != RequestOp::kRequestDeleteRange) continue;
    const auto& d = op.request_delete_range();
    w.dels.ranges.emplace_back(d.key(), d.range_end().empty() ? d.key() + '\0' : d.range_end());
  }
  for (const auto& op : ops) {
    if (op.request_case() != RequestOp::kRequestTxn) continue;
    ETCDPP_ASSIGN_OR_RETURN(Writes then_w, CheckWrites(op.request_txn().success()));
    ETCDPP_ASSIGN_OR_RETURN(Writes else_w, CheckWrites(op.request_txn().failure()));
    for (const auto& k : then_w.puts) {
      if (w.puts.count(k) || w.dels.Covers(k)) return errors::kDuplicateKey.status();
      w.puts.insert(k);
    }
    for (const auto& k : else_w.puts) {
      // Both branches of one nested txn may put the same key: only one of them runs.
      if (w.puts.count(k) && !then_w.puts.count(k)) return errors::kDuplicateKey.status();
      if (w.dels.Covers(k)) return errors::kDuplicateKey.status();
      w.puts.insert(k);
    }
    for (auto* nested : {&then_w.dels, &else_w.dels}) {
      for (auto& r : nested->ranges) {
        if (r.first >= std::string(1, '\0')) w.dels.ranges.push_back(r);
      }
    }
  }
  for (const auto& op : ops) {
    if (op.request_case() != RequestOp::kRequestPut) continue;
    const std::string& k = op.request_put().key();
    if (w.puts.count(k) || w.dels.Covers(k)) return errors::kDuplicateKey.status();
    w.puts.insert(k);
  }
  return w;
}

}  // namespace

Status CheckRange(const etcdserverpb::RangeRequest& r) {
  return r.key().empty() ? errors::kEmptyKey.status() : Status();
}

Status CheckPut(const etcdserverpb::PutRequest& r) {
  if (r.key().empty()) return errors::kEmptyKey.status();
  if (r.ignore_value() && !r.value().empty()) return errors::kValueProvided.status();
  if (r.ignore_lease() && r.lease() != 0) return errors::kLeaseProvided.status();
  return Status();
}

Status CheckDeleteRange(const etcdserverpb::DeleteRangeRequest& r) {
  return r.key().empty() ? errors::kEmptyKey.status() : Status();
}

Status CheckTxn(const etcdserverpb::TxnRequest& r, uint64_t max_txn_ops) {
  ETCDPP_RETURN_IF_ERROR(CheckTxnShape(r, static_cast<int64_t>(max_txn_ops)));
  // Overlaps are checked after the shape, so a huge request fails fast on its size.
  ETCDPP_RETURN_IF_ERROR(CheckWrites(r.success()).status());
  return CheckWrites(r.failure()).status();
}

}  // namespace etcdpp::api
