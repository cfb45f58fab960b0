// The checks etcd's v3 API runs on a request before it reaches the server (empty keys,
// ignore_value/ignore_lease misuse, the txn operation bound, overlapping writes in one
// txn branch), with etcd's errors. Pure functions; any thread.
#pragma once

#include <cstdint>

#include "base/status.h"
#include "etcdserverpb/rpc.pb.h"

namespace etcdpp::api {

Status CheckRange(const etcdserverpb::RangeRequest& r);
Status CheckPut(const etcdserverpb::PutRequest& r);
Status CheckDeleteRange(const etcdserverpb::DeleteRangeRequest& r);
// Everything etcd checks for a Txn: size bound, keys, nested requests, then duplicate or
// overlapping put/delete keys within each branch.
Status CheckTxn(const etcdserverpb::TxnRequest& r, uint64_t max_txn_ops);

}  // namespace etcdpp::api
