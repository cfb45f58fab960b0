#include "mvcc/watchable_store.h"
#include "mvcc/watcher.h"

#include <algorithm>
#include <chrono>
#include <cstdint>

namespace etcdpp::mvcc {

WatchableStore::WatchableStore(KvStore* kv, WatchableStoreOptions options)
    : kv_(kv), options_(options), notified_rev_(kv->Rev()) {
  kv_->SetObserver(this);
  sync_thread_ = std::thread([this] { SyncLoop(); });
}

WatchableStore::~WatchableStore() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  sync_thread_.join();
  kv_->SetObserver(nullptr);
}

std::unique_ptr<WatchStream> WatchableStore::NewStream() {
  std::unique_ptr<WatchStream> stream(new WatchStream(this));
  std::lock_guard lock(mu_);
  watchers_[stream.get()];
  return stream;
}

Result<int64_t> WatchableStore::AddWatcher(WatchStream* stream, const WatchRequest& req) {
  if (!req.range_end.empty() && req.range_end != kRangeToEnd && req.key >= req.range_end) {
    return InvalidArgument(std::string(kEmptyWatcherRangeMessage));
  }
  std::lock_guard lock(mu_);
  auto& mine = watchers_[stream];
  int64_t id = req.watch_id;
  if (id != 0) {
    if (mine.count(id) != 0) return AlreadyExists(std::string(kDuplicateWatchIdMessage));
  } else {
    while (mine.count(stream->next_id_) != 0) ++stream->next_id_;
    id = stream->next_id_++;
  }
  auto w = std::make_unique<Watcher>();
  w->stream = stream;
  w->id = id;
  w->serial = ++next_serial_;
  w->key = req.key;
  w->end = req.range_end;
  w->no_put = req.no_put;
  w->no_delete = req.no_delete;
  Watcher* raw = w.get();
  mine.emplace(id, std::move(w));
  if (req.prev_kv) {
    std::lock_guard slock(stream->mu_);
    stream->prev_kv_ids_.insert(id);
  }
  if (req.start_revision == 0 || req.start_revision > notified_rev_) {
    raw->min_rev = req.start_revision == 0 ? notified_rev_ + 1 : req.start_revision;
    MakeSynced(raw);
  } else {
    raw->min_rev = req.start_revision;
    unsynced_.insert(raw);
    kicked_ = true;
    cv_.notify_all();
  }
  return id;
}

void WatchableStore::MakeSynced(Watcher* w) {
  unsynced_.erase(w);
  w->synced = true;
  if (w->end.empty()) {
    synced_keys_[w->key].insert(w);
  } else {
    synced_ranges_.insert(w);
  }
}

void WatchableStore::MakeUnsynced(Watcher* w) {
  if (w->synced) {
    if (w->end.empty()) {
      auto it = synced_keys_.find(w->key);
      it->second.erase(w);
      if (it->second.empty()) synced_keys_.erase(it);
    } else {
      synced_ranges_.erase(w);
    }
  }
  w->synced = false;
  unsynced_.insert(w);
}

bool WatchableStore::RemoveWatcher(WatchStream* stream, int64_t id) {
  std::lock_guard lock(mu_);
  auto& mine = watchers_[stream];
  auto it = mine.find(id);
  if (it == mine.end()) return false;
  MakeUnsynced(it->second.get());
  unsynced_.erase(it->second.get());
  mine.erase(it);
  return true;
}

void WatchableStore::RemoveStream(WatchStream* stream) {
  std::lock_guard lock(mu_);
  auto it = watchers_.find(stream);
  if (it == watchers_.end()) return;
  for (auto& [id, w] : it->second) {
    MakeUnsynced(w.get());
    unsynced_.erase(w.get());
  }
  watchers_.erase(it);
}

bool WatchableStore::Progress(WatchStream* stream, int64_t id) {
  std::lock_guard lock(mu_);
  auto& mine = watchers_[stream];
  auto it = mine.find(id);
  if (it == mine.end() || !it->second->synced) return false;
  WatchResponse resp;
  resp.watch_id = id;
  resp.revision = notified_rev_;
  bool notify = false;
  stream->Push(std::move(resp), /*force=*/true, &notify);
  if (notify) stream->Notify();
  return true;
}

void WatchableStore::OnWrite(int64_t rev, const std::vector<mvccpb::Event>& events) {
  std::lock_guard lock(mu_);
  notified_rev_ = rev;
  // One response per watcher, in the order watchers were first offered an event; each
  // watcher's slot in `out` is kept on the watcher meanwhile (no map lookups).
  std::vector<std::pair<Watcher*, WatchResponse>>& out = on_write_out_;
  out.clear();
  for (const mvccpb::Event& ev : events) {
    WatchEventPtr shared;  // built once, for the first watcher that wants the event
    auto offer = [&](Watcher* w) {
      if (rev < w->min_rev || !w->Wants(ev)) return;
      if (!shared) shared = WatchEvent::Make(ev);
      if (w->out_slot == Watcher::kNoSlot) {
        w->out_slot = out.size();
        out.emplace_back(w, WatchResponse{});
      }
      out[w->out_slot].second.AddEvent(shared);
    };
    auto it = synced_keys_.find(ev.kv().key());
    if (it != synced_keys_.end()) {
      for (Watcher* w : it->second) offer(w);
    }
    for (Watcher* w : synced_ranges_) offer(w);
  }
  for (auto& [w, resp] : out) {
    w->out_slot = Watcher::kNoSlot;
    w->min_rev = rev + 1;
    resp.watch_id = w->id;
    resp.revision = rev;
    bool notify = false;
    if (!w->stream->Push(std::move(resp), /*force=*/false, &notify)) {
      // A victim: its queue is full; it catches up from the backend once it drains.
      w->min_rev = rev;
      MakeUnsynced(w);
      continue;
    }
    if (notify) w->stream->Notify();
  }
  out.clear();
}

void WatchableStore::Resync() {
  std::lock_guard lock(mu_);
  std::vector<Watcher*> synced(synced_ranges_.begin(), synced_ranges_.end());
  for (const auto& [key, ws] : synced_keys_) synced.insert(synced.end(), ws.begin(), ws.end());
  for (Watcher* w : synced) MakeUnsynced(w);
  notified_rev_ = kv_->Rev();
  kicked_ = true;
  cv_.notify_all();
}

void WatchableStore::Kick() {
  std::lock_guard lock(mu_);
  if (unsynced_.empty()) return;
  kicked_ = true;
  cv_.notify_all();
}

void WatchableStore::SyncLoop() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    cv_.wait_for(lock, std::chrono::milliseconds(options_.sync_interval_ms),
                 [&] { return stop_ || kicked_; });
    if (stop_) return;
    kicked_ = false;
    lock.unlock();
    SyncRound();
    lock.lock();
  }
}

size_t WatchableStore::synced_count() const {
  std::lock_guard lock(mu_);
  size_t n = synced_ranges_.size();
  for (const auto& [key, ws] : synced_keys_) n += ws.size();
  return n;
}

size_t WatchableStore::unsynced_count() const {
  std::lock_guard lock(mu_);
  return unsynced_.size();
}

}  // namespace etcdpp::mvcc
