#include "mvcc/watch_stream.h"

#include "mvcc/watchable_store.h"

namespace etcdpp::mvcc {

WatchStream::~WatchStream() { store_->RemoveStream(this); }

Result<int64_t> WatchStream::Watch(const WatchRequest& req) { return store_->AddWatcher(this, req); }

Status WatchStream::Cancel(int64_t watch_id) {
  if (!store_->RemoveWatcher(this, watch_id)) return NotFound(std::string(kWatcherNotExistMessage));
  Drop(watch_id);
  return Status::Ok();
}

bool WatchStream::RequestProgress(int64_t watch_id) { return store_->Progress(this, watch_id); }

int64_t WatchStream::Rev() const { return store_->kv()->Rev(); }

void WatchStream::SetNotifier(std::function<void()> notifier) {
  std::lock_guard lock(mu_);
  notifier_ = std::move(notifier);
}

bool WatchStream::Push(WatchResponse resp, bool force, bool* notify) {
  std::lock_guard lock(mu_);
  const WatchableStoreOptions& o = store_->options_;
  *notify = false;
  if (force) {
    open_.erase(resp.watch_id);
  } else {
    if (!queue_.empty() && bytes_ + resp.size_bytes > o.stream_queue_bytes_max) return false;
    auto it = open_.find(resp.watch_id);
    if (it != open_.end()) {
      WatchResponse& last = queue_[it->second];
      // The store hands each watcher its revisions in order; the check keeps a mistake
      // there from reordering events.
      if (!resp.events.empty() && resp.events.front()->revision() > last.events.back()->revision() &&
          last.size_bytes + resp.size_bytes <= o.response_merge_bytes_max) {
        for (WatchEventPtr& ev : resp.events) last.events.push_back(std::move(ev));
        last.size_bytes += resp.size_bytes;
        last.revision = std::max(last.revision, resp.revision);
        bytes_ += resp.size_bytes;
        *notify = NoteFillingLocked();
        return true;
      }
      open_.erase(it);
    }
    if (!queue_.empty() && queue_.size() >= o.stream_queue_responses_max) return false;
  }
  const bool was_empty = queue_.empty();
  bytes_ += resp.size_bytes;
  if (!force && !resp.events.empty() && resp.compact_revision == 0) open_[resp.watch_id] = queue_.size();
  queue_.push_back(std::move(resp));
  *notify = NoteFillingLocked() || was_empty;
  return true;
}

bool WatchStream::NoteFillingLocked() {
  if (filling_notified_ || bytes_ < store_->options_.stream_queue_bytes_max / 2) return false;
  filling_notified_ = true;
  return true;
}

bool WatchStream::Filling() const {
  std::lock_guard lock(mu_);
  return bytes_ >= store_->options_.stream_queue_bytes_max / 2;
}

void WatchStream::RebuildOpenLocked() {
  open_.clear();
  for (size_t i = 0; i < queue_.size(); ++i) {
    const WatchResponse& r = queue_[i];
    if (!r.events.empty() && r.compact_revision == 0) {
      open_[r.watch_id] = i;
    } else {
      open_.erase(r.watch_id);
    }
  }
}

bool WatchStream::HasRoom() const {
  std::lock_guard lock(mu_);
  return bytes_ < store_->options_.stream_queue_bytes_max &&
         queue_.size() < store_->options_.stream_queue_responses_max;
}

void WatchStream::Notify() {
  std::function<void()> fn;
  {
    std::lock_guard lock(mu_);
    fn = notifier_;
  }
  if (fn) fn();
}

void WatchStream::Drop(int64_t watch_id) {
  std::lock_guard lock(mu_);
  prev_kv_ids_.erase(watch_id);
  for (auto it = queue_.begin(); it != queue_.end();) {
    if (it->watch_id == watch_id) {
      bytes_ -= it->size_bytes;
      it = queue_.erase(it);
    } else {
      ++it;
    }
  }
  RebuildOpenLocked();  // indexes moved
}

size_t WatchStream::queued_bytes() const {
  std::lock_guard lock(mu_);
  return bytes_;
}

std::vector<WatchResponse> WatchStream::Poll() {
  std::vector<WatchResponse> out;
  std::set<int64_t> want_prev;
  {
    std::lock_guard lock(mu_);
    out.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(queue_.end()));
    queue_.clear();
    open_.clear();
    bytes_ = 0;
    filling_notified_ = false;
    want_prev = prev_kv_ids_;
  }
  if (want_prev.empty()) {
    if (!out.empty()) store_->Kick();
    return out;
  }
  // The previous value is the key as of the revision before the event; gone if compacted.
  // It is looked up once per event, whichever stream asks first, and shared.
  const WatchEvent::PrevKvLookup lookup = [this](const mvccpb::Event& ev) -> std::optional<mvccpb::KeyValue> {
    RangeRequest req;
    req.key = ev.kv().key();
    req.revision = ev.kv().mod_revision() - 1;
    auto prev = store_->kv()->Range(req);
    if (!prev.ok() || prev->kvs.empty()) return std::nullopt;
    return std::move(prev->kvs[0]);
  };
  for (WatchResponse& resp : out) {
    if (want_prev.count(resp.watch_id) == 0) continue;
    resp.size_bytes = 0;
    for (WatchEventPtr& ev : resp.events) {
      ev = WatchEvent::WithPrevKv(ev, lookup);
      resp.size_bytes += ev->field().size();
    }
  }
  if (!out.empty()) store_->Kick();
  return out;
}

}  // namespace etcdpp::mvcc
