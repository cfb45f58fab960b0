#include "peer/snapshot_receiver.h"

#include <algorithm>
#include <optional>
#include <string_view>
#include <utility>

#include "membership/member.h"
#include "peer/peer_checks.h"
#include "peer/protocol.h"
#include "peer/snapshot_db.h"
#include "peer/stream_codec.h"

namespace etcdpp::peer {

namespace {

constexpr std::string_view kComponent = "rafthttp";
constexpr size_t kLengthBytes = 8;

std::string DecodeError(std::string_view why) { return "failed to decode raft message (" + std::string(why) + ")"; }
std::string SaveError(std::string_view why) { return "failed to save KV snapshot (" + std::string(why) + ")"; }

class SnapshotReceiver final : public net::HttpUpload {
 public:
  SnapshotReceiver(RaftHttpTransport& t, std::string dir, net::HttpResponder responder, net::HttpResponse base)
      : t_(t), dir_(std::move(dir)), responder_(std::move(responder)), base_(std::move(base)) {}

  void OnData(std::string_view piece) override {
    if (state_ == State::kFrame && !TakeFrame(piece)) return;
    if (state_ != State::kDb || piece.empty()) return;
    if (Status s = db_->Append(piece); !s.ok()) Fail(500, SaveError(s.message()));
  }

  void OnEnd() override {
    if (state_ == State::kFrame) {
      // As Go's reader reports it: EOF when the body ends before the length or before the
      // message's first byte, "unexpected EOF" inside either.
      const bool on_boundary = frame_.empty() || frame_.size() == kLengthBytes;
      Fail(400, DecodeError(on_boundary ? "EOF" : "unexpected EOF"));
      return;
    }
    if (state_ != State::kDb) return;
    state_ = State::kDone;
    const uint64_t db_bytes = db_->bytes();
    const Status closed = db_->Close();
    db_.reset();
    if (!closed.ok()) return void(responder_.Respond(GoError(500, SaveError(closed.message()), base_)));
    // The syncs block: off the I/O thread.
    t_.RunBlocking([&t = t_, dir = dir_, m = std::move(message_), db_bytes, responder = responder_, base = base_] {
      const uint64_t index = m->snapshot().metadata().index();
      Result<std::string> saved = CommitSnapshotDb(dir, index);
      if (!saved.ok()) {
        responder.Respond(GoError(500, SaveError(saved.status().message()), base));
        return;
      }
      if (Logger* log = t.options().logger) {
        log->Info(kComponent, "received and saved database snapshot [index: " + std::to_string(index) +
                                  ", from: " + membership::IdToString(m->from()) +
                                  ", db size: " + std::to_string(db_bytes) + " bytes]");
      }
      t.Deliver(std::move(*m));
      net::HttpResponse ok = base;
      ok.status = 204;
      responder.Respond(std::move(ok));
    });
  }

  // The temporary file goes with db_.
  void OnAbort() override {
    state_ = State::kDone;
    db_.reset();
  }

 private:
  enum class State { kFrame, kDb, kDone };

  // Moves the frame's bytes from the front of `piece` into frame_. True once the
  // message is whole, checked, and the database file is open (state kDb).
  bool TakeFrame(std::string_view& piece) {
    if (frame_.size() < kLengthBytes) {
      const size_t n = std::min(kLengthBytes - frame_.size(), piece.size());
      frame_.append(piece.substr(0, n));
      piece.remove_prefix(n);
      if (frame_.size() < kLengthBytes) return false;
      message_bytes_ = 0;
      for (size_t i = 0; i < kLengthBytes; ++i) {
        message_bytes_ = message_bytes_ << 8 | static_cast<unsigned char>(frame_[i]);
      }
      // Never buffer more than a stream frame may hold.
      if (message_bytes_ > kMaxFrameBytes) return Fail(400, DecodeError("rafthttp: error limit exceeded"));
    }
    const size_t n = static_cast<size_t>(std::min<uint64_t>(kLengthBytes + message_bytes_ - frame_.size(), piece.size()));
    frame_.append(piece.substr(0, n));
    piece.remove_prefix(n);
    if (frame_.size() < kLengthBytes + message_bytes_) return false;
    auto m = std::make_shared<raftpb::Message>();
    const std::string_view body = std::string_view(frame_).substr(kLengthBytes);
    if (!m->ParseFromArray(body.data(), static_cast<int>(body.size()))) {
      return Fail(400, DecodeError("rafthttp: malformed message in stream"));
    }
    std::string().swap(frame_);
    if (m->type() != raftpb::MsgSnap) return Fail(400, "wrong raft message type");
    // etcd refuses a removed member's snapshot after saving it; we refuse before.
    if (Removed(t_, m->from())) return Fail(403, "cannot process message from removed member");
    if (dir_.empty()) return Fail(500, SaveError("no snapshot directory"));
    const uint64_t index = m->snapshot().metadata().index();
    Result<SnapshotDbTemp> db = SnapshotDbTemp::Create(dir_, index);
    if (!db.ok()) return Fail(500, SaveError(db.status().message()));
    if (Logger* log = t_.options().logger) {
      log->Info(kComponent, "receiving database snapshot [index: " + std::to_string(index) +
                                ", from: " + membership::IdToString(m->from()) +
                                ", raft message size: " + std::to_string(message_bytes_) + " bytes]");
    }
    db_.emplace(std::move(*db));
    message_ = std::move(m);
    state_ = State::kDb;
    return true;
  }

  // Answers with an error and ignores the rest of the body; always false.
  bool Fail(int status, const std::string& message) {
    state_ = State::kDone;
    std::string().swap(frame_);
    db_.reset();
    responder_.Respond(GoError(status, message, base_));
    return false;
  }

  RaftHttpTransport& t_;
  const std::string dir_;
  net::HttpResponder responder_;
  const net::HttpResponse base_;
  State state_ = State::kFrame;
  std::string frame_;  // the length and the message, until whole
  uint64_t message_bytes_ = 0;
  std::shared_ptr<raftpb::Message> message_;  // shared: the blocking work is a copyable function
  std::optional<SnapshotDbTemp> db_;
};

}  // namespace

std::unique_ptr<net::HttpUpload> StartSnapshotReceiver(RaftHttpTransport& t, std::string dir,
                                                       const net::HttpRequest& head, net::HttpResponder responder) {
  if (head.method != "POST") {
    responder.Respond(MethodNotAllowed("POST"));
    return nullptr;
  }
  net::HttpResponse base = WithClusterId(t);
  if (!Compatible(t, head, responder, base)) return nullptr;
  return std::make_unique<SnapshotReceiver>(t, std::move(dir), std::move(responder), std::move(base));
}

}  // namespace etcdpp::peer
