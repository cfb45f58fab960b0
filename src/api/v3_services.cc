#include "api/v3_services.h"

#include <memory>

#include "api/bind_unary.h"
#include "api/range_method.h"
#include "api/request_checks.h"
#include "api/unary_method.h"
#include "server/errors.h"

namespace etcdpp::api {
namespace {

using server::EtcdServer;

// One method at one gateway path (empty: gRPC only).
template <typename Req, typename Resp>
void Bind(net::Router& router, EtcdServer* s, std::string grpc_path, std::string gateway_path,
          std::function<Status(const Req&)> check, std::function<void(Req, EtcdServer::Done<Resp>)> call) {
  std::vector<std::string> paths;
  if (!gateway_path.empty()) paths.push_back(std::move(gateway_path));
  BindUnary<Req, Resp>(router, s, std::move(grpc_path), std::move(paths), std::move(check), std::move(call));
}

}  // namespace

void RegisterV3Services(net::Router& router, EtcdServer* s, V3Limits limits) {
  using namespace etcdserverpb;
  RegisterRange(router, s);
  Bind<PutRequest, PutResponse>(router, s, "/etcdserverpb.KV/Put", "/v3/kv/put", CheckPut,
                                [s](PutRequest r, auto done) { s->Put(std::move(r), done); });
  Bind<DeleteRangeRequest, DeleteRangeResponse>(
      router, s, "/etcdserverpb.KV/DeleteRange", "/v3/kv/deleterange", CheckDeleteRange,
      [s](DeleteRangeRequest r, auto done) { s->DeleteRange(std::move(r), done); });
  Bind<TxnRequest, TxnResponse>(
      router, s, "/etcdserverpb.KV/Txn", "/v3/kv/txn",
      [limits](const TxnRequest& r) { return CheckTxn(r, limits.max_txn_ops); },
      [s](TxnRequest r, auto done) { s->Txn(std::move(r), done); });
  Bind<CompactionRequest, CompactionResponse>(
      router, s, "/etcdserverpb.KV/Compact", "/v3/kv/compaction", nullptr,
      [s](CompactionRequest r, auto done) { s->Compact(std::move(r), done); });
  Bind<MemberListRequest, MemberListResponse>(router, s, "/etcdserverpb.Cluster/MemberList",
                                              "/v3/cluster/member/list", nullptr,
                                              [s](MemberListRequest, auto done) { s->MemberList(done); });
  Bind<StatusRequest, StatusResponse>(router, s, "/etcdserverpb.Maintenance/Status", "/v3/maintenance/status",
                                      nullptr, [s](StatusRequest, auto done) { s->GetStatus(done); });
  // etcd 3.4's gateway routes /v3/maintenance/hash to Hash; HashKV is gRPC only there.
  Bind<HashRequest, HashResponse>(router, s, "/etcdserverpb.Maintenance/Hash", "/v3/maintenance/hash", nullptr,
                                  [s](HashRequest, auto done) { s->Hash(done); });
  Bind<HashKVRequest, HashKVResponse>(router, s, "/etcdserverpb.Maintenance/HashKV", "", nullptr,
                                      [s](HashKVRequest r, auto done) { s->HashKV(std::move(r), done); });
  Bind<DefragmentRequest, DefragmentResponse>(
      router, s, "/etcdserverpb.Maintenance/Defragment", "/v3/maintenance/defragment", nullptr,
      [s](DefragmentRequest, auto done) { s->Defragment(done); });
  Bind<MoveLeaderRequest, MoveLeaderResponse>(
      router, s, "/etcdserverpb.Maintenance/MoveLeader", "/v3/maintenance/transfer-leadership", nullptr,
      [s](MoveLeaderRequest r, auto done) { s->MoveLeader(std::move(r), done); });
  Bind<MemberAddRequest, MemberAddResponse>(
      router, s, "/etcdserverpb.Cluster/MemberAdd", "/v3/cluster/member/add", nullptr,
      [s](MemberAddRequest r, auto done) { s->MemberAdd(std::move(r), done); });
  Bind<MemberRemoveRequest, MemberRemoveResponse>(
      router, s, "/etcdserverpb.Cluster/MemberRemove", "/v3/cluster/member/remove", nullptr,
      [s](MemberRemoveRequest r, auto done) { s->MemberRemove(std::move(r), done); });
  Bind<MemberUpdateRequest, MemberUpdateResponse>(
      router, s, "/etcdserverpb.Cluster/MemberUpdate", "/v3/cluster/member/update", nullptr,
      [s](MemberUpdateRequest r, auto done) { s->MemberUpdate(std::move(r), done); });
  Bind<MemberPromoteRequest, MemberPromoteResponse>(
      router, s, "/etcdserverpb.Cluster/MemberPromote", "/v3/cluster/member/promote", nullptr,
      [s](MemberPromoteRequest r, auto done) { s->MemberPromote(std::move(r), done); });
  Bind<AlarmRequest, AlarmResponse>(router, s, "/etcdserverpb.Maintenance/Alarm", "/v3/maintenance/alarm",
                                    nullptr,
                                    [s](AlarmRequest r, auto done) { s->Alarm(std::move(r), done); });
}

}  // namespace etcdpp::api
