// WriteTxn (internal to mvcc): one write operation of KvStore — a BatchTx plus the
// revision it will create. Changes get sub-revisions 0, 1, ... of revision begin_rev + 1;
// End() publishes the revision (if anything changed) and notifies the observer.
// Apply thread only; the caller holds KvStore::mu_ shared for its whole life.
#pragma once

#include <vector>

#include "backend/batch_tx.h"
#include "mvcc/kv_store.h"
#include "mvcc/kv_view.h"

namespace etcdpp::mvcc {

class WriteTxn {
 public:
  explicit WriteTxn(KvStore* store);
  ~WriteTxn() { End(); }

  // The revision reads inside this operation see: begin_rev, or begin_rev + 1 once
  // something changed.
  int64_t rev() const { return begin_rev_ + (changes_.empty() ? 0 : 1); }
  const KvView& view();

  // Returns the revision the put creates.
  int64_t Put(std::string_view key, std::string_view value, int64_t lease);
  // Deletes live keys of the range; returns how many.
  Result<int64_t> DeleteRange(std::string_view key, std::string_view end);
  bool changed() const { return !changes_.empty(); }
  void End();

 private:
  Result<std::optional<mvccpb::KeyValue>> Current(std::string_view key);

  KvStore* store_;
  backend::BatchTx tx_;
  int64_t begin_rev_;
  std::vector<mvccpb::Event> changes_;
  KvView view_;
  bool ended_ = false;
};

}  // namespace etcdpp::mvcc
