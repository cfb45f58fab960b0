// A manual check against a real etcd 3.4 member (skipped unless ETCDPP_PEER_INTEROP is
// set): this process plays one member of a two-member cluster whose other member is the
// real etcd, and checks that each side accepts the other's message stream and that the
// real member's raft messages reach us.
//   ETCDPP_PEER_INTEROP="<etcd peer url> <etcd id hex> <our id hex> <cluster id hex> <our listen url>"
#include <cstdlib>
#include <sstream>

#include <gtest/gtest.h>

#include "peer/peer_test_util.h"
#include "testing/wait_until.h"

namespace etcdpp::peer {
namespace {

TEST(PeerInterop, RealEtcdAcceptsOurStreamsAndSendsUsRaftMessages) {
  const char* spec = std::getenv("ETCDPP_PEER_INTEROP");
  if (spec == nullptr) GTEST_SKIP() << "ETCDPP_PEER_INTEROP not set";
  std::istringstream in(spec);
  std::string etcd_url, etcd_id, our_id, cluster_id, listen;
  in >> etcd_url >> etcd_id >> our_id >> cluster_id >> listen;
  testing_util::MemberSetup setup =
      testing_util::SetupFor(*membership::ParseId(our_id), *membership::ParseId(cluster_id));
  setup.listen = listen;
  testing_util::TestMember us(setup);
  const uint64_t etcd = *membership::ParseId(etcd_id);
  us.transport().AddPeer(etcd, {etcd_url});
  // The real member dials our stream handlers...
  EXPECT_TRUE(etcdpp::testing::WaitUntil(
      [&] { return us.transport().StreamAttached(etcd, StreamKind::kMessage); }, std::chrono::seconds(20)));
  EXPECT_TRUE(etcdpp::testing::WaitUntil(
      [&] { return us.transport().StreamAttached(etcd, StreamKind::kMsgAppV2); }, std::chrono::seconds(20)));
  // ...and, alone without quorum, keeps campaigning: its votes reach us.
  ASSERT_TRUE(etcdpp::testing::WaitUntil([&] { return us.inbox().count() > 0; }, std::chrono::seconds(20)));
  for (const auto& m : us.inbox().messages()) {
    std::printf("received %s from %s term %llu\n", raftpb::MessageType_Name(m.type()).c_str(),
                membership::IdToString(m.from()).c_str(), static_cast<unsigned long long>(m.term()));
  }
  // Our answer goes back over the stream the real member dialed to us.
  raftpb::Message reject;
  reject.set_type(raftpb::MsgVoteResp);
  reject.set_from(*membership::ParseId(our_id));
  reject.set_to(etcd);
  reject.set_term(us.inbox().messages().back().term());
  reject.set_reject(true);
  us.transport().Send({reject});
  EXPECT_EQ(us.inbox().unreachable_count(etcd), 0u);
}

}  // namespace
}  // namespace etcdpp::peer
