// KvView (internal to mvcc): what a read operation reads from — the index, a backend view of
// the key bucket that holds every row the index can name at `rev`, and the revisions that
// bound valid reads. Built by KvStore for plain reads and by WriteTxn inside writes.
#pragma once

#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "mvcc/requests.h"
#include "mvcc/tree_index.h"
#include "mvccpb/kv.pb.h"

namespace etcdpp::mvcc {

struct KvView {
  const TreeIndex* index = nullptr;
  // Reads a row of the key bucket by its encoded revision.
  std::function<Result<std::optional<std::string>>(std::string_view)> get_row;
  // Optional: the same row without a copy (backend::ReadTx::GetView).
  std::function<Result<std::optional<std::string_view>>(std::string_view, std::deque<std::string>*)> get_row_view;
  // Optional: the rows of a streamed range (RangeRequest::stream), pinned at `rev`.
  std::function<std::shared_ptr<EncodedRows>(std::vector<Revision> rows, size_t size_bytes)> make_encoded_rows;
  int64_t rev = 0;        // the newest revision this view may read
  int64_t first_rev = 0;  // the compact revision: older reads fail
};

struct RangeKeysResult {
  std::vector<mvccpb::KeyValue> kvs;
  int64_t count = 0;
};

// mvcc's range: keys live at req_rev (0: view.rev) in [key, end), the first `limit` (0: all)
// read in key order, and the total count. ErrFutureRev / ErrCompacted as etcd.
Result<RangeKeysResult> RangeKeys(const KvView& view, std::string_view key, std::string_view end,
                                  int64_t req_rev, int64_t limit, bool count_only);
// etcd's Range as the server answers it: limit, sort, min/max filters, keys_only, more, count.
Result<RangeResponse> ExecuteRange(const KvView& view, const RangeRequest& req);
// etcd's compare: true when every key in the compare's range satisfies it (a missing key
// compares as zero values; a VALUE compare on a missing key is false).
bool EvaluateCompare(const KvView& view, const Compare& cmp);

}  // namespace etcdpp::mvcc
