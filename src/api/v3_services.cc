#include "api/v3_services.h"

#include <memory>

#include "api/request_checks.h"
#include "api/unary_method.h"
#include "server/errors.h"

namespace etcdpp::api {
namespace {

using server::EtcdServer;

// Binds one typed server call as a unary method: parse, check, call, serialize.
template <typename Req, typename Resp>
void Bind(net::Router& router, std::string grpc_path, std::string gateway_path,
          std::function<Status(const Req&)> check,
          std::function<void(Req, EtcdServer::Done<Resp>)> call) {
  static const Req kReqPrototype;
  static const Resp kRespPrototype;
  UnaryMethod m;
  m.grpc_path = std::move(grpc_path);
  m.gateway_path = std::move(gateway_path);
  m.request_prototype = &kReqPrototype;
  m.response_prototype = &kRespPrototype;
  m.fn = [check = std::move(check), call = std::move(call)](const net::CallContext&, std::string bytes,
                                                             UnaryDone done) {
    Req req;
    if (!req.ParseFromString(bytes)) {
      done(InvalidArgument("grpc: error unmarshalling request"), {});
      return;
    }
    if (check) {
      if (Status s = check(req); !s.ok()) {
        done(s, {});
        return;
      }
    }
    call(std::move(req), [done](Result<Resp> r) {
      if (!r.ok()) {
        done(r.status(), {});
        return;
      }
      done(Status(), r->SerializeAsString());
    });
  };
  RegisterUnary(router, std::move(m));
}

}  // namespace

void RegisterV3Services(net::Router& router, EtcdServer* s, V3Limits limits) {
  using namespace etcdserverpb;
  Bind<RangeRequest, RangeResponse>(router, "/etcdserverpb.KV/Range", "/v3/kv/range", CheckRange,
                                    [s](RangeRequest r, auto done) { s->Range(std::move(r), done); });
  Bind<PutRequest, PutResponse>(router, "/etcdserverpb.KV/Put", "/v3/kv/put", CheckPut,
                                [s](PutRequest r, auto done) { s->Put(std::move(r), done); });
  Bind<DeleteRangeRequest, DeleteRangeResponse>(
      router, "/etcdserverpb.KV/DeleteRange", "/v3/kv/deleterange", CheckDeleteRange,
      [s](DeleteRangeRequest r, auto done) { s->DeleteRange(std::move(r), done); });
  Bind<TxnRequest, TxnResponse>(
      router, "/etcdserverpb.KV/Txn", "/v3/kv/txn",
      [limits](const TxnRequest& r) { return CheckTxn(r, limits.max_txn_ops); },
      [s](TxnRequest r, auto done) { s->Txn(std::move(r), done); });
  Bind<CompactionRequest, CompactionResponse>(
      router, "/etcdserverpb.KV/Compact", "/v3/kv/compaction", nullptr,
      [s](CompactionRequest r, auto done) { s->Compact(std::move(r), done); });
  Bind<MemberListRequest, MemberListResponse>(router, "/etcdserverpb.Cluster/MemberList",
                                              "/v3/cluster/member/list", nullptr,
                                              [s](MemberListRequest, auto done) { s->MemberList(done); });
  Bind<StatusRequest, StatusResponse>(router, "/etcdserverpb.Maintenance/Status", "/v3/maintenance/status",
                                      nullptr, [s](StatusRequest, auto done) { s->GetStatus(done); });
  // etcd 3.4's gateway routes /v3/maintenance/hash to Hash; HashKV is gRPC only there.
  Bind<HashRequest, HashResponse>(router, "/etcdserverpb.Maintenance/Hash", "/v3/maintenance/hash", nullptr,
                                  [s](HashRequest, auto done) { s->Hash(done); });
  Bind<HashKVRequest, HashKVResponse>(router, "/etcdserverpb.Maintenance/HashKV", "", nullptr,
                                      [s](HashKVRequest r, auto done) { s->HashKV(std::move(r), done); });
  Bind<DefragmentRequest, DefragmentResponse>(
      router, "/etcdserverpb.Maintenance/Defragment", "/v3/maintenance/defragment", nullptr,
      [s](DefragmentRequest, auto done) { s->Defragment(done); });
  Bind<MoveLeaderRequest, MoveLeaderResponse>(
      router, "/etcdserverpb.Maintenance/MoveLeader", "/v3/maintenance/transfer-leadership", nullptr,
      [s](MoveLeaderRequest r, auto done) { s->MoveLeader(std::move(r), done); });
  Bind<AlarmRequest, AlarmResponse>(router, "/etcdserverpb.Maintenance/Alarm", "/v3/maintenance/alarm",
                                    nullptr,
                                    [s](AlarmRequest r, auto done) { s->Alarm(std::move(r), done); });
}

}  // namespace etcdpp::api
