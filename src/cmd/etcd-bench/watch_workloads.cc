#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

#include "cmd/etcd-bench/runner.h"
#include "cmd/etcd-bench/workloads.h"

namespace etcdpp::bench {
namespace {

using Clock = std::chrono::steady_clock;
using WatchStream =
    grpc::ClientReaderWriter<etcdserverpb::WatchRequest, etcdserverpb::WatchResponse>;

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

std::string WatchKey(uint64_t n, const Options& o) {
  return "bench-watch/" + BenchKey(n, o.key_size);
}

// One Watch stream and the thread that reads it. Event latency is now minus the send
// time that the put wrote into the value (one process, one steady clock).
struct StreamReader {
  grpc::ClientContext ctx;
  std::unique_ptr<WatchStream> rw;
  std::thread thread;
  std::vector<double> latencies_s;  // owned by `thread` until it is joined

  void Start(std::atomic<int>& created, std::atomic<uint64_t>& events, std::atomic<uint64_t>& responses,
             std::atomic<int64_t>& last_event_ns) {
    thread = std::thread([this, &created, &events, &responses, &last_event_ns] {
      etcdserverpb::WatchResponse resp;
      while (rw->Read(&resp)) {
        if (resp.created()) created.fetch_add(1);
        if (resp.events_size() == 0) continue;
        int64_t now = NowNs();
        for (const auto& ev : resp.events()) {
          int64_t sent = std::strtoll(ev.kv().value().c_str(), nullptr, 10);
          if (sent > 0) latencies_s.push_back(static_cast<double>(now - sent) / 1e9);
        }
        events.fetch_add(resp.events_size());
        responses.fetch_add(1);
        last_event_ns.store(now);
      }
    });
  }
  void Stop() {
    ctx.TryCancel();
    thread.join();
    rw->Finish().IgnoreError();
  }
};

// Polls `done` every 10 ms for at most `limit`; true when it became true.
template <typename Pred>
bool WaitFor(Pred done, std::chrono::milliseconds limit) {
  auto deadline = Clock::now() + limit;
  while (!done()) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

struct Watchers {
  std::vector<std::unique_ptr<StreamReader>> streams;
  std::atomic<int> created{0};
  std::atomic<uint64_t> events{0};
  std::atomic<uint64_t> responses{0};  // those that carried events
  std::atomic<int64_t> last_event_ns{0};

  // Opens the streams and creates watcher w on key w % key_space of stream w % streams,
  // from `start_rev` (0 = now); waits until the server confirmed every one.
  Status Open(const Options& o, ClientPool& pool, int64_t start_rev,
              const std::function<std::string(int)>& key_of) {
    for (int s = 0; s < o.streams; ++s) {
      auto sr = std::make_unique<StreamReader>();
      sr->rw = pool.watch(s).Watch(&sr->ctx);
      sr->Start(created, events, responses, last_event_ns);
      streams.push_back(std::move(sr));
    }
    for (int w = 0; w < o.watchers; ++w) {
      etcdserverpb::WatchRequest req;
      auto* c = req.mutable_create_request();
      c->set_key(key_of(w));
      c->set_start_revision(start_rev);
      if (!streams[w % o.streams]->rw->Write(req)) return Unavailable("watch stream closed");
    }
    if (!WaitFor([&] { return created.load() >= o.watchers; }, std::chrono::seconds(60))) {
      return Unavailable("only " + std::to_string(created.load()) + " of " +
                         std::to_string(o.watchers) + " watchers were created");
    }
    return Status::Ok();
  }
  void Close() {
    for (auto& s : streams) s->Stop();
  }
};

}  // namespace

Result<Report> RunWatch(const Options& o, ClientPool& pool) {
  Watchers ws;
  auto t0 = Clock::now();
  Status st = ws.Open(o, pool, 0, [&](int w) { return WatchKey(w % o.watch_key_space, o); });
  double create_s = std::chrono::duration<double>(Clock::now() - t0).count();
  if (!st.ok()) {
    ws.Close();
    return st;
  }
  // Watchers per key, to know how many events the puts must produce.
  std::vector<uint64_t> per_key(o.watch_key_space, 0);
  for (int w = 0; w < o.watchers; ++w) per_key[w % o.watch_key_space]++;
  uint64_t expected = 0;
  for (uint64_t p = 0; p < o.put_total; ++p) expected += per_key[p % o.watch_key_space];

  RunPlan plan = PlanFrom(o);
  plan.total = o.put_total;
  plan.duration_s = 0;
  plan.rate = o.put_rate;
  int64_t first_put_ns = NowNs();
  auto out = Run(plan, [&](int client, uint64_t seq) {
    etcdserverpb::PutRequest req;
    req.set_key(WatchKey(seq % o.watch_key_space, o));
    std::string value = std::to_string(NowNs());
    if (static_cast<int>(value.size()) < o.val_size) value.resize(o.val_size, ' ');
    req.set_value(value);
    etcdserverpb::PutResponse resp;
    grpc::ClientContext ctx;
    return StatusText(pool.kv(client).Put(&ctx, req, &resp));
  });
  bool all = WaitFor([&] { return ws.events.load() >= expected; }, std::chrono::seconds(30));
  ws.Close();

  std::vector<double> lat;
  for (auto& s : ws.streams) lat.insert(lat.end(), s->latencies_s.begin(), s->latencies_s.end());
  double event_span_s = static_cast<double>(ws.last_event_ns.load() - first_put_ns) / 1e9;
  Report r;
  r.workload = "watch";
  uint64_t missing = all ? 0 : expected - std::min(expected, ws.events.load());
  r.sections.emplace_back("event", Summarize(lat, missing, event_span_s));
  r.sections.emplace_back("put", out.stats);
  r.first_error = out.first_error;
  if (!all) r.first_error += " (missing " + std::to_string(missing) + " events)";
  r.extra = {{"watchers", o.watchers}, {"streams", o.streams},
             {"watch_key_space", o.watch_key_space}, {"events_expected", expected},
             {"events_received", ws.events.load()}, {"event_responses", ws.responses.load()},
             {"watcher_create_s", create_s}};
  return r;
}

Result<Report> RunWatchGet(const Options& o, ClientPool& pool) {
  const std::string key = "bench-watch-get";
  {
    etcdserverpb::PutRequest req;
    req.set_key(key);
    req.set_value(std::string(o.val_size, 'v'));
    etcdserverpb::PutResponse resp;
    grpc::ClientContext ctx;
    if (auto err = StatusText(pool.kv(0).Put(&ctx, req, &resp)); !err.empty()) {
      return Unavailable("put: " + err);
    }
  }
  // Watchers from revision 1 start unsynced: the server has to catch each one up from
  // history while the gets run.
  Watchers ws;
  Status st = ws.Open(o, pool, 1, [&](int) { return key; });
  if (!st.ok()) {
    ws.Close();
    return st;
  }
  etcdserverpb::RangeRequest get;
  get.set_key(key);
  get.set_serializable(o.consistency == "s");
  auto out = Run(PlanFrom(o), [&](int client, uint64_t) {
    etcdserverpb::RangeResponse resp;
    grpc::ClientContext ctx;
    return StatusText(pool.kv(client).Range(&ctx, get, &resp));
  });
  ws.Close();
  Report r;
  r.workload = "watch-get";
  r.sections.emplace_back("get", out.stats);
  r.first_error = out.first_error;
  r.extra = {{"watchers", o.watchers}, {"streams", o.streams}};
  return r;
}

}  // namespace etcdpp::bench
