#include "backend/read_tx.h"

#include <vector>

namespace etcdpp::backend {
namespace {

MDB_val Val(std::string_view s) { return MDB_val{s.size(), const_cast<char*>(s.data())}; }
std::string_view View(const MDB_val& v) { return {static_cast<const char*>(v.mv_data), v.mv_size}; }

// The buffered states of keys in range: the active buffer (as of seq) over the sealed one.
// A limit may cut a buffer short only where nothing above it can hide its live entries.
std::vector<WriteBuffer::Entry> Overlay(const WriteBuffer* sealed, const WriteBuffer* active,
                                        uint64_t seq, Bucket bucket, std::string_view begin,
                                        std::string_view end, size_t limit) {
  std::vector<WriteBuffer::Entry> top;
  if (active != nullptr) top = active->Collect(bucket, begin, end, seq, limit);
  if (sealed == nullptr) return top;
  std::vector<WriteBuffer::Entry> low = sealed->Collect(bucket, begin, end, UINT64_MAX,
                                                         top.empty() ? limit : 0);
  if (low.empty()) return top;
  if (top.empty()) return low;
  std::vector<WriteBuffer::Entry> merged;
  merged.reserve(top.size() + low.size());
  size_t i = 0, j = 0;
  while (i < top.size() || j < low.size()) {
    if (j == low.size() || (i < top.size() && top[i].key <= low[j].key)) {
      if (j < low.size() && top[i].key == low[j].key) ++j;
      merged.push_back(std::move(top[i++]));
    } else {
      merged.push_back(std::move(low[j++]));
    }
  }
  return merged;
}

}  // namespace

ReadTx& ReadTx::operator=(ReadTx&& other) noexcept {
  if (this != &other) {
    End();
    env_ = std::move(other.env_);
    txn_ = std::exchange(other.txn_, nullptr);
    sealed_ = std::move(other.sealed_);
    active_ = std::move(other.active_);
    seq_ = other.seq_;
    on_end_ = std::move(other.on_end_);
    other.on_end_ = nullptr;
  }
  return *this;
}

void ReadTx::End() {
  if (txn_ != nullptr) env_->EndRead(txn_);
  txn_ = nullptr;
  sealed_.reset();
  active_.reset();
  env_.reset();
  if (on_end_) std::exchange(on_end_, nullptr)();
}

Result<std::optional<std::string>> ReadTx::Get(Bucket bucket, std::string_view key) const {
  ETCDPP_CHECK(valid(), "Get on an ended ReadTx");
  if (active_ != nullptr) {
    if (auto e = active_->Get(bucket, key, seq_)) return std::move(e->value);
  }
  if (sealed_ != nullptr) {
    if (auto e = sealed_->Get(bucket, key, UINT64_MAX)) return std::move(e->value);
  }
  MDB_val k = Val(key), v{};
  int rc = mdb_get(txn_, env_->dbi(bucket), &k, &v);
  if (rc == MDB_NOTFOUND) return std::optional<std::string>();
  if (rc != 0) return LmdbStatus(rc, "get");
  return std::optional<std::string>(std::string(View(v)));
}

Result<std::optional<std::string_view>> ReadTx::GetView(Bucket bucket, std::string_view key,
                                                        std::deque<std::string>* keep) const {
  ETCDPP_CHECK(valid(), "GetView on an ended ReadTx");
  std::optional<WriteBuffer::Entry> buffered;
  if (active_ != nullptr) buffered = active_->Get(bucket, key, seq_);
  if (!buffered && sealed_ != nullptr) buffered = sealed_->Get(bucket, key, UINT64_MAX);
  if (buffered) {
    if (!buffered->value) return std::optional<std::string_view>();
    return std::optional<std::string_view>(keep->emplace_back(std::move(*buffered->value)));
  }
  MDB_val k = Val(key), v{};
  int rc = mdb_get(txn_, env_->dbi(bucket), &k, &v);
  if (rc == MDB_NOTFOUND) return std::optional<std::string_view>();
  if (rc != 0) return LmdbStatus(rc, "get");
  return std::optional<std::string_view>(View(v));
}

Status ReadTx::Range(Bucket bucket, std::string_view begin, std::string_view end, size_t limit,
                     const Visitor& fn) const {
  ETCDPP_CHECK(valid(), "Range on an ended ReadTx");
  const std::vector<WriteBuffer::Entry> buffered =
      Overlay(sealed_.get(), active_.get(), seq_, bucket, begin, end, limit);
  MDB_cursor* cursor = nullptr;
  int rc = mdb_cursor_open(txn_, env_->dbi(bucket), &cursor);
  if (rc != 0) return LmdbStatus(rc, "cursor_open");
  MDB_val k = Val(begin), v{};
  rc = mdb_cursor_get(cursor, &k, &v, begin.empty() ? MDB_FIRST : MDB_SET_RANGE);
  size_t bi = 0, emitted = 0;
  bool stop = false;
  while (!stop && (limit == 0 || emitted < limit)) {
    bool disk = rc == 0 && (end.empty() || View(k) < end);
    if (rc != 0 && rc != MDB_NOTFOUND) break;
    bool buf = bi < buffered.size();
    if (!disk && !buf) break;
    if (buf && (!disk || std::string_view(buffered[bi].key) <= View(k))) {
      const auto& e = buffered[bi++];
      if (disk && View(k) == e.key) rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT);
      if (!e.value) continue;  // deleted since the last commit
      stop = !fn(e.key, *e.value);
    } else {
      stop = !fn(View(k), View(v));
      rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT);
    }
    ++emitted;
  }
  mdb_cursor_close(cursor);
  if (rc != 0 && rc != MDB_NOTFOUND) return LmdbStatus(rc, "cursor_get");
  return Status::Ok();
}

}  // namespace etcdpp::backend
