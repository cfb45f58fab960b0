#include "peer/remote_peer.h"

#include <utility>

#include <boost/asio/post.hpp>

namespace etcdpp::peer {
namespace asio = boost::asio;

RemotePeer::RemotePeer(uint64_t id, std::vector<Url> urls, asio::any_io_executor client, QueueLimits limits)
    : id_(id), limits_(limits), client_(std::move(client)), wake_(client_), urls_(std::move(urls)) {
  wake_.expires_at(asio::steady_timer::time_point::max());
}

RemotePeer::~RemotePeer() {
  std::lock_guard lock(mu_);
  EndLocked(message_);
  EndLocked(msgapp_);
}

void RemotePeer::EndLocked(Outgoing& out) {
  if (out.responder) out.responder->End();
  out.responder.reset();
}

bool RemotePeer::WriteLocked(Outgoing& out, StreamKind kind, const raftpb::Message& m, bool* lost) {
  if (!out.responder) return false;
  if (out.responder->closed()) {
    out.responder.reset();
    *lost = true;
    return false;
  }
  if (out.responder->queued_bytes() > limits_.stream_bytes) return false;
  std::string frame;
  if (kind == StreamKind::kMsgAppV2) {
    out.encoder.Append(m, &frame);
  } else {
    AppendMessageFrame(m, &frame);
  }
  if (!out.responder->Write(std::move(frame))) {
    out.responder.reset();
    *lost = true;
    return false;
  }
  return true;
}

RemotePeer::SendOutcome RemotePeer::Send(const raftpb::Message& m) {
  SendOutcome outcome;
  std::lock_guard lock(mu_);
  if (stopped_) return outcome;
  if (m.type() != raftpb::MsgSnap) {
    bool over_bound = false;
    if (m.type() == raftpb::MsgApp && msgapp_.responder) {
      outcome.accepted = WriteLocked(msgapp_, StreamKind::kMsgAppV2, m, &outcome.stream_lost);
      if (outcome.accepted) return outcome;
      over_bound = msgapp_.responder.has_value();
    }
    if (!over_bound && message_.responder) {
      outcome.accepted = WriteLocked(message_, StreamKind::kMessage, m, &outcome.stream_lost);
      if (outcome.accepted) return outcome;
      over_bound = message_.responder.has_value();
    }
    // A stream that is up but full means the peer is slow: drop rather than reorder the
    // message behind it through the pipeline.
    if (over_bound) return outcome;
  }
  const size_t bytes = m.ByteSizeLong();
  if (pipeline_.size() >= limits_.pipeline_messages || pipeline_bytes_ + bytes > limits_.pipeline_bytes) {
    return outcome;
  }
  pipeline_.push_back(m);
  pipeline_bytes_ += bytes;
  outcome.accepted = true;
  if (!wake_posted_) {
    wake_posted_ = true;
    asio::post(client_, [self = shared_from_this()] {
      {
        std::lock_guard relock(self->mu_);
        self->wake_posted_ = false;
      }
      self->wake_.cancel();
    });
  }
  return outcome;
}

void RemotePeer::AttachStream(StreamKind kind, net::HttpResponder responder) {
  std::lock_guard lock(mu_);
  if (stopped_) {
    responder.End();
    return;
  }
  Outgoing& out = kind == StreamKind::kMsgAppV2 ? msgapp_ : message_;
  EndLocked(out);
  out.responder.emplace(std::move(responder));
  out.encoder = MsgAppV2Encoder();
  out.attached_at = std::chrono::steady_clock::now();
}

bool RemotePeer::Heartbeat() {
  bool lost = false;
  std::lock_guard lock(mu_);
  const raftpb::Message beat = LinkHeartbeat();
  WriteLocked(message_, StreamKind::kMessage, beat, &lost);
  WriteLocked(msgapp_, StreamKind::kMsgAppV2, beat, &lost);
  return lost;
}

std::chrono::steady_clock::time_point RemotePeer::active_since() const {
  std::lock_guard lock(mu_);
  const bool up = message_.responder.has_value() && !message_.responder->closed();
  return up ? message_.attached_at : std::chrono::steady_clock::time_point{};
}

bool RemotePeer::stream_attached(StreamKind kind) const {
  std::lock_guard lock(mu_);
  const Outgoing& out = kind == StreamKind::kMsgAppV2 ? msgapp_ : message_;
  return out.responder.has_value() && !out.responder->closed();
}

std::optional<raftpb::Message> RemotePeer::PopPipeline() {
  std::lock_guard lock(mu_);
  if (pipeline_.empty() || stopped_) return std::nullopt;
  raftpb::Message m = std::move(pipeline_.front());
  pipeline_.pop_front();
  pipeline_bytes_ -= m.ByteSizeLong();
  return m;
}

Url RemotePeer::PickUrl() const {
  std::lock_guard lock(mu_);
  if (urls_.empty()) return Url{};
  return urls_[url_index_ % urls_.size()];
}

void RemotePeer::UrlFailed(const Url& url) {
  std::lock_guard lock(mu_);
  if (!urls_.empty() && urls_[url_index_ % urls_.size()] == url) url_index_ = (url_index_ + 1) % urls_.size();
}

void RemotePeer::SetUrls(std::vector<Url> urls) {
  std::lock_guard lock(mu_);
  urls_ = std::move(urls);
  url_index_ = 0;
}

void RemotePeer::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopped_) return;
    stopped_ = true;
    EndLocked(message_);
    EndLocked(msgapp_);
    pipeline_.clear();
    pipeline_bytes_ = 0;
  }
  asio::post(client_, [self = shared_from_this()] {
    self->wake_.cancel();
    std::function<void()> closer;
    {
      std::lock_guard lock(self->mu_);
      closer = std::move(self->closer_);
    }
    if (closer) closer();
  });
}

bool RemotePeer::stopped() const {
  std::lock_guard lock(mu_);
  return stopped_;
}

void RemotePeer::SetCloser(std::function<void()> closer) {
  std::lock_guard lock(mu_);
  closer_ = std::move(closer);
}

}  // namespace etcdpp::peer
