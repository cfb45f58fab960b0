// ReadTx: a consistent read-only view of the backend: an LMDB snapshot of the last commit
// overlaid with the applied-but-uncommitted writes visible when the view was taken.
//
// Readers never block the writer: the view holds no lock, only references (the LMDB
// environment generation, the write buffers it overlays, a reader slot). Move-only; any
// thread may use it, one at a time; end it promptly (an open view pins old pages).
#pragma once

#include <lmdb.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "backend/lmdb_env.h"
#include "backend/schema.h"
#include "backend/write_buffer.h"
#include "base/status.h"

namespace etcdpp::backend {

class ReadTx {
 public:
  // Visitor of one key/value; return false to stop. The views are valid during the call.
  using Visitor = std::function<bool(std::string_view key, std::string_view value)>;

  ReadTx() = default;
  ReadTx(ReadTx&& other) noexcept { *this = std::move(other); }
  ReadTx& operator=(ReadTx&& other) noexcept;
  ~ReadTx() { End(); }

  bool valid() const { return txn_ != nullptr; }
  // The value of `key`, or nullopt when absent. Errors are LMDB failures.
  Result<std::optional<std::string>> Get(Bucket bucket, std::string_view key) const;
  // Like Get without copying a committed value: the view points into the snapshot and is
  // valid until End. A value still in a write buffer is copied into `keep` (whose
  // elements do not move) and the view points there.
  Result<std::optional<std::string_view>> GetView(Bucket bucket, std::string_view key,
                                                  std::deque<std::string>* keep) const;
  // Visits keys in [begin, end) in ascending order (end empty: to the end of the bucket),
  // at most `limit` of them (0: no limit).
  Status Range(Bucket bucket, std::string_view begin, std::string_view end, size_t limit,
               const Visitor& fn) const;
  // Releases the snapshot; the view is unusable afterwards.
  void End();

 private:
  friend class Backend;
  friend class BatchTx;

  std::shared_ptr<LmdbEnv> env_;
  MDB_txn* txn_ = nullptr;
  std::shared_ptr<const WriteBuffer> sealed_;  // committing; may already be in txn_
  std::shared_ptr<const WriteBuffer> active_;  // visible up to seq_
  uint64_t seq_ = 0;
  std::function<void()> on_end_;  // lets the backend count open views
};

}  // namespace etcdpp::backend
