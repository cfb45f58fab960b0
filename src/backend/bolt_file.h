// bbolt files: etcd 3.4's backend format, written and read so that our data can travel
// where etcd's tools expect etcd's file: Maintenance.Snapshot sends a bbolt file (which
// `etcdctl snapshot status|restore` open directly), and a data dir restored by etcdctl
// holds one at member/snap/db, converted to our LMDB backend when the member opens it.
// Layout written (page size 4096, docs/formats/backend.md): pages 0-1 meta, then each
// bucket's leaf pages and branch levels, the root bucket's leaf, and an empty freelist page;
// every page reachable, none free, so bbolt's consistency check passes.
//
// Threads: plain functions; callers own the files.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "backend/read_tx.h"
#include "base/status.h"

namespace etcdpp::backend {

// Writes the etcd buckets seen by `tx` into a new bbolt file at `path` (fsync'd) and
// returns its size. Memory: one page plus one key per written leaf page.
Result<uint64_t> WriteBoltFile(const ReadTx& tx, const std::string& path);

// Whether `path` starts with a bbolt meta page.
bool IsBoltFile(const std::string& path);

using BoltVisitor = std::function<Status(std::string_view bucket, std::string_view key, std::string_view value)>;
// Visits every key/value of every top-level bucket of the bbolt file at `path`, buckets in
// name order and keys in order. Refuses a malformed file with Corruption.
Status ReadBoltFile(const std::string& path, const BoltVisitor& visit);

// Replaces the bbolt file at `path` with an LMDB backend holding the same etcd buckets
// (other buckets are dropped). A crash leaves either the old file or the new one.
Status ConvertBoltToBackend(const std::string& path);

}  // namespace etcdpp::backend
