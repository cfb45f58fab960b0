// BatchTx: exclusive write access to the backend for one logical operation (an applied raft
// entry, a compaction chunk). Writes land in the backend's write buffer, visible to new
// ReadTx at once and committed durably with the rest of the batch; an operation is never
// split across two commits. Reads through the BatchTx see its own writes.
//
// Holds the backend write lock from BeginWrite until End (or destruction); must be ended
// on the thread that began it, and that thread must not begin another.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "backend/read_tx.h"
#include "backend/schema.h"
#include "backend/write_buffer.h"

namespace etcdpp::backend {

class Backend;

class BatchTx {
 public:
  BatchTx(BatchTx&&) = default;
  BatchTx& operator=(BatchTx&&) = delete;
  ~BatchTx() { End(); }

  void Put(Bucket bucket, std::string_view key, std::string_view value);
  void Delete(Bucket bucket, std::string_view key);
  Result<std::optional<std::string>> Get(Bucket bucket, std::string_view key);
  Status Range(Bucket bucket, std::string_view begin, std::string_view end, size_t limit,
               const ReadTx::Visitor& fn);
  // Releases the write lock; the batch may be sealed for commit if it is full.
  void End();

 private:
  friend class Backend;
  BatchTx(Backend* backend, std::unique_lock<std::mutex> lock, std::shared_ptr<WriteBuffer> active)
      : backend_(backend), lock_(std::move(lock)), active_(std::move(active)) {}
  Status EnsureView();

  Backend* backend_;
  std::unique_lock<std::mutex> lock_;
  std::shared_ptr<WriteBuffer> active_;
  ReadTx view_;  // opened at the first read; sees every write of the buffer
};

}  // namespace etcdpp::backend
