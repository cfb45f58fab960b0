// Helpers shared by the WAL tests (test-only; not part of the library).
#pragma once

#include <string>
#include <vector>

#include "raftpb/raft.pb.h"

namespace etcdpp::wal::test {

inline raftpb::Entry MakeEntry(uint64_t term, uint64_t index, std::string data) {
  raftpb::Entry e;
  e.set_type(raftpb::EntryNormal);
  e.set_term(term);
  e.set_index(index);
  e.set_data(std::move(data));
  return e;
}

inline raftpb::HardState MakeState(uint64_t term, uint64_t vote, uint64_t commit) {
  raftpb::HardState s;
  s.set_term(term);
  s.set_vote(vote);
  s.set_commit(commit);
  return s;
}

inline std::vector<raftpb::Entry> MakeEntries(uint64_t term, uint64_t first, uint64_t count,
                                              size_t data_bytes = 16) {
  std::vector<raftpb::Entry> out;
  for (uint64_t i = 0; i < count; ++i) {
    std::string data(data_bytes, static_cast<char>('a' + (first + i) % 26));
    out.push_back(MakeEntry(term, first + i, data));
  }
  return out;
}

inline std::vector<uint64_t> Indexes(const std::vector<raftpb::Entry>& es) {
  std::vector<uint64_t> out;
  for (const auto& e : es) out.push_back(e.index());
  return out;
}

}  // namespace etcdpp::wal::test
