#include "api/request_checks.h"

#include <gtest/gtest.h>

#include "server/errors.h"

namespace etcdpp::api {
namespace {

namespace errors = server::errors;
using etcdserverpb::RequestOp;
using etcdserverpb::TxnRequest;

RequestOp PutOp(const std::string& key) {
  RequestOp op;
  op.mutable_request_put()->set_key(key);
  return op;
}

RequestOp DeleteOp(const std::string& key, const std::string& end = "") {
  RequestOp op;
  op.mutable_request_delete_range()->set_key(key);
  op.mutable_request_delete_range()->set_range_end(end);
  return op;
}

TEST(RequestChecks, EmptyKeysAreRefused) {
  EXPECT_TRUE(errors::kEmptyKey.Is(CheckRange({})));
  EXPECT_TRUE(errors::kEmptyKey.Is(CheckPut({})));
  EXPECT_TRUE(errors::kEmptyKey.Is(CheckDeleteRange({})));
  etcdserverpb::RangeRequest r;
  r.set_key("a");
  EXPECT_TRUE(CheckRange(r).ok());
}

TEST(RequestChecks, IgnoreFlagsMustComeWithoutTheirValue) {
  etcdserverpb::PutRequest p;
  p.set_key("k");
  p.set_ignore_value(true);
  p.set_value("v");
  EXPECT_TRUE(errors::kValueProvided.Is(CheckPut(p)));
  p.clear_value();
  p.set_ignore_lease(true);
  p.set_lease(5);
  EXPECT_TRUE(errors::kLeaseProvided.Is(CheckPut(p)));
}

TEST(RequestChecks, TxnOperationBoundCountsTheLargestList) {
  TxnRequest t;
  for (int i = 0; i < 3; ++i) *t.add_success() = PutOp("k" + std::to_string(i));
  EXPECT_TRUE(CheckTxn(t, 3).ok());
  EXPECT_TRUE(errors::kTooManyOps.Is(CheckTxn(t, 2)));
}

TEST(RequestChecks, EmptyRequestOpIsKeyNotFound) {
  TxnRequest t;
  t.add_success();
  EXPECT_TRUE(errors::kKeyNotFound.Is(CheckTxn(t, 128)));
}

TEST(RequestChecks, DuplicatePutsOrPutInsideDeletedRangeAreRefused) {
  TxnRequest t;
  *t.add_success() = PutOp("a");
  *t.add_success() = PutOp("a");
  EXPECT_TRUE(errors::kDuplicateKey.Is(CheckTxn(t, 128)));
  TxnRequest u;
  *u.add_failure() = DeleteOp("a", "c");
  *u.add_failure() = PutOp("b");
  EXPECT_TRUE(errors::kDuplicateKey.Is(CheckTxn(u, 128)));
  TxnRequest ok;
  *ok.add_success() = DeleteOp("a", "b");
  *ok.add_success() = PutOp("b");
  EXPECT_TRUE(CheckTxn(ok, 128).ok());
}

TEST(RequestChecks, NestedBranchesMayPutTheSameKey) {
  TxnRequest t;
  RequestOp nested;
  *nested.mutable_request_txn()->add_success() = PutOp("k");
  *nested.mutable_request_txn()->add_failure() = PutOp("k");
  *t.add_success() = nested;
  EXPECT_TRUE(CheckTxn(t, 128).ok());
  *t.add_success() = PutOp("k");
  EXPECT_TRUE(errors::kDuplicateKey.Is(CheckTxn(t, 128)));
}

}  // namespace
}  // namespace etcdpp::api
