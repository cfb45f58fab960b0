// Encoders and incremental decoders for the two stream encodings of etcd's peer protocol
// (docs/formats/peer.md):
//  - "message" streams: each raftpb.Message as an 8-byte big-endian length then its bytes;
//  - "msgappv2" streams: a 1-byte type, then for type 1 (entries appended right after the
//    previous MsgApp, same term) only the entries and the commit index, for type 2 a
//    length-prefixed full message, and type 0 a link heartbeat.
// A link heartbeat is a MsgHeartbeat with from = to = 0; it only keeps the link alive.
//
// Decoders take bytes as they arrive from the socket and hand out whole messages; they
// never allocate more than the frame limit for a declared length. One encoder or decoder
// belongs to one stream (one thread at a time).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "raftpb/raft.pb.h"

namespace etcdpp::peer {

// etcd refuses frames above 512 MB; so do we.
inline constexpr uint64_t kMaxFrameBytes = 512ull * 1024 * 1024;

bool IsLinkHeartbeat(const raftpb::Message& m);
raftpb::Message LinkHeartbeat();

// Appends the "message" stream frame of `m` to `out`.
void AppendMessageFrame(const raftpb::Message& m, std::string* out);

class MessageStreamDecoder {
 public:
  void Feed(std::string_view bytes) { buffer_.append(bytes); }
  // The next whole message, nullopt when more bytes are needed, or an error when the
  // stream is corrupt (the connection must then be dropped).
  Result<std::optional<raftpb::Message>> Next();

 private:
  std::string buffer_;
  size_t consumed_ = 0;
};

class MsgAppV2Encoder {
 public:
  void Append(const raftpb::Message& m, std::string* out);

 private:
  uint64_t term_ = 0;
  uint64_t index_ = 0;
};

class MsgAppV2Decoder {
 public:
  MsgAppV2Decoder(uint64_t local_id, uint64_t remote_id) : local_(local_id), remote_(remote_id) {}
  void Feed(std::string_view bytes) { buffer_.append(bytes); }
  Result<std::optional<raftpb::Message>> Next();

 private:
  uint64_t local_;
  uint64_t remote_;
  uint64_t term_ = 0;
  uint64_t index_ = 0;
  std::string buffer_;
  size_t consumed_ = 0;
  size_t needed_ = 0;  // bytes the pending frame needs at least, to avoid reparsing early
};

}  // namespace etcdpp::peer
