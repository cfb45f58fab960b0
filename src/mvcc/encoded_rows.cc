#include "mvcc/encoded_rows.h"

#include <deque>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

#include "backend/backend.h"
#include "backend/mapped_pages.h"

namespace etcdpp::mvcc {
namespace {

using google::protobuf::io::CodedOutputStream;
using google::protobuf::internal::WireFormatLite;

constexpr int kRangeResponseKvsField = 2;  // etcdserverpb.RangeResponse.kvs
const uint32_t kKvsTag = WireFormatLite::MakeTag(kRangeResponseKvsField, WireFormatLite::WIRETYPE_LENGTH_DELIMITED);

}  // namespace

size_t EncodedKvEntryBytes(size_t row_bytes) {
  return CodedOutputStream::VarintSize32(kKvsTag) + CodedOutputStream::VarintSize64(row_bytes) + row_bytes;
}

void AppendKvEntry(std::string* out, std::string_view row) {
  const size_t at = out->size();
  out->resize(at + EncodedKvEntryBytes(row.size()));
  auto* p = reinterpret_cast<uint8_t*>(out->data() + at);
  p = CodedOutputStream::WriteVarint32ToArray(kKvsTag, p);
  p = CodedOutputStream::WriteVarint64ToArray(row.size(), p);
  std::copy(row.begin(), row.end(), p);
}

RowPins::Pin RowPins::Add(int64_t rev) {
  std::lock_guard lock(mu_);
  return revs_.insert(rev);
}

void RowPins::Remove(Pin pin) {
  std::lock_guard lock(mu_);
  revs_.erase(pin);
  cv_.notify_all();
}

bool RowPins::WaitNoneBelow(int64_t rev, std::chrono::milliseconds max) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, max, [&] { return stopped_ || revs_.empty() || *revs_.begin() >= rev; });
  return !stopped_;
}

void RowPins::Stop() {
  std::lock_guard lock(mu_);
  stopped_ = true;
  cv_.notify_all();
}

EncodedRows::EncodedRows(backend::Backend* backend, std::shared_ptr<RowPins> pins, int64_t rev,
                         std::vector<Revision> rows, size_t size_bytes)
    : backend_(backend),
      pins_(std::move(pins)),
      pin_(pins_->Add(rev)),
      rows_(std::move(rows)),
      size_bytes_(size_bytes) {}

EncodedRows::~EncodedRows() { pins_->Remove(pin_); }

Result<bool> EncodedRows::Next(std::string* out, size_t max_bytes) {
  if (next_row_ == rows_.size()) return false;
  ETCDPP_ASSIGN_OR_RETURN(backend::ReadTx tx, backend_->BeginRead());
  std::deque<std::string> keep;
  const size_t start = out->size();
  do {
    const Revision& r = rows_[next_row_];
    ETCDPP_ASSIGN_OR_RETURN(std::optional<std::string_view> row,
                            tx.GetView(backend::Bucket::kKey, EncodeRevision(r), &keep));
    if (!row) {
      return Internal("mvcc: row " + std::to_string(r.main) + "_" + std::to_string(r.sub) +
                      " of a range being sent is gone from the backend");
    }
    AppendKvEntry(out, *row);
    backend::ReleaseMappedPages(*row);
    keep.clear();
    ++next_row_;
  } while (next_row_ < rows_.size() && out->size() - start < max_bytes);
  produced_bytes_ += out->size() - start;
  const bool more = next_row_ < rows_.size();
  if (produced_bytes_ > size_bytes_ || (!more && produced_bytes_ != size_bytes_)) {
    return Internal("mvcc: the rows of a range being sent changed size in the backend");
  }
  return more;
}

}  // namespace etcdpp::mvcc
