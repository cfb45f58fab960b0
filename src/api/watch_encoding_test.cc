// Responses spliced from shared, pre-encoded events against protobuf's own serialization.
#include "api/watch_encoding.h"

#include <gtest/gtest.h>

#include "api/watch_session.h"

namespace etcdpp::api {
namespace {

mvccpb::Event Event(mvccpb::Event::EventType type, const std::string& key, size_t value_bytes, int64_t rev) {
  mvccpb::Event ev;
  ev.set_type(type);
  ev.mutable_kv()->set_key(key);
  ev.mutable_kv()->set_value(std::string(value_bytes, 'v'));
  ev.mutable_kv()->set_create_revision(2);
  ev.mutable_kv()->set_mod_revision(rev);
  ev.mutable_kv()->set_version(rev - 1);
  return ev;
}

etcdserverpb::WatchResponse Head() {
  etcdserverpb::WatchResponse head;
  head.mutable_header()->set_cluster_id(14841639068965178418u);
  head.mutable_header()->set_member_id(10276657743932975437u);
  head.mutable_header()->set_revision(300);
  head.mutable_header()->set_raft_term(2);
  head.set_watch_id(5);
  return head;
}

// `head` with a protobuf copy of each event.
etcdserverpb::WatchResponse Whole(etcdserverpb::WatchResponse head, const std::vector<mvcc::WatchEventPtr>& events) {
  for (const auto& ev : events) *head.add_events() = ev->event();
  return head;
}

TEST(WatchEncoding, SplicedResponseIsProtobufsSerialization) {
  std::vector<mvcc::WatchEventPtr> events{
      mvcc::WatchEvent::Make(Event(mvccpb::Event::PUT, "a", 10, 7)),
      mvcc::WatchEvent::Make(Event(mvccpb::Event::DELETE, "b", 0, 7)),
      mvcc::WatchEvent::Make(Event(mvccpb::Event::PUT, std::string(200, 'k'), 300, 8)),  // 2-byte lengths
  };
  const std::string expected = Whole(Head(), events).SerializeAsString();
  EXPECT_EQ(EncodeWatchResponse(Head(), events), expected);
  EXPECT_EQ(EventFieldsBytes(events) + Head().ByteSizeLong(), expected.size());
  // Appended after other bytes (a batch of gRPC messages), the message is unchanged.
  std::string batch = "prefix";
  EXPECT_EQ(AppendWatchResponse(Head(), events, &batch), expected.size());
  EXPECT_EQ(batch, "prefix" + expected);
  // No events: the head alone, as for progress and compaction notices.
  EXPECT_EQ(EncodeWatchResponse(Head(), {}), Head().SerializeAsString());
}

TEST(WatchEncoding, PrevKvVariantIsLookedUpOnceSharedAndEncodedWithIt) {
  auto plain = mvcc::WatchEvent::Make(Event(mvccpb::Event::PUT, "a", 10, 7));
  int lookups = 0;
  const mvcc::WatchEvent::PrevKvLookup lookup = [&](const mvccpb::Event& ev) -> std::optional<mvccpb::KeyValue> {
    ++lookups;
    EXPECT_EQ(ev.kv().mod_revision(), 7);
    mvccpb::KeyValue prev = ev.kv();
    prev.set_value("before");
    prev.set_mod_revision(6);
    return prev;
  };
  auto with_prev = mvcc::WatchEvent::WithPrevKv(plain, lookup);
  auto again = mvcc::WatchEvent::WithPrevKv(plain, lookup);
  EXPECT_EQ(lookups, 1);
  EXPECT_EQ(with_prev.get(), again.get());
  ASSERT_TRUE(with_prev->has_prev_kv());
  EXPECT_EQ(with_prev->prev_kv().value(), "before");
  EXPECT_FALSE(plain->has_prev_kv());  // the shared plain event is untouched

  std::vector<mvcc::WatchEventPtr> events{with_prev};
  EXPECT_EQ(EncodeWatchResponse(Head(), events), Whole(Head(), events).SerializeAsString());
  etcdserverpb::WatchResponse parsed;
  ASSERT_TRUE(parsed.ParseFromString(EncodeWatchResponse(Head(), events)));
  EXPECT_EQ(parsed.events(0).prev_kv().value(), "before");

  // The variant keeps its owner alive.
  plain.reset();
  EXPECT_EQ(with_prev->kv().key(), "a");
}

TEST(WatchEncoding, EventWithoutPreviousValueStaysItself) {
  auto plain = mvcc::WatchEvent::Make(Event(mvccpb::Event::PUT, "new", 1, 3));
  auto none = [](const mvccpb::Event&) -> std::optional<mvccpb::KeyValue> { return std::nullopt; };
  EXPECT_EQ(mvcc::WatchEvent::WithPrevKv(plain, none).get(), plain.get());
}

// The pieces cut from encoded sizes are, byte for byte, SplitWatchResponse's pieces.
TEST(WatchEncoding, FragmentsFromEncodedSizesMatchTheProtobufSplit) {
  std::vector<mvcc::WatchEventPtr> events;
  for (int i = 0; i < 12; ++i) {
    events.push_back(mvcc::WatchEvent::Make(Event(mvccpb::Event::PUT, "k" + std::to_string(i), 50 + 40 * (i % 5), 9)));
  }
  events.push_back(mvcc::WatchEvent::Make(Event(mvccpb::Event::PUT, "huge", 3000, 9)));  // over any limit below
  for (size_t limit : {size_t{200}, size_t{500}, size_t{1000}, size_t{100000}}) {
    SCOPED_TRACE(limit);
    const auto reference = SplitWatchResponse(Whole(Head(), events), limit);
    etcdserverpb::WatchResponse piece_head = Head();
    piece_head.set_fragment(true);
    const auto ends = FragmentEnds(Head().ByteSizeLong() + EventFieldsBytes(events), piece_head.ByteSizeLong(),
                                   events.size(), [&](size_t i) { return events[i]->field().size(); }, limit);
    ASSERT_EQ(ends.size(), reference.size());
    ASSERT_EQ(ends.back(), events.size());
    size_t begin = 0;
    for (size_t p = 0; p < ends.size(); ++p) {
      etcdserverpb::WatchResponse head = Head();
      head.set_fragment(ends.size() > 1 && p + 1 < ends.size());
      const std::span<const mvcc::WatchEventPtr> piece(events.data() + begin, ends[p] - begin);
      EXPECT_EQ(EncodeWatchResponse(head, piece), reference[p].SerializeAsString()) << "piece " << p;
      if (piece.size() > 1) EXPECT_LT(EncodeWatchResponse(head, piece).size(), limit);
      begin = ends[p];
    }
  }
  EXPECT_GT(SplitWatchResponse(Whole(Head(), events), 1000).size(), 2u);  // the split is not trivial
}

}  // namespace
}  // namespace etcdpp::api
