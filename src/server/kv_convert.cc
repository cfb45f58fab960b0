#include "server/kv_convert.h"

#include <memory>

#include "mvcc/errors.h"
#include "server/errors.h"

namespace etcdpp::server {
namespace {

mvcc::Compare CompareFromPb(const etcdserverpb::Compare& c) {
  mvcc::Compare out;
  out.key = c.key();
  out.range_end = c.range_end();
  switch (c.result()) {
    case etcdserverpb::Compare::EQUAL: out.result = mvcc::Compare::Result::kEqual; break;
    case etcdserverpb::Compare::GREATER: out.result = mvcc::Compare::Result::kGreater; break;
    case etcdserverpb::Compare::LESS: out.result = mvcc::Compare::Result::kLess; break;
    default: out.result = mvcc::Compare::Result::kNotEqual; break;
  }
  switch (c.target()) {
    case etcdserverpb::Compare::VERSION:
      out.target = mvcc::Compare::Target::kVersion;
      out.number = c.version();
      break;
    case etcdserverpb::Compare::CREATE:
      out.target = mvcc::Compare::Target::kCreate;
      out.number = c.create_revision();
      break;
    case etcdserverpb::Compare::MOD:
      out.target = mvcc::Compare::Target::kMod;
      out.number = c.mod_revision();
      break;
    case etcdserverpb::Compare::VALUE:
      out.target = mvcc::Compare::Target::kValue;
      out.value = c.value();
      break;
    default:
      out.target = mvcc::Compare::Target::kLease;
      out.number = c.lease();
      break;
  }
  return out;
}

std::vector<mvcc::RequestOp> OpsFromPb(const google::protobuf::RepeatedPtrField<etcdserverpb::RequestOp>& ops) {
  std::vector<mvcc::RequestOp> out;
  out.reserve(ops.size());
  for (const auto& op : ops) {
    switch (op.request_case()) {
      case etcdserverpb::RequestOp::kRequestRange: out.emplace_back(FromPb(op.request_range())); break;
      case etcdserverpb::RequestOp::kRequestPut: out.emplace_back(FromPb(op.request_put())); break;
      case etcdserverpb::RequestOp::kRequestDeleteRange:
        out.emplace_back(FromPb(op.request_delete_range()));
        break;
      case etcdserverpb::RequestOp::kRequestTxn:
        out.emplace_back(std::make_shared<const mvcc::TxnRequest>(FromPb(op.request_txn())));
        break;
      default: break;  // refused by the API checks before proposing
    }
  }
  return out;
}

void OpToPb(mvcc::ResponseOp& in, etcdserverpb::ResponseOp* out) {
  if (auto* r = std::get_if<mvcc::RangeResponse>(&in)) {
    ToPb(*r, out->mutable_response_range());
    out->mutable_response_range()->mutable_header()->set_revision(r->revision);
  } else if (auto* p = std::get_if<mvcc::PutResponse>(&in)) {
    ToPb(*p, out->mutable_response_put());
    out->mutable_response_put()->mutable_header()->set_revision(p->revision);
  } else if (auto* d = std::get_if<mvcc::DeleteRangeResponse>(&in)) {
    ToPb(*d, out->mutable_response_delete_range());
    out->mutable_response_delete_range()->mutable_header()->set_revision(d->revision);
  } else if (auto* t = std::get_if<std::shared_ptr<mvcc::TxnResponse>>(&in)) {
    ToPb(**t, out->mutable_response_txn());
    out->mutable_response_txn()->mutable_header()->set_revision((*t)->revision);
  }
}

}  // namespace

mvcc::RangeRequest FromPb(const etcdserverpb::RangeRequest& r) {
  mvcc::RangeRequest out;
  out.key = r.key();
  out.range_end = r.range_end();
  out.limit = r.limit();
  out.revision = r.revision();
  out.sort_order = static_cast<mvcc::SortOrder>(r.sort_order());
  out.sort_target = static_cast<mvcc::SortTarget>(r.sort_target());
  out.keys_only = r.keys_only();
  out.count_only = r.count_only();
  out.min_mod_revision = r.min_mod_revision();
  out.max_mod_revision = r.max_mod_revision();
  out.min_create_revision = r.min_create_revision();
  out.max_create_revision = r.max_create_revision();
  return out;
}

mvcc::PutRequest FromPb(const etcdserverpb::PutRequest& r) {
  return mvcc::PutRequest{r.key(), r.value(), r.lease(), r.prev_kv(), r.ignore_value(), r.ignore_lease()};
}

mvcc::DeleteRangeRequest FromPb(const etcdserverpb::DeleteRangeRequest& r) {
  return mvcc::DeleteRangeRequest{r.key(), r.range_end(), r.prev_kv()};
}

mvcc::TxnRequest FromPb(const etcdserverpb::TxnRequest& r) {
  mvcc::TxnRequest out;
  for (const auto& c : r.compare()) out.compare.push_back(CompareFromPb(c));
  out.success = OpsFromPb(r.success());
  out.failure = OpsFromPb(r.failure());
  return out;
}

void ToPb(mvcc::RangeResponse& in, etcdserverpb::RangeResponse* out) {
  out->mutable_kvs()->Reserve(static_cast<int>(in.kvs.size()));
  for (auto& kv : in.kvs) *out->add_kvs() = std::move(kv);
  in.kvs.clear();
  out->set_more(in.more);
  out->set_count(in.count);
}

void ToPb(mvcc::PutResponse& in, etcdserverpb::PutResponse* out) {
  if (in.prev_kv) *out->mutable_prev_kv() = std::move(*in.prev_kv);
}

void ToPb(mvcc::DeleteRangeResponse& in, etcdserverpb::DeleteRangeResponse* out) {
  out->set_deleted(in.deleted);
  for (auto& kv : in.prev_kvs) *out->add_prev_kvs() = std::move(kv);
  in.prev_kvs.clear();
}

void ToPb(mvcc::TxnResponse& in, etcdserverpb::TxnResponse* out) {
  out->set_succeeded(in.succeeded);
  for (auto& r : in.responses) OpToPb(r, out->add_responses());
}

Status MvccToClientError(const Status& s) {
  if (mvcc::IsCompacted(s)) return errors::kCompacted.status();
  if (mvcc::IsFutureRev(s)) return errors::kFutureRev.status();
  return s;
}

}  // namespace etcdpp::server
