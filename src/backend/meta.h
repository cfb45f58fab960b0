// Meta-bucket helpers shared by the server and mvcc: 8-byte big-endian integers and the
// consistent index (the last applied raft index whose effects are in the backend, and its
// term). Written in the same BatchTx as the entry's effects, so both commit together and
// replay after a crash skips exactly the entries already applied.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "backend/batch_tx.h"
#include "backend/read_tx.h"
#include "base/status.h"

namespace etcdpp::backend {

std::string EncodeUint64(uint64_t value);
// Fails with Corruption unless `bytes` is exactly 8 bytes.
Result<uint64_t> DecodeUint64(std::string_view bytes);

struct ConsistentIndex {
  uint64_t index = 0;  // 0 when never written
  uint64_t term = 0;
};

void WriteConsistentIndex(BatchTx& tx, ConsistentIndex ci);
Result<ConsistentIndex> ReadConsistentIndex(const ReadTx& tx);

}  // namespace etcdpp::backend
