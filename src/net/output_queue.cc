#include "net/output_queue.h"

#include <algorithm>
#include <cstring>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "net/loop.h"

namespace etcdpp::net {

void Loop::Post(std::function<void()> fn) {
  std::lock_guard lock(mu_);
  if (context_ != nullptr) boost::asio::post(*context_, std::move(fn));
}

void Loop::Detach() {
  std::lock_guard lock(mu_);
  context_ = nullptr;
}

OutputQueue::OutputQueue(std::shared_ptr<Loop> loop, OutputSink* sink, int32_t stream_id)
    : loop_(std::move(loop)), sink_(sink), stream_id_(stream_id) {}

bool OutputQueue::closed() const {
  std::lock_guard lock(mu_);
  return ended_ || abandoned_;
}

bool OutputQueue::SetHead(Headers head) {
  std::lock_guard lock(mu_);
  if (ended_ || abandoned_ || head_taken_ || head_) return false;
  head_ = std::move(head);
  NotifyLocked();
  return true;
}

bool OutputQueue::Append(std::string bytes) {
  std::lock_guard lock(mu_);
  if (ended_ || abandoned_) return false;
  if (bytes.empty()) return true;
  queued_bytes_.fetch_add(bytes.size(), std::memory_order_relaxed);
  chunks_.push_back(std::move(bytes));
  NotifyLocked();
  return true;
}

bool OutputQueue::Append(std::string first, std::string second) {
  std::lock_guard lock(mu_);
  if (ended_ || abandoned_) return false;
  for (std::string* piece : {&first, &second}) {
    if (piece->empty()) continue;
    queued_bytes_.fetch_add(piece->size(), std::memory_order_relaxed);
    chunks_.push_back(std::move(*piece));
  }
  NotifyLocked();
  return true;
}

bool OutputQueue::End(Headers trailers, std::optional<Headers> head) {
  std::lock_guard lock(mu_);
  if (ended_ || abandoned_) return false;
  if (!head_ && !head_taken_ && head) head_ = std::move(head);
  trailers_ = std::move(trailers);
  ended_ = true;
  NotifyLocked();
  return true;
}

void OutputQueue::NotifyLocked() {
  if (wake_posted_) return;
  wake_posted_ = true;
  loop_->Post([self = shared_from_this()] {
    {
      std::lock_guard lock(self->mu_);
      self->wake_posted_ = false;
    }
    if (self->sink_ != nullptr) self->sink_->OnOutputReady(self->stream_id_);
  });
}

size_t OutputQueue::TakeBody(char* out, size_t max_bytes) {
  std::lock_guard lock(mu_);
  size_t copied = 0;
  while (copied < max_bytes && !chunks_.empty()) {
    const std::string& front = chunks_.front();
    const size_t n = std::min(max_bytes - copied, front.size() - front_offset_);
    std::memcpy(out + copied, front.data() + front_offset_, n);
    copied += n;
    front_offset_ += n;
    if (front_offset_ == front.size()) {
      chunks_.pop_front();
      front_offset_ = 0;
    }
  }
  queued_bytes_.fetch_sub(copied, std::memory_order_relaxed);
  return copied;
}

bool OutputQueue::HasBody() const {
  std::lock_guard lock(mu_);
  return !chunks_.empty();
}

OutputQueue::Taken OutputQueue::Poll() {
  std::lock_guard lock(mu_);
  Taken t;
  if (head_ && !head_taken_) {
    t.head = std::move(head_);
    head_.reset();
    head_taken_ = true;
  }
  t.ended = ended_;
  if (ended_ && chunks_.empty() && trailers_) {
    t.trailers = std::move(trailers_);
    trailers_.reset();
  }
  return t;
}

void OutputQueue::Abandon() {
  std::lock_guard lock(mu_);
  abandoned_ = true;
  chunks_.clear();
  queued_bytes_.store(0, std::memory_order_relaxed);
}

}  // namespace etcdpp::net
