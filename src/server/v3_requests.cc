// The request side of EtcdServer: reads served locally or after a read-index barrier,
// writes proposed through raft and answered by the applier.
#include <chrono>

#include "backend/meta.h"
#include "base/flag_set.h"
#include "server/errors.h"
#include "server/etcd_server.h"
#include "server/kv_convert.h"
#include "server/server_impl.h"

namespace etcdpp::server {
namespace {

// Whether a txn only reads (then it is served like a Range, without raft).
bool IsReadOnly(const etcdserverpb::TxnRequest& t) {
  for (const auto* ops : {&t.success(), &t.failure()}) {
    for (const auto& op : *ops) {
      if (op.has_request_put() || op.has_request_delete_range()) return false;
      if (op.has_request_txn() && !IsReadOnly(op.request_txn())) return false;
    }
  }
  return true;
}

// Turns an applied result into the typed response, header filled.
template <typename Resp>
ApplyCallback Typed(const EtcdServer* server, EtcdServer::Done<Resp> done) {
  return [server, done = std::move(done)](ApplyResult r) {
    if (!r.status.ok()) {
      done(r.status);
      return;
    }
    Resp resp;
    if (r.response) resp = static_cast<const Resp&>(*r.response);
    server->FillHeader(resp.mutable_header());
    done(std::move(resp));
  };
}

// Runs a read at once (serializable) or once the read-index barrier is passed; a barrier
// failure (no leader, timeout, stopped) goes to `done` instead.
template <typename Resp>
void ReadThen(EtcdServer::Impl& impl, bool serializable, std::function<void()> run,
              EtcdServer::Done<Resp> done) {
  if (serializable) {
    run();
    return;
  }
  impl.LinearizableRead([run = std::move(run), done = std::move(done)](etcdpp::Status s) {
    if (!s.ok()) {
      done(s);
      return;
    }
    run();
  });
}

}  // namespace

void EtcdServer::Impl::LinearizableRead(std::function<void(etcdpp::Status)> read) {
  if (stopped.load()) {
    read(errors::kStopped.status());
    return;
  }
  Applier* ap = applier.get();
  raft->ReadIndex([ap, read = std::move(read)](Result<uint64_t> index) {
    if (!index.ok()) {
      read(index.status());
      return;
    }
    ap->WaitApplied(*index, [read] { read(etcdpp::Status()); });
  });
}

void EtcdServer::Range(etcdserverpb::RangeRequest r, Done<etcdserverpb::RangeResponse> done) {
  auto run = [this, r, done]() {
    auto res = impl_->kv->Range(FromPb(r));
    if (!res.ok()) {
      done(MvccToClientError(res.status()));
      return;
    }
    etcdserverpb::RangeResponse resp;
    ToPb(*res, &resp);
    resp.mutable_header()->set_revision(res->revision);
    FillHeader(resp.mutable_header());
    done(std::move(resp));
  };
  ReadThen(*impl_, r.serializable(), std::move(run), std::move(done));
}

void EtcdServer::RangeEncoded(etcdserverpb::RangeRequest r, Done<std::string> done) {
  auto whole = [done](Result<RangeAnswer> answer) {
    if (!answer.ok()) return done(answer.status());
    done(std::move(answer->rest));
  };
  RangeAnswered(std::move(r), std::move(whole), /*stream=*/false);
}

void EtcdServer::RangeStreamed(etcdserverpb::RangeRequest r, Done<RangeAnswer> done) {
  RangeAnswered(std::move(r), std::move(done), /*stream=*/true);
}

void EtcdServer::RangeAnswered(etcdserverpb::RangeRequest r, Done<RangeAnswer> done, bool stream) {
  auto run = [this, r, done, stream]() {
    mvcc::RangeRequest req = FromPb(r);
    req.encode = true;
    req.stream = stream;
    auto res = impl_->kv->Range(req);
    if (!res.ok()) {
      done(MvccToClientError(res.status()));
      return;
    }
    etcdserverpb::RangeResponse rest;  // everything but the encoded key-values
    ToPb(*res, &rest);
    rest.mutable_header()->set_revision(res->revision);
    FillHeader(rest.mutable_header());
    RangeAnswer answer;
    answer.rows = std::move(res->encoded_rows);
    answer.rest = std::move(res->encoded_kvs);
    rest.AppendToString(&answer.rest);  // protobuf fields may come in any order
    done(std::move(answer));
  };
  ReadThen(*impl_, r.serializable(), std::move(run), std::move(done));
}

void EtcdServer::Put(etcdserverpb::PutRequest r, Done<etcdserverpb::PutResponse> done) {
  if (impl_->RefuseOverQuota(BackendQuota::Cost(r), [done](etcdpp::Status s) { done(s); })) return;
  etcdserverpb::InternalRaftRequest req;
  *req.mutable_put() = std::move(r);
  impl_->ProposeV3(std::move(req), Typed(this, std::move(done)));
}

void EtcdServer::DeleteRange(etcdserverpb::DeleteRangeRequest r, Done<etcdserverpb::DeleteRangeResponse> done) {
  etcdserverpb::InternalRaftRequest req;
  *req.mutable_delete_range() = std::move(r);
  impl_->ProposeV3(std::move(req), Typed(this, std::move(done)));
}

void EtcdServer::Txn(etcdserverpb::TxnRequest r, Done<etcdserverpb::TxnResponse> done) {
  if (IsReadOnly(r)) {
    auto run = [this, r, done]() {
      auto res = impl_->kv->Txn(FromPb(r));
      if (!res.ok()) {
        done(MvccToClientError(res.status()));
        return;
      }
      etcdserverpb::TxnResponse resp;
      ToPb(*res, &resp);
      resp.mutable_header()->set_revision(res->revision);
      FillHeader(resp.mutable_header());
      done(std::move(resp));
    };
    ReadThen(*impl_, /*serializable=*/false, std::move(run), std::move(done));
    return;
  }
  if (impl_->RefuseOverQuota(BackendQuota::Cost(r), [done](etcdpp::Status s) { done(s); })) return;
  etcdserverpb::InternalRaftRequest req;
  *req.mutable_txn() = std::move(r);
  impl_->ProposeV3(std::move(req), Typed(this, std::move(done)));
}

void EtcdServer::Compact(etcdserverpb::CompactionRequest r, Done<etcdserverpb::CompactionResponse> done) {
  etcdserverpb::InternalRaftRequest req;
  *req.mutable_compaction() = std::move(r);
  impl_->ProposeV3(std::move(req), Typed(this, std::move(done)));
}

void EtcdServer::MemberList(Done<etcdserverpb::MemberListResponse> done) {
  etcdserverpb::MemberListResponse resp;
  for (const auto& m : impl_->cluster->Members()) MemberToPb(m, resp.add_members());
  auto* h = resp.mutable_header();
  h->set_cluster_id(cluster_id());
  h->set_member_id(member_id());
  h->set_raft_term(impl_->raft->term());
  done(std::move(resp));
}

void EtcdServer::GetStatus(Done<etcdserverpb::StatusResponse> done) {
  etcdserverpb::StatusResponse resp;
  FillHeader(resp.mutable_header());
  resp.set_version("3.4.23");
  if (auto size = impl_->backend->SizeBytes(); size.ok()) resp.set_dbsize(static_cast<int64_t>(*size));
  if (auto used = impl_->backend->SizeInUseBytes(); used.ok()) resp.set_dbsizeinuse(static_cast<int64_t>(*used));
  resp.set_leader(leader());
  resp.set_raftindex(impl_->raft->committed_index());
  resp.set_raftterm(impl_->raft->term());
  resp.set_raftappliedindex(impl_->applier->applied_index());
  if (leader() == 0) resp.add_errors(std::string(errors::kNoLeader.message));
  for (const auto& a : Alarms()) resp.add_errors(AlarmText(a));
  done(std::move(resp));
}

void EtcdServer::HashKV(etcdserverpb::HashKVRequest r, Done<etcdserverpb::HashKVResponse> done) {
  auto res = impl_->kv->HashKV(r.revision());
  if (!res.ok()) {
    done(MvccToClientError(res.status()));
    return;
  }
  etcdserverpb::HashKVResponse resp;
  resp.set_hash(res->hash);
  resp.set_compact_revision(res->compact_revision);
  resp.mutable_header()->set_revision(res->revision);
  FillHeader(resp.mutable_header());
  done(std::move(resp));
}

void EtcdServer::Hash(Done<etcdserverpb::HashResponse> done) {
  auto h = impl_->backend->Hash();
  if (!h.ok()) {
    done(h.status());
    return;
  }
  etcdserverpb::HashResponse resp;
  resp.set_hash(*h);
  FillHeader(resp.mutable_header());
  done(std::move(resp));
}

void EtcdServer::Defragment(Done<etcdserverpb::DefragmentResponse> done) {
  // On a background thread: a defrag takes seconds on a large file (writes go on meanwhile,
  // see Backend::Defrag), and no I/O thread is held for that long.
  Impl& s = *impl_;
  const bool started = s.RunInBackground([&s, done] {
    Logger* log = s.log();
    if (log) {
      log->Log(LogLevel::kNotice, "etcdserver/api/v3rpc", "starting to defragment the storage backend...",
               "starting defragment", {});
    }
    backend::DefragReport report;
    const auto start = std::chrono::steady_clock::now();
    etcdpp::Status st = s.backend->Defrag(&report);
    if (!st.ok()) {
      if (log) {
        log->Log(LogLevel::kError, "etcdserver/api/v3rpc",
                 "failed to defragment the storage backend (" + st.message() + ")", "failed to defragment",
                 {LogField::Str("error", st.message())});
      }
      done(st);
      return;
    }
    if (log) {
      log->Log(LogLevel::kNotice, "etcdserver/api/v3rpc", "finished defragmenting the storage backend",
               "finished defragment",
               {LogField::Str("took", FormatGoDuration(std::chrono::steady_clock::now() - start)),
                LogField::Bool("writes-went-on", report.online), LogField::Str("copy", FormatGoDuration(report.copy)),
                LogField::Str("catch-up", FormatGoDuration(report.catch_up)),
                LogField::Int("catch-up-rounds", report.catch_up_rounds),
                LogField::Str("writes-paused", FormatGoDuration(report.paused)),
                LogField::Str("release", FormatGoDuration(report.release))});
    }
    done(etcdserverpb::DefragmentResponse());  // etcd's carries no header
  });
  if (!started) done(errors::kStopped.status());
}

void EtcdServer::CheckHealth(std::function<void(bool healthy)> done) {
  if (leader() == 0) {
    done(false);
    return;
  }
  impl_->LinearizableRead([done](etcdpp::Status s) { done(s.ok()); });
}

}  // namespace etcdpp::server
