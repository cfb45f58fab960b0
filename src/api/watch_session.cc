#include "api/watch_session.h"

#include "api/watch_encoding.h"

#include <google/protobuf/io/coded_stream.h>

namespace etcdpp::api {
namespace {

// clientv3.InvalidWatchID: the id of responses that belong to no watcher.
constexpr int64_t kInvalidWatchId = -1;

// Bytes one event adds to an encoded WatchResponse (repeated field 11: tag, length, body).
size_t EventFieldBytes(const mvccpb::Event& ev) {
  const size_t body = ev.ByteSizeLong();
  return 1 + google::protobuf::io::CodedOutputStream::VarintSize64(body) + body;
}

// Whether some watcher's response holds more than one revision: revisions arrive faster
// than the stream is polled.
bool Gathered(const std::deque<mvcc::WatchResponse>& responses) {
  for (const auto& r : responses) {
    if (r.events.size() > 1 && r.events.front()->revision() != r.events.back()->revision()) return true;
  }
  return false;
}

}  // namespace

std::vector<etcdserverpb::WatchResponse> SplitWatchResponse(etcdserverpb::WatchResponse response,
                                                            size_t limit_bytes) {
  std::vector<etcdserverpb::WatchResponse> out;
  const size_t n = response.events_size();
  etcdserverpb::WatchResponse base;
  std::vector<size_t> ends{n};
  if (n >= 2) {
    base = response;
    base.clear_events();
    base.set_fragment(true);
    auto* events = response.mutable_events();
    ends = FragmentEnds(response.ByteSizeLong(), base.ByteSizeLong(), n,
                        [&](size_t i) { return EventFieldBytes(events->Get(static_cast<int>(i))); }, limit_bytes);
  }
  if (ends.size() == 1) {
    out.push_back(std::move(response));
    return out;
  }
  auto* events = response.mutable_events();
  size_t begin = 0;
  for (size_t end : ends) {
    etcdserverpb::WatchResponse piece = base;
    for (size_t i = begin; i < end; ++i) *piece.add_events() = std::move(*events->Mutable(static_cast<int>(i)));
    if (end == n) piece.set_fragment(false);
    out.push_back(std::move(piece));
    begin = end;
  }
  return out;
}

WatchSession::WatchSession(HeaderFn fill_header, std::unique_ptr<mvcc::WatchStream> stream,
                           std::unique_ptr<WatchSink> sink, size_t fragment_bytes, WatchCoalescing coalescing)
    : fill_header_(std::move(fill_header)),
      fragment_bytes_(fragment_bytes),
      coalescing_(coalescing),
      stream_(std::move(stream)),
      sink_(std::move(sink)) {}

WatchSession::~WatchSession() { Close(); }

void WatchSession::Close() {
  std::lock_guard lock(mu_);
  stream_.reset();  // under the lock: no Flush or Handle is still using it
  pending_.clear();
  progress_.clear();
  fragment_.clear();
}

void WatchSession::SetNotifier(std::function<void()> notifier) {
  std::lock_guard lock(mu_);
  if (stream_) stream_->SetNotifier(std::move(notifier));
}

etcdserverpb::WatchResponse WatchSession::NewResponse(int64_t revision) const {
  etcdserverpb::WatchResponse resp;
  resp.mutable_header()->set_revision(revision);
  fill_header_(resp.mutable_header());
  return resp;
}

void WatchSession::Handle(const etcdserverpb::WatchRequest& request) {
  std::lock_guard lock(mu_);
  if (!stream_) return;
  switch (request.request_union_case()) {
    case etcdserverpb::WatchRequest::kCreateRequest:
      Create(request.create_request());
      break;
    case etcdserverpb::WatchRequest::kCancelRequest:
      Cancel(request.cancel_request().watch_id());
      break;
    case etcdserverpb::WatchRequest::kProgressRequest: {
      // etcd 3.4 answers with the header alone, for no watcher in particular.
      auto resp = NewResponse(stream_->Rev());
      resp.set_watch_id(kInvalidWatchId);
      sink_->Send(resp);
      break;
    }
    default:
      break;
  }
}

void WatchSession::Create(const etcdserverpb::WatchCreateRequest& create) {
  mvcc::WatchRequest req;
  req.watch_id = create.watch_id();
  // An empty key means the smallest key, "\0"; an empty range_end a single key, and
  // "\0" every key from `key` on (the mvcc layer's encoding of the latter is the same).
  req.key = create.key().empty() ? std::string(1, '\0') : create.key();
  req.range_end = create.range_end();
  for (int f : create.filters()) {
    if (f == etcdserverpb::WatchCreateRequest::NOPUT) req.no_put = true;
    if (f == etcdserverpb::WatchCreateRequest::NODELETE) req.no_delete = true;
  }
  req.prev_kv = create.prev_kv();
  // Start explicitly after the revision the "created" header reports, so no write made
  // between the two is missed.
  const int64_t ws_rev = stream_->Rev();
  req.start_revision = create.start_revision() != 0 ? create.start_revision() : ws_rev + 1;

  auto resp = NewResponse(ws_rev);
  resp.set_created(true);
  Result<int64_t> id = stream_->Watch(req);
  if (id.ok()) {
    resp.set_watch_id(*id);
    if (create.progress_notify()) progress_[*id] = true;
    if (create.fragment()) fragment_.insert(*id);
  } else {
    resp.set_watch_id(kInvalidWatchId);
    resp.set_canceled(true);
    resp.set_cancel_reason(id.status().message());
  }
  sink_->Send(resp);
}

void WatchSession::Cancel(int64_t watch_id) {
  // etcd answers nothing for an unknown watcher.
  if (!stream_->Cancel(watch_id).ok()) return;
  for (auto it = pending_.begin(); it != pending_.end();) {
    it = it->watch_id == watch_id ? pending_.erase(it) : it + 1;
  }
  progress_.erase(watch_id);
  fragment_.erase(watch_id);
  auto resp = NewResponse(stream_->Rev());
  resp.set_watch_id(watch_id);
  resp.set_canceled(true);
  sink_->Send(resp);
}

WatchSession::FlushResult WatchSession::Flush() {
  std::lock_guard lock(mu_);
  if (!stream_) return FlushResult::kGone;
  while (true) {
    if (pending_.empty()) {
      // Take from the store only what the sink can accept soon: the rest stays in the
      // store's bounded queue.
      if (!sink_->Commit()) return FlushResult::kGone;
      if (sink_->Blocked()) return FlushResult::kBlocked;
      const auto now = std::chrono::steady_clock::now();
      if (now < held_until_ && !stream_->Filling()) return FlushResult::kHeld;
      for (auto& r : stream_->Poll()) pending_.push_back(std::move(r));
      if (pending_.empty()) return FlushResult::kIdle;
      if (pending_.size() >= coalescing_.min_responses && Gathered(pending_)) held_until_ = now + coalescing_.interval;
    }
    if (sink_->Blocked()) return sink_->Commit() ? FlushResult::kBlocked : FlushResult::kGone;
    mvcc::WatchResponse next = std::move(pending_.front());
    pending_.pop_front();
    if (!SendStoreResponse(std::move(next))) return FlushResult::kGone;
  }
}

std::chrono::steady_clock::time_point WatchSession::held_until() {
  std::lock_guard lock(mu_);
  return held_until_;
}

bool WatchSession::SendStoreResponse(mvcc::WatchResponse r) {
  const int64_t id = r.watch_id;
  // The same message each time: clearing keeps its header's memory.
  etcdserverpb::WatchResponse& resp = head_;
  resp.Clear();
  resp.mutable_header()->set_revision(r.compact_revision != 0 ? 0 : r.revision);
  fill_header_(resp.mutable_header());
  if (r.compact_revision != 0) {
    // etcd sends the compaction notice with a header revision of 0, and ends the watcher.
    resp.mutable_header()->set_revision(0);
    resp.set_compact_revision(r.compact_revision);
    resp.set_canceled(true);
    progress_.erase(id);
    fragment_.erase(id);
  }
  resp.set_watch_id(id);
  if (!r.events.empty()) {
    // Events since the last tick make the next progress notification unnecessary.
    if (auto it = progress_.find(id); it != progress_.end()) it->second = false;
  }
  const std::span<const mvcc::WatchEventPtr> events(r.events);
  if (fragment_.count(id) == 0 || events.size() < 2) return sink_->SendEvents(resp, events);
  const size_t head_bytes = resp.ByteSizeLong();
  resp.set_fragment(true);
  const std::vector<size_t> ends = FragmentEnds(
      head_bytes + EventFieldsBytes(events), resp.ByteSizeLong(), events.size(),
      [&](size_t i) { return events[i]->field().size(); }, fragment_bytes_);
  size_t begin = 0;
  for (size_t end : ends) {
    if (end == events.size()) resp.set_fragment(false);
    if (!sink_->SendEvents(resp, events.subspan(begin, end - begin))) return false;
    begin = end;
  }
  return true;
}

void WatchSession::Tick() {
  std::lock_guard lock(mu_);
  if (!stream_) return;
  for (auto& [id, due] : progress_) {
    if (due) stream_->RequestProgress(id);
    due = true;
  }
}

}  // namespace etcdpp::api
