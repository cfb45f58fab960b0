// The member's watchable store: writes applied through raft reach watch streams.
#include <gtest/gtest.h>

#include <future>

#include "membership/member.h"
#include "mvcc/watch_stream.h"
#include "server/etcd_server.h"
#include "server/test_member.h"
#include "testing/temp_dir.h"
#include "testing/wait_until.h"

namespace etcdpp::server {
namespace {

Status PutAndWait(EtcdServer& server, const std::string& key, const std::string& value) {
  etcdserverpb::PutRequest r;
  r.set_key(key);
  r.set_value(value);
  auto p = std::make_shared<std::promise<Status>>();
  auto f = p->get_future();
  server.Put(r, [p](Result<etcdserverpb::PutResponse> res) { p->set_value(res.status()); });
  if (f.wait_for(std::chrono::seconds(20)) != std::future_status::ready) return Internal("no answer in time");
  return f.get();
}

TEST(ServerWatch, StreamSeesAppliedPutsAndPastOnesFromItsStartRevision) {
  testing::TempDir dir;
  NoPeersTransport transport;
  auto opened = EtcdServer::Open(testing_member::SingleMember(dir.Sub("m")), &transport);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  auto& server = **opened;
  ASSERT_TRUE(server.Start().ok());
  ASSERT_TRUE(testing::WaitUntil([&] { return server.leader() != 0; }));
  ASSERT_TRUE(PutAndWait(server, "a", "1").ok());  // revision 2

  auto live = server.NewWatchStream();
  ASSERT_TRUE(live->Watch(mvcc::WatchRequest{.key = "a"}).ok());
  auto past = server.NewWatchStream();
  ASSERT_TRUE(past->Watch(mvcc::WatchRequest{.key = "a", .start_revision = 2}).ok());
  ASSERT_TRUE(PutAndWait(server, "a", "2").ok());  // revision 3

  // Collects event revisions until `n` have arrived.
  auto collect = [](mvcc::WatchStream& s, size_t n) {
    std::vector<int64_t> revs;
    testing::WaitUntil([&] {
      for (auto& resp : s.Poll()) {
        for (auto& ev : resp.events) revs.push_back(ev->kv().mod_revision());
      }
      return revs.size() >= n;
    });
    return revs;
  };
  auto live_revs = collect(*live, 1);
  auto past_revs = collect(*past, 2);
  EXPECT_EQ(live_revs, (std::vector<int64_t>{3}));
  EXPECT_EQ(past_revs, (std::vector<int64_t>{2, 3}));
  live.reset();
  past.reset();
  server.Stop();
}

}  // namespace
}  // namespace etcdpp::server
