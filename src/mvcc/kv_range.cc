// Read-side semantics shared by plain reads and reads inside write transactions.
#include <algorithm>

#include "backend/mapped_pages.h"
#include "mvcc/errors.h"
#include "mvcc/kv_row_meta.h"
#include "mvcc/kv_view.h"

namespace etcdpp::mvcc {
namespace {

bool SortTargetLess(SortTarget target, const mvccpb::KeyValue& a, const mvccpb::KeyValue& b) {
  switch (target) {
    case SortTarget::kKey: return a.key() < b.key();
    case SortTarget::kVersion: return a.version() < b.version();
    case SortTarget::kCreate: return a.create_revision() < b.create_revision();
    case SortTarget::kMod: return a.mod_revision() < b.mod_revision();
    case SortTarget::kValue: return a.value() < b.value();
  }
  return false;
}

template <typename Pred>
void Prune(std::vector<mvccpb::KeyValue>* kvs, Pred drop) {
  kvs->erase(std::remove_if(kvs->begin(), kvs->end(), drop), kvs->end());
}

// Answers smaller than this are built whole even when streaming is asked for.
constexpr size_t kStreamMinBytes = 256 << 10;

int CompareInt(int64_t a, int64_t b) { return a < b ? -1 : (a > b ? 1 : 0); }

Status MissingRow(const Revision& r) {
  return Internal("mvcc: index names revision " + std::to_string(r.main) + "_" + std::to_string(r.sub) +
                  " missing or unreadable in the backend");
}

// The rows (revisions) of the keys live at req_rev in [key, end), the first `limit` (0: all),
// and how many keys there are.
Status CollectRows(const KvView& view, std::string_view key, std::string_view end, int64_t req_rev,
                   int64_t limit, bool count_only, std::vector<Revision>* rows, int64_t* count) {
  if (req_rev > view.rev) return ErrFutureRev();
  const int64_t rev = req_rev <= 0 ? view.rev : req_rev;
  if (rev < view.first_rev) return ErrCompacted();
  view.index->Range(key, end, rev, [&](const std::string&, const KeyInfo& info) {
    ++*count;
    if (!count_only && (limit <= 0 || static_cast<int64_t>(rows->size()) < limit)) {
      rows->push_back(info.modified);
    }
    return true;
  });
  return Status::Ok();
}

bool CanEncode(const RangeRequest& req, bool filters) {
  const bool key_order = req.sort_target == SortTarget::kKey && req.sort_order != SortOrder::kDescend;
  return req.encode && key_order && !filters && !req.keys_only && !req.count_only;
}

// The fast path of ExecuteRange: rows copied once, straight from the backend into their
// encoded form (the backend stores each row as an encoded mvccpb.KeyValue), or, streamed,
// only their sizes read now and the rows later (EncodedRows).
Result<RangeResponse> EncodeRange(const KvView& view, const RangeRequest& req) {
  std::vector<Revision> rows;
  RangeResponse resp;
  const int64_t limit = req.limit > 0 ? req.limit + 1 : 0;  // one more tells `more`
  ETCDPP_RETURN_IF_ERROR(CollectRows(view, req.key, req.range_end, req.revision, limit, false, &rows, &resp.count));
  if (req.limit > 0 && static_cast<int64_t>(rows.size()) > req.limit) {
    rows.resize(req.limit);
    resp.more = true;
  }
  std::deque<std::string> keep;
  std::vector<std::string_view> bytes;
  bytes.reserve(rows.size());
  size_t total = 0;
  for (const Revision& r : rows) {
    // Only the row's size is read here: its bytes are not touched yet.
    ETCDPP_ASSIGN_OR_RETURN(std::optional<std::string_view> row, view.get_row_view(EncodeRevision(r), &keep));
    if (!row) return MissingRow(r);
    total += EncodedKvEntryBytes(row->size());
    bytes.push_back(*row);
  }
  resp.revision = view.rev;
  // A small answer costs less whole than in pieces (one more read of each row).
  if (req.stream && view.make_encoded_rows && total >= kStreamMinBytes) {
    resp.encoded_rows = view.make_encoded_rows(std::move(rows), total);
    return resp;
  }
  resp.encoded_kvs.reserve(total + kRangeTrailerRoom);
  for (std::string_view row : bytes) AppendKvEntry(&resp.encoded_kvs, row);
  return resp;
}

// A keys-only row: every field but the value, read without touching the value's bytes (a
// keys-only listing of large values would otherwise copy them all).
Status ParseWithoutValue(std::string_view row, mvccpb::KeyValue* kv) {
  ETCDPP_ASSIGN_OR_RETURN(RowMeta meta, ParseRowMeta(row));
  kv->set_key(std::string(meta.key));
  kv->set_create_revision(meta.create_revision);
  kv->set_mod_revision(meta.mod_revision);
  kv->set_version(meta.version);
  kv->set_lease(meta.lease);
  backend::ReleaseMappedPages(row);
  return Status::Ok();
}

// RangeKeys, with `without_values` reading rows as views and parsing them without values.
Result<RangeKeysResult> CollectKvs(const KvView& view, std::string_view key, std::string_view end,
                                   int64_t req_rev, int64_t limit, bool count_only, bool without_values) {
  RangeKeysResult out;
  std::vector<Revision> rows;
  ETCDPP_RETURN_IF_ERROR(CollectRows(view, key, end, req_rev, limit, count_only, &rows, &out.count));
  out.kvs.resize(rows.size());
  std::deque<std::string> keep;
  for (size_t i = 0; i < rows.size(); ++i) {
    const std::string rev = EncodeRevision(rows[i]);
    if (without_values) {
      ETCDPP_ASSIGN_OR_RETURN(std::optional<std::string_view> row, view.get_row_view(rev, &keep));
      if (!row || !ParseWithoutValue(*row, &out.kvs[i]).ok()) return MissingRow(rows[i]);
      keep.clear();
    } else {
      ETCDPP_ASSIGN_OR_RETURN(std::optional<std::string> row, view.get_row(rev));
      if (!row || !out.kvs[i].ParseFromString(*row)) return MissingRow(rows[i]);
    }
  }
  return out;
}

}  // namespace

Result<RangeKeysResult> RangeKeys(const KvView& view, std::string_view key, std::string_view end,
                                  int64_t req_rev, int64_t limit, bool count_only) {
  return CollectKvs(view, key, end, req_rev, limit, count_only, /*without_values=*/false);
}

Result<RangeResponse> ExecuteRange(const KvView& view, const RangeRequest& req) {
  const bool filters = req.min_mod_revision != 0 || req.max_mod_revision != 0 ||
                       req.min_create_revision != 0 || req.max_create_revision != 0;
  if (view.get_row_view && CanEncode(req, filters)) return EncodeRange(view, req);
  // Sorting and filtering need every key; a limit alone needs one extra to report `more`.
  int64_t limit = req.limit;
  if (req.sort_order != SortOrder::kNone || filters) limit = 0;
  if (limit > 0) ++limit;
  const bool without_values = req.keys_only && !req.count_only && req.sort_target != SortTarget::kValue &&
                              view.get_row_view != nullptr;
  ETCDPP_ASSIGN_OR_RETURN(RangeKeysResult rr, CollectKvs(view, req.key, req.range_end, req.revision, limit,
                                                        req.count_only, without_values));
  auto& kvs = rr.kvs;
  if (req.max_mod_revision != 0) Prune(&kvs, [&](const auto& kv) { return kv.mod_revision() > req.max_mod_revision; });
  if (req.min_mod_revision != 0) Prune(&kvs, [&](const auto& kv) { return kv.mod_revision() < req.min_mod_revision; });
  if (req.max_create_revision != 0) Prune(&kvs, [&](const auto& kv) { return kv.create_revision() > req.max_create_revision; });
  if (req.min_create_revision != 0) Prune(&kvs, [&](const auto& kv) { return kv.create_revision() < req.min_create_revision; });

  SortOrder order = req.sort_order;
  if (req.sort_target != SortTarget::kKey && order == SortOrder::kNone) order = SortOrder::kAscend;
  if (order == SortOrder::kAscend) {
    std::stable_sort(kvs.begin(), kvs.end(), [&](const auto& a, const auto& b) {
      return SortTargetLess(req.sort_target, a, b);
    });
  } else if (order == SortOrder::kDescend) {
    std::stable_sort(kvs.begin(), kvs.end(), [&](const auto& a, const auto& b) {
      return SortTargetLess(req.sort_target, b, a);
    });
  }
  RangeResponse resp;
  if (req.limit > 0 && static_cast<int64_t>(kvs.size()) > req.limit) {
    kvs.resize(req.limit);
    resp.more = true;
  }
  if (req.keys_only) {
    for (auto& kv : kvs) kv.clear_value();
  }
  resp.revision = view.rev;
  resp.count = rr.count;
  resp.kvs = std::move(kvs);
  return resp;
}

bool EvaluateCompare(const KvView& view, const Compare& cmp) {
  auto rr = RangeKeys(view, cmp.key, cmp.range_end, 0, 0, false);
  if (!rr.ok()) return false;
  auto holds = [&](const mvccpb::KeyValue& kv) {
    int r = 0;
    switch (cmp.target) {
      case Compare::Target::kValue: r = kv.value().compare(cmp.value); break;
      case Compare::Target::kCreate: r = CompareInt(kv.create_revision(), cmp.number); break;
      case Compare::Target::kMod: r = CompareInt(kv.mod_revision(), cmp.number); break;
      case Compare::Target::kVersion: r = CompareInt(kv.version(), cmp.number); break;
      case Compare::Target::kLease: r = CompareInt(kv.lease(), cmp.number); break;
    }
    switch (cmp.result) {
      case Compare::Result::kEqual: return r == 0;
      case Compare::Result::kNotEqual: return r != 0;
      case Compare::Result::kGreater: return r > 0;
      case Compare::Result::kLess: return r < 0;
    }
    return true;
  };
  if (rr->kvs.empty()) {
    if (cmp.target == Compare::Target::kValue) return false;
    return holds(mvccpb::KeyValue());
  }
  return std::all_of(rr->kvs.begin(), rr->kvs.end(), holds);
}

}  // namespace etcdpp::mvcc
