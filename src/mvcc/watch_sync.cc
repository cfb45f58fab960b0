// WatchableStore's catch-up: unsynced watchers (past start revisions, victims) read their
// missed events from the backend outside the store lock, then are brought level with the
// live stream of OnWrite under it, so no revision is skipped or delivered twice.
#include "mvcc/watchable_store.h"
#include "mvcc/watcher.h"

namespace etcdpp::mvcc {

void WatchableStore::SyncRound() {
  std::vector<std::pair<Watcher*, uint64_t>> group;
  int64_t from = INT64_MAX;
  int64_t target;
  {
    std::lock_guard lock(mu_);
    for (Watcher* w : unsynced_) {
      if (!w->stream->HasRoom()) continue;
      group.emplace_back(w, w->serial);
      from = std::min(from, w->min_rev);
    }
    target = notified_rev_;
  }
  if (group.empty()) return;

  // Rows [from, upto], ending on a whole revision.
  std::vector<mvccpb::Event> events;
  int64_t upto = target;
  if (from <= target) {
    Status st = kv_->ScanEvents(from, target, options_.catch_up_rows_max + 1, &events);
    ETCDPP_CHECK(st.ok(), "watch catch-up read failed: " + st.ToString());
    if (events.size() > options_.catch_up_rows_max) {
      const int64_t last = events.back().kv().mod_revision();
      while (!events.empty() && events.back().kv().mod_revision() == last) events.pop_back();
      upto = last - 1;
      if (events.empty()) {  // one revision larger than the limit: take it whole
        st = kv_->ScanEvents(last, last, 0, &events);
        ETCDPP_CHECK(st.ok(), "watch catch-up read failed: " + st.ToString());
        upto = last;
      }
    }
  }
  // Read after the scan: any compaction that could have removed rows we needed shows here.
  const int64_t compact = kv_->CompactRev();

  std::vector<WatchEventPtr> shared(events.size());  // each built once, on first use

  std::lock_guard lock(mu_);
  bool more = false;
  for (auto [w, serial] : group) {
    if (unsynced_.count(w) == 0 || w->serial != serial) continue;  // canceled meanwhile
    WatchStream* stream = w->stream;
    bool notify = false;
    if (w->min_rev < compact) {
      WatchResponse resp;
      resp.watch_id = w->id;
      resp.revision = notified_rev_;
      resp.compact_revision = compact;
      stream->Push(std::move(resp), /*force=*/true, &notify);
      if (notify) stream->Notify();
      unsynced_.erase(w);
      watchers_[stream].erase(w->id);  // destroys w
      continue;
    }
    WatchResponse resp;
    resp.watch_id = w->id;
    resp.revision = upto;
    for (size_t i = 0; i < events.size(); ++i) {
      const mvccpb::Event& ev = events[i];
      const int64_t r = ev.kv().mod_revision();
      if (r >= w->min_rev && r <= upto && w->Wants(ev)) {
        if (!shared[i]) shared[i] = WatchEvent::Make(ev);
        resp.AddEvent(shared[i]);
      }
    }
    if (!resp.events.empty() && !stream->Push(std::move(resp), /*force=*/false, &notify)) {
      continue;  // still a victim
    }
    if (notify) stream->Notify();
    w->min_rev = std::max(w->min_rev, upto + 1);
    if (w->min_rev > notified_rev_) {
      MakeSynced(w);
    } else {
      more = true;
    }
  }
  if (more) kicked_ = true;
}

}  // namespace etcdpp::mvcc
