#include "peer/stream_codec.h"

namespace etcdpp::peer {
namespace {

constexpr uint8_t kTypeLinkHeartbeat = 0;
constexpr uint8_t kTypeAppEntries = 1;
constexpr uint8_t kTypeApp = 2;

void AppendU64(uint64_t v, std::string* out) {
  for (int shift = 56; shift >= 0; shift -= 8) out->push_back(static_cast<char>(v >> shift));
}

// Reads from a window of bytes; reports "not enough" instead of failing.
class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}
  bool U8(uint8_t* v) {
    if (pos_ + 1 > data_.size()) return false;
    *v = static_cast<uint8_t>(data_[pos_++]);
    return true;
  }
  bool U64(uint64_t* v) {
    if (pos_ + 8 > data_.size()) return false;
    uint64_t r = 0;
    for (int i = 0; i < 8; ++i) r = (r << 8) | static_cast<uint8_t>(data_[pos_ + i]);
    pos_ += 8;
    *v = r;
    return true;
  }
  bool Bytes(uint64_t n, std::string_view* v) {
    if (n > data_.size() - pos_) return false;
    *v = data_.substr(pos_, n);
    pos_ += n;
    return true;
  }
  size_t pos() const { return pos_; }

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

void Compact(std::string& buffer, size_t& consumed) {
  // Drop consumed bytes once they dominate, so the buffer does not grow with the stream.
  if (consumed > 0 && consumed * 2 >= buffer.size()) {
    buffer.erase(0, consumed);
    consumed = 0;
  }
}

Status TooLarge() { return ResourceExhausted("rafthttp: error limit exceeded"); }

}  // namespace

bool IsLinkHeartbeat(const raftpb::Message& m) {
  return m.type() == raftpb::MsgHeartbeat && m.from() == 0 && m.to() == 0;
}

raftpb::Message LinkHeartbeat() {
  raftpb::Message m;
  m.set_type(raftpb::MsgHeartbeat);
  return m;
}

void AppendMessageFrame(const raftpb::Message& m, std::string* out) {
  AppendU64(m.ByteSizeLong(), out);
  m.AppendToString(out);
}

Result<std::optional<raftpb::Message>> MessageStreamDecoder::Next() {
  Reader r(std::string_view(buffer_).substr(consumed_));
  uint64_t len = 0;
  if (!r.U64(&len)) return std::optional<raftpb::Message>();
  if (len > kMaxFrameBytes) return TooLarge();
  std::string_view body;
  if (!r.Bytes(len, &body)) return std::optional<raftpb::Message>();
  raftpb::Message m;
  if (!m.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
    return Corruption("rafthttp: malformed message in stream");
  }
  consumed_ += r.pos();
  Compact(buffer_, consumed_);
  return std::optional<raftpb::Message>(std::move(m));
}

void MsgAppV2Encoder::Append(const raftpb::Message& m, std::string* out) {
  if (IsLinkHeartbeat(m)) {
    out->push_back(static_cast<char>(kTypeLinkHeartbeat));
    return;
  }
  if (m.type() == raftpb::MsgApp && index_ == m.index() && term_ == m.logterm() && m.logterm() == m.term()) {
    out->push_back(static_cast<char>(kTypeAppEntries));
    AppendU64(m.entries_size(), out);
    for (const auto& e : m.entries()) {
      AppendU64(e.ByteSizeLong(), out);
      e.AppendToString(out);
      ++index_;
    }
    AppendU64(m.commit(), out);
    return;
  }
  out->push_back(static_cast<char>(kTypeApp));
  AppendU64(m.ByteSizeLong(), out);
  m.AppendToString(out);
  term_ = m.term();
  index_ = m.entries_size() > 0 ? m.entries(m.entries_size() - 1).index() : m.index();
}

Result<std::optional<raftpb::Message>> MsgAppV2Decoder::Next() {
  std::string_view window = std::string_view(buffer_).substr(consumed_);
  if (window.size() < needed_ || window.empty()) return std::optional<raftpb::Message>();
  Reader r(window);
  uint8_t type = 0;
  r.U8(&type);
  raftpb::Message m;
  auto need_more = [&](size_t at_least) {
    needed_ = at_least;
    return std::optional<raftpb::Message>();
  };
  if (type == kTypeLinkHeartbeat) {
    m = LinkHeartbeat();
  } else if (type == kTypeAppEntries) {
    uint64_t count = 0;
    if (!r.U64(&count)) return need_more(r.pos() + 8);
    if (count > kMaxFrameBytes / 8) return TooLarge();
    m.set_type(raftpb::MsgApp);
    m.set_from(remote_);
    m.set_to(local_);
    m.set_term(term_);
    m.set_logterm(term_);
    m.set_index(index_);
    uint64_t next_index = index_;
    for (uint64_t i = 0; i < count; ++i) {
      uint64_t size = 0;
      std::string_view body;
      if (!r.U64(&size)) return need_more(r.pos() + 8);
      if (size > kMaxFrameBytes) return TooLarge();
      if (!r.Bytes(size, &body)) return need_more(r.pos() + size);
      if (!m.add_entries()->ParseFromArray(body.data(), static_cast<int>(body.size()))) {
        return Corruption("rafthttp: malformed entry in msgappv2 stream");
      }
      ++next_index;
    }
    uint64_t commit = 0;
    if (!r.U64(&commit)) return need_more(r.pos() + 8);
    m.set_commit(commit);
    index_ = next_index;
  } else if (type == kTypeApp) {
    uint64_t size = 0;
    std::string_view body;
    if (!r.U64(&size)) return need_more(r.pos() + 8);
    if (size > kMaxFrameBytes) return TooLarge();
    if (!r.Bytes(size, &body)) return need_more(r.pos() + size);
    if (!m.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
      return Corruption("rafthttp: malformed message in msgappv2 stream");
    }
    term_ = m.term();
    index_ = m.entries_size() > 0 ? m.entries(m.entries_size() - 1).index() : m.index();
  } else {
    return Corruption("failed to parse type " + std::to_string(type) + " in msgappv2 stream");
  }
  consumed_ += r.pos();
  needed_ = 0;
  Compact(buffer_, consumed_);
  return std::optional<raftpb::Message>(std::move(m));
}

}  // namespace etcdpp::peer
