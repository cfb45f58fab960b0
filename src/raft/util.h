// Small helpers over raftpb types shared by the raft core, its tests and its host:
// message classification, payload sizes, size limiting, and printable descriptions.
// Pure functions; any thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "raft/config.h"
#include "raftpb/raft.pb.h"

namespace etcdpp::raft {

using Entries = std::vector<raftpb::Entry>;

const char* MessageTypeName(raftpb::MessageType t);
bool IsLocalMsg(raftpb::MessageType t);
bool IsResponseMsg(raftpb::MessageType t);
raftpb::MessageType VoteRespMsgType(raftpb::MessageType t);

bool IsEmptySnap(const raftpb::Snapshot& s);
bool IsEmptyHardState(const raftpb::HardState& h);
bool HardStateEqual(const raftpb::HardState& a, const raftpb::HardState& b);

// Bytes an entry takes once encoded (what size limits count).
uint64_t EntrySize(const raftpb::Entry& e);
// Sum of data sizes: what the uncommitted-size bound counts.
uint64_t PayloadsSize(const Entries& ents);
// Keeps the longest prefix within max_bytes, but always at least one entry.
void LimitSize(Entries* ents, uint64_t max_bytes);

raftpb::Entry MakeEntry(uint64_t index, uint64_t term, std::string data = {},
                        raftpb::EntryType type = raftpb::EntryNormal);
raftpb::HardState MakeHardState(uint64_t term, uint64_t vote, uint64_t commit);

// Sets every field etcd's encoder always writes (its non-nullable fields), so our
// encoding of a message is byte-identical to etcd's. The transport calls this before
// encoding; the core leaves unset fields unset to stay cheap.
void SetEtcdDefaults(raftpb::Message* m);
void SetEtcdDefaults(raftpb::ConfState* cs);

// Short human-readable forms, used by logs and the interaction tests.
std::string DescribeEntry(const raftpb::Entry& e);
std::string DescribeMessage(const raftpb::Message& m);
std::string DescribeConfState(const raftpb::ConfState& cs);

}  // namespace etcdpp::raft
