// The KV operations as mvcc executes them: etcd's RangeRequest, PutRequest,
// DeleteRangeRequest, Compare and TxnRequest with the same fields and meanings, as plain
// structs (the api layer converts from etcdserverpb). Responses carry what etcd puts in
// the response (header revision, count, more, prev_kvs, ...). Plain values.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "mvcc/encoded_rows.h"
#include "mvccpb/kv.pb.h"

namespace etcdpp::mvcc {

// range_end conventions (etcd's): empty = only `key`; "\0" = every key >= key;
// otherwise [key, range_end).
enum class SortOrder { kNone, kAscend, kDescend };
enum class SortTarget { kKey, kVersion, kCreate, kMod, kValue };

struct RangeRequest {
  std::string key;
  std::string range_end;
  int64_t limit = 0;
  int64_t revision = 0;  // 0: current
  SortOrder sort_order = SortOrder::kNone;
  SortTarget sort_target = SortTarget::kKey;
  bool keys_only = false;
  bool count_only = false;
  int64_t min_mod_revision = 0;
  int64_t max_mod_revision = 0;
  int64_t min_create_revision = 0;
  int64_t max_create_revision = 0;
  // Ask for the key-values already encoded (RangeResponse::encoded_kvs) when nothing
  // needs them decoded (no sort but by key ascending, no filter, no keys_only).
  bool encode = false;
  // With `encode`: a large answer's key-values as RangeResponse::encoded_rows, read from
  // the backend as they are sent, instead of copied into encoded_kvs (a large range is not
  // held whole; a small one, under 256 KiB, is still copied).
  bool stream = false;
};

inline constexpr size_t kRangeTrailerRoom = 128;

struct RangeResponse {
  int64_t revision = 0;  // header revision
  std::vector<mvccpb::KeyValue> kvs;
  // When the request's `encode` was honoured: kvs stays empty and this holds them as
  // etcdserverpb.RangeResponse field 2 entries, in order, copied once from the backend.
  // Its capacity leaves kRangeTrailerRoom bytes for the response's other fields (header,
  // more, count), appended after it without moving the entries.
  std::string encoded_kvs;
  // When `stream` was honoured: the key-values, to be read chunk by chunk.
  std::shared_ptr<EncodedRows> encoded_rows;
  bool more = false;
  int64_t count = 0;
};

struct PutRequest {
  std::string key;
  std::string value;
  int64_t lease = 0;
  bool prev_kv = false;
  bool ignore_value = false;
  bool ignore_lease = false;
};

struct PutResponse {
  int64_t revision = 0;
  std::optional<mvccpb::KeyValue> prev_kv;
};

struct DeleteRangeRequest {
  std::string key;
  std::string range_end;
  bool prev_kv = false;
};

struct DeleteRangeResponse {
  int64_t revision = 0;
  int64_t deleted = 0;
  std::vector<mvccpb::KeyValue> prev_kvs;
};

struct Compare {
  enum class Result { kEqual, kGreater, kLess, kNotEqual };
  enum class Target { kVersion, kCreate, kMod, kValue, kLease };
  Result result = Result::kEqual;
  Target target = Target::kVersion;
  std::string key;
  std::string range_end;
  int64_t number = 0;  // version, create/mod revision or lease, by target
  std::string value;   // for Target::kValue
};

struct TxnRequest;
struct TxnResponse;
using RequestOp = std::variant<RangeRequest, PutRequest, DeleteRangeRequest,
                               std::shared_ptr<const TxnRequest>>;
using ResponseOp = std::variant<RangeResponse, PutResponse, DeleteRangeResponse,
                                std::shared_ptr<TxnResponse>>;

struct TxnRequest {
  std::vector<Compare> compare;
  std::vector<RequestOp> success;
  std::vector<RequestOp> failure;
};

struct TxnResponse {
  int64_t revision = 0;
  bool succeeded = false;
  std::vector<ResponseOp> responses;
};

struct HashKvResult {
  uint32_t hash = 0;
  int64_t compact_revision = 0;
  int64_t revision = 0;  // header revision
};

}  // namespace etcdpp::mvcc
