// Conversions between etcd's wire messages (etcdserverpb) and mvcc's request and response
// structs. Pure functions; any thread.
#pragma once

#include "base/status.h"
#include "etcdserverpb/rpc.pb.h"
#include "mvcc/requests.h"

namespace etcdpp::server {

mvcc::RangeRequest FromPb(const etcdserverpb::RangeRequest& r);
mvcc::PutRequest FromPb(const etcdserverpb::PutRequest& r);
mvcc::DeleteRangeRequest FromPb(const etcdserverpb::DeleteRangeRequest& r);
mvcc::TxnRequest FromPb(const etcdserverpb::TxnRequest& r);

// Fill the response body, moving the key-values out of `in` (a large range is then held
// once, not twice); the caller fills the header (revision included).
void ToPb(mvcc::RangeResponse& in, etcdserverpb::RangeResponse* out);
void ToPb(mvcc::PutResponse& in, etcdserverpb::PutResponse* out);
void ToPb(mvcc::DeleteRangeResponse& in, etcdserverpb::DeleteRangeResponse* out);
void ToPb(mvcc::TxnResponse& in, etcdserverpb::TxnResponse* out);

// mvcc's own messages travel to clients with etcd's "etcdserver: " prefix.
Status MvccToClientError(const Status& s);

}  // namespace etcdpp::server
