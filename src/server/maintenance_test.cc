// Alarms, the space quota, leadership transfer, snapshots and auto compaction on an
// in-process single member.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <mutex>

#include "backend/bolt_file.h"
#include "server/alarm_store.h"
#include "membership/member.h"
#include "server/auto_compactor.h"
#include "server/errors.h"
#include "server/etcd_server.h"
#include "server/test_member.h"
#include "server/quota.h"
#include "testing/temp_dir.h"
#include "testing/wait_until.h"

namespace etcdpp::server {
namespace {

using testing_member::Await;
using testing_member::SingleMember;
using testing_member::StartMember;

Result<etcdserverpb::PutResponse> Put(EtcdServer& s, const std::string& k, const std::string& v) {
  etcdserverpb::PutRequest r;
  r.set_key(k);
  r.set_value(v);
  return Await<etcdserverpb::PutResponse>([&](auto done) { s.Put(r, done); });
}

Result<etcdserverpb::AlarmResponse> Alarm(EtcdServer& s, etcdserverpb::AlarmRequest::AlarmAction action,
                                          uint64_t member, etcdserverpb::AlarmType type) {
  etcdserverpb::AlarmRequest r;
  r.set_action(action);
  r.set_memberid(member);
  r.set_alarm(type);
  return Await<etcdserverpb::AlarmResponse>([&](auto done) { s.Alarm(r, done); });
}

TEST(Alarms, ActivatedAlarmIsListedPersistedAndDeactivated) {
  testing::TempDir dir;
  NoPeersTransport transport;
  auto config = SingleMember(dir.Sub("m"));
  {
    auto server = StartMember(config, &transport);
    ASSERT_TRUE(server);
    auto act = Alarm(*server, etcdserverpb::AlarmRequest::ACTIVATE, 7, etcdserverpb::NOSPACE);
    ASSERT_TRUE(act.ok()) << act.status().ToString();
    ASSERT_EQ(act->alarms_size(), 1);
    EXPECT_FALSE(act->has_header());  // etcd's AlarmResponse carries none
    auto get = Alarm(*server, etcdserverpb::AlarmRequest::GET, 0, etcdserverpb::NONE);
    ASSERT_TRUE(get.ok());
    ASSERT_EQ(get->alarms_size(), 1);
    EXPECT_EQ(get->alarms(0).memberid(), 7u);
    EXPECT_EQ(AlarmText(get->alarms(0)), "memberID:7 alarm:NOSPACE ");
    server->Stop();
  }
  auto server = StartMember(config, &transport);
  ASSERT_TRUE(server);
  ASSERT_EQ(server->Alarms().size(), 1u);
  auto put = Put(*server, "k", "v");
  EXPECT_TRUE(errors::kNoSpace.Is(put.status())) << put.status().ToString();
  auto deact = Alarm(*server, etcdserverpb::AlarmRequest::DEACTIVATE, 7, etcdserverpb::NOSPACE);
  ASSERT_TRUE(deact.ok());
  EXPECT_EQ(deact->alarms_size(), 1);
  EXPECT_TRUE(server->Alarms().empty());
  EXPECT_TRUE(Put(*server, "k", "v").ok());
  server->Stop();
}

TEST(Quota, WritesPastTheQuotaRaiseNoSpaceAndOnlyDataAddingRequestsAreRefused) {
  testing::TempDir dir;
  NoPeersTransport transport;
  auto config = SingleMember(dir.Sub("m"));
  config.quota_backend_bytes = 200 * 1024;
  auto server = StartMember(config, &transport);
  ASSERT_TRUE(server);
  Status refused;
  for (int i = 0; i < 100 && refused.ok(); ++i) refused = Put(*server, "k" + std::to_string(i), std::string(8000, 'v')).status();
  ASSERT_TRUE(errors::kNoSpace.Is(refused)) << refused.ToString();
  EXPECT_EQ(GrpcCodeOf(refused), GrpcCode::kResourceExhausted);
  ASSERT_TRUE(testing::WaitUntil([&] { return server->Alarms().size() == 1; }));
  EXPECT_EQ(server->Alarms()[0].memberid(), server->member_id());

  etcdserverpb::DeleteRangeRequest del;
  del.set_key("k0");
  EXPECT_TRUE((Await<etcdserverpb::DeleteRangeResponse>([&](auto d) { server->DeleteRange(del, d); })).ok());
  etcdserverpb::TxnRequest txn_delete;
  txn_delete.add_success()->mutable_request_delete_range()->set_key("k1");
  EXPECT_TRUE((Await<etcdserverpb::TxnResponse>([&](auto d) { server->Txn(txn_delete, d); })).ok());
  etcdserverpb::TxnRequest txn_put;
  txn_put.add_failure()->mutable_request_put()->set_key("x");
  auto txn = Await<etcdserverpb::TxnResponse>([&](auto d) { server->Txn(txn_put, d); });
  EXPECT_TRUE(errors::kNoSpace.Is(txn.status()));
  server->Stop();
}

TEST(Compaction, PhysicalCompactionAnswersOnceRowsAreGoneWithoutStoppingApply) {
  testing::TempDir dir;
  NoPeersTransport transport;
  auto server = StartMember(SingleMember(dir.Sub("m")), &transport);
  ASSERT_TRUE(server);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(Put(*server, "a", std::to_string(i)).ok());
  etcdserverpb::CompactionRequest c;
  c.set_revision(5);
  c.set_physical(true);
  auto p = std::make_shared<std::promise<Result<etcdserverpb::CompactionResponse>>>();
  server->Compact(c, [p](auto r) { p->set_value(std::move(r)); });
  EXPECT_TRUE(Put(*server, "b", "after").ok());
  auto f = p->get_future();
  ASSERT_EQ(f.wait_for(std::chrono::seconds(20)), std::future_status::ready);
  EXPECT_TRUE(f.get().ok());
  server->Stop();
}

TEST(MoveLeader, SingleMemberRefusesUnknownTransfereeAndAcceptsItself) {
  testing::TempDir dir;
  NoPeersTransport transport;
  auto server = StartMember(SingleMember(dir.Sub("m")), &transport);
  ASSERT_TRUE(server);
  etcdserverpb::MoveLeaderRequest r;
  r.set_targetid(12345);
  auto bad = Await<etcdserverpb::MoveLeaderResponse>([&](auto d) { server->MoveLeader(r, d); });
  EXPECT_TRUE(errors::kBadLeaderTransferee.Is(bad.status()));
  r.set_targetid(server->member_id());
  EXPECT_TRUE((Await<etcdserverpb::MoveLeaderResponse>([&](auto d) { server->MoveLeader(r, d); })).ok());
  server->Stop();
}

TEST(Snapshot, SnapshotFileIsABoltCopyOfTheBackend) {
  testing::TempDir dir;
  NoPeersTransport transport;
  auto server = StartMember(SingleMember(dir.Sub("m")), &transport);
  ASSERT_TRUE(server);
  ASSERT_TRUE(Put(*server, "snap-key", "snap-value").ok());
  auto p = std::make_shared<std::promise<bool>>();
  server->Snapshot([p](const Result<SnapshotFile>& file, const std::function<bool()>&) {
    bool found = false;
    if (file.ok()) {
      EXPECT_EQ(file->size_bytes % 4096, 0u);
      EXPECT_TRUE(backend::ReadBoltFile(file->path, [&](std::string_view bucket, std::string_view, std::string_view v) {
                    if (bucket == "key" && v.find("snap-value") != std::string_view::npos) found = true;
                    return Status();
                  }).ok());
    }
    p->set_value(found);
  });
  auto f = p->get_future();
  ASSERT_EQ(f.wait_for(std::chrono::seconds(20)), std::future_status::ready);
  EXPECT_TRUE(f.get());
  server->Stop();
}

TEST(QuotaCost, FollowsEtcdsEstimates) {
  etcdserverpb::PutRequest put;
  put.set_key("abc");
  put.set_value("12345");
  EXPECT_EQ(BackendQuota::Cost(put), 256 + 8);
  etcdserverpb::TxnRequest txn;
  *txn.add_success()->mutable_request_put() = put;
  *txn.add_failure()->mutable_request_put() = put;
  *txn.add_failure()->mutable_request_put() = put;
  txn.add_failure()->mutable_request_range()->set_key("r");
  EXPECT_EQ(BackendQuota::Cost(txn), 2 * (256 + 8));
  EXPECT_EQ(HumanBytes(kDefaultQuotaBytes), "2.1 GB");
  EXPECT_EQ(HumanBytes(16384), "16 kB");
  EXPECT_EQ(HumanBytes(5), "5 B");
  BackendQuota disabled(-1, nullptr);
  EXPECT_FALSE(disabled.enabled());
  EXPECT_EQ(BackendQuota(0, nullptr).limit_bytes(), kDefaultQuotaBytes);
}

TEST(AutoCompaction, RetentionParsesAsEtcdDoes) {
  auto hours = ParseAutoCompaction("periodic", "2");
  ASSERT_TRUE(hours.ok());
  EXPECT_EQ(hours->period, std::chrono::hours(2));
  auto minutes = ParseAutoCompaction("periodic", "30m");
  ASSERT_TRUE(minutes.ok());
  EXPECT_EQ(minutes->period, std::chrono::minutes(30));
  auto revs = ParseAutoCompaction("revision", "1000");
  ASSERT_TRUE(revs.ok());
  EXPECT_TRUE(revs->revision_mode);
  EXPECT_EQ(revs->retention_revs, 1000);
  EXPECT_FALSE(ParseAutoCompaction("periodic", "0")->enabled());
  auto bad = ParseAutoCompaction("periodic", "abc");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "error parsing CompactionRetention: time: invalid duration \"abc\"");
}

TEST(AutoCompaction, RevisionModeCompactsRetentionBehindOnlyWhileLeading) {
  AutoCompactionOptions o;
  o.revision_mode = true;
  o.retention_revs = 10;
  o.revision_interval = std::chrono::milliseconds(1);
  std::atomic<int64_t> rev{5};
  std::atomic<bool> leading{false};
  std::mutex mu;
  std::vector<int64_t> compacted;
  AutoCompactor c(o, [&] { return rev.load(); }, [&] { return leading.load(); },
                  [&](int64_t r) {
                    std::lock_guard lock(mu);
                    compacted.push_back(r);
                    return Status();
                  },
                  nullptr);
  c.Start();
  rev = 100;
  // A follower never compacts.
  ASSERT_FALSE(testing::WaitUntil([&] { std::lock_guard lock(mu); return !compacted.empty(); },
                                  std::chrono::milliseconds(50)));
  leading = true;
  ASSERT_TRUE(testing::WaitUntil([&] { std::lock_guard lock(mu); return !compacted.empty(); }));
  c.Stop();
  std::lock_guard lock(mu);
  EXPECT_EQ(compacted.front(), 90);
  EXPECT_EQ(compacted.size(), 1u);  // the same revision is not compacted twice
}

}  // namespace
}  // namespace etcdpp::server
