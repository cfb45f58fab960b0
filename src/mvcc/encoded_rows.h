// EncodedRows: the key-values of a Range answer produced a chunk at a time, so that a
// large range is never held whole in memory. Which rows and how many bytes they encode to
// are fixed when it is made (the gRPC length prefix needs the size first); their bytes
// are read from the backend as they are asked for, each chunk under a short read view, so
// no LMDB reader stays open while the client is slow.
//
// The rows stay in the backend while it lives: it pins its revision in RowPins, and the
// compactor waits before removing rows of a compaction above a pinned revision (a read
// at revision r only needs rows that a compaction at or below r keeps). The wait is
// bounded: a client that stops reading cannot hold compaction back for ever; if its rows
// go meanwhile, its answer ends with an error rather than sending less.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "base/status.h"
#include "mvcc/revision.h"

namespace etcdpp::backend {
class Backend;
}

namespace etcdpp::mvcc {

class RowPins {
 public:
  using Pin = std::multiset<int64_t>::iterator;
  Pin Add(int64_t rev);
  void Remove(Pin pin);
  // Waits until no pin is below `rev`, or `max` has passed; false if Stop was called.
  bool WaitNoneBelow(int64_t rev, std::chrono::milliseconds max);
  void Stop();

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::multiset<int64_t> revs_;
  bool stopped_ = false;
};

class EncodedRows {
 public:
  // `rows`: the revisions of the answer's key-values in order; `size_bytes`: their encoded
  // size as etcdserverpb.RangeResponse field 2 entries. Pins `rev` until destroyed.
  EncodedRows(backend::Backend* backend, std::shared_ptr<RowPins> pins, int64_t rev, std::vector<Revision> rows,
              size_t size_bytes);
  ~EncodedRows();
  EncodedRows(const EncodedRows&) = delete;
  EncodedRows& operator=(const EncodedRows&) = delete;

  size_t size_bytes() const { return size_bytes_; }
  // Appends the next entries to `out`: one, then more while `out` is under `max_bytes`.
  // Returns false once every entry is out. Fails if a row is gone or no longer the size
  // it had (the backend file was replaced meanwhile): the promised size cannot be kept.
  Result<bool> Next(std::string* out, size_t max_bytes);

 private:
  backend::Backend* const backend_;
  const std::shared_ptr<RowPins> pins_;
  const RowPins::Pin pin_;
  const std::vector<Revision> rows_;
  const size_t size_bytes_;
  size_t next_row_ = 0;
  size_t produced_bytes_ = 0;
};

// The encoded size of one row as a RangeResponse.kvs entry (tag, length, bytes).
size_t EncodedKvEntryBytes(size_t row_bytes);
// Appends that entry.
void AppendKvEntry(std::string* out, std::string_view row);

}  // namespace etcdpp::mvcc
