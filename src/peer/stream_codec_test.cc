#include "peer/stream_codec.h"

#include <gtest/gtest.h>

#include <vector>

namespace etcdpp::peer {
namespace {

raftpb::Message App(uint64_t term, uint64_t index, int entries, uint64_t commit) {
  raftpb::Message m;
  m.set_type(raftpb::MsgApp);
  m.set_from(2);
  m.set_to(1);
  m.set_term(term);
  m.set_logterm(term);
  m.set_index(index);
  m.set_commit(commit);
  for (int i = 0; i < entries; ++i) {
    auto* e = m.add_entries();
    e->set_type(raftpb::EntryNormal);
    e->set_term(term);
    e->set_index(index + 1 + i);
    e->set_data("payload-" + std::to_string(index + 1 + i));
  }
  return m;
}

template <typename Decoder>
std::vector<raftpb::Message> DecodeByteByByte(Decoder& dec, const std::string& wire) {
  std::vector<raftpb::Message> out;
  for (char c : wire) {
    dec.Feed(std::string_view(&c, 1));
    for (int guard = 0; guard < 100; ++guard) {
      auto next = dec.Next();
      EXPECT_TRUE(next.ok()) << next.status().ToString();
      if (!next.ok() || !next->has_value()) break;
      out.push_back(std::move(**next));
    }
  }
  return out;
}

TEST(MessageStream, RoundTripsWholeMessagesFedOneByteAtATime) {
  std::string wire;
  std::vector<raftpb::Message> sent = {App(3, 10, 2, 9), LinkHeartbeat(), App(3, 12, 0, 12)};
  for (const auto& m : sent) AppendMessageFrame(m, &wire);
  MessageStreamDecoder dec;
  auto got = DecodeByteByByte(dec, wire);
  ASSERT_EQ(got.size(), sent.size());
  for (size_t i = 0; i < sent.size(); ++i) EXPECT_EQ(got[i].SerializeAsString(), sent[i].SerializeAsString());
  EXPECT_TRUE(IsLinkHeartbeat(got[1]));
}

TEST(MessageStream, RefusesADeclaredLengthAboveTheLimitWithoutAllocating) {
  MessageStreamDecoder dec;
  dec.Feed(std::string("\x7f\xff\xff\xff\xff\xff\xff\xff", 8));
  auto next = dec.Next();
  ASSERT_FALSE(next.ok());
  EXPECT_EQ(next.status().message(), "rafthttp: error limit exceeded");
}

TEST(MsgAppV2, ConsecutiveAppendsTravelAsEntriesOnly) {
  MsgAppV2Encoder enc;
  std::string first, second;
  enc.Append(App(5, 20, 2, 19), &first);
  enc.Append(App(5, 22, 3, 22), &second);
  EXPECT_EQ(first[0], 2);   // full message establishes term and index
  EXPECT_EQ(second[0], 1);  // continuation: entries and commit only
  MsgAppV2Decoder dec(/*local=*/1, /*remote=*/2);
  auto got = DecodeByteByByte(dec, first + second);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1].SerializeAsString(), App(5, 22, 3, 22).SerializeAsString());
}

TEST(MsgAppV2, HeartbeatsAndOtherMessagesInterleave) {
  MsgAppV2Encoder enc;
  std::string wire;
  raftpb::Message other = App(7, 30, 1, 29);
  other.set_logterm(6);  // an append after a term change cannot use the short form
  enc.Append(LinkHeartbeat(), &wire);
  enc.Append(other, &wire);
  enc.Append(App(7, 31, 1, 31), &wire);
  MsgAppV2Decoder dec(1, 2);
  auto got = DecodeByteByByte(dec, wire);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_TRUE(IsLinkHeartbeat(got[0]));
  EXPECT_EQ(got[1].SerializeAsString(), other.SerializeAsString());
  EXPECT_EQ(got[2].SerializeAsString(), App(7, 31, 1, 31).SerializeAsString());
}

TEST(MsgAppV2, UnknownTypeIsCorruption) {
  MsgAppV2Decoder dec(1, 2);
  dec.Feed("\x09");
  auto next = dec.Next();
  ASSERT_FALSE(next.ok());
  EXPECT_EQ(next.status().message(), "failed to parse type 9 in msgappv2 stream");
}

}  // namespace
}  // namespace etcdpp::peer
