#include "mvcc/key_value_meta.h"

#include <gtest/gtest.h>

#include "mvccpb/kv.pb.h"

namespace etcdpp::mvcc {
namespace {

TEST(KeyValueMeta, DecodesEveryFieldTheIndexNeedsAndSkipsTheValue) {
  mvccpb::KeyValue kv;
  kv.set_key("big/0001");
  kv.set_create_revision(7);
  kv.set_mod_revision(9);
  kv.set_version(3);
  kv.set_value(std::string(1 << 20, 'v'));
  kv.set_lease(0x1234567890);
  const std::string bytes = kv.SerializeAsString();
  KeyValueMeta meta;
  ASSERT_TRUE(DecodeKeyValueMeta(bytes, &meta));
  EXPECT_EQ(meta.key, "big/0001");
  EXPECT_EQ(meta.create_revision, 7);
  EXPECT_EQ(meta.version, 3);
  EXPECT_EQ(meta.lease, 0x1234567890);
}

TEST(KeyValueMeta, TombstoneAndEmptyRowsDecode) {
  mvccpb::KeyValue kv;
  kv.set_key("gone");
  KeyValueMeta meta;
  ASSERT_TRUE(DecodeKeyValueMeta(kv.SerializeAsString(), &meta));
  EXPECT_EQ(meta.key, "gone");
  EXPECT_EQ(meta.version, 0);
  EXPECT_EQ(meta.lease, 0);
  ASSERT_TRUE(DecodeKeyValueMeta("", &meta));
  EXPECT_TRUE(meta.key.empty());
}

TEST(KeyValueMeta, TruncatedRowsAreRefused) {
  mvccpb::KeyValue kv;
  kv.set_key("k");
  kv.set_value(std::string(100, 'v'));
  kv.set_lease(5);
  const std::string bytes = kv.SerializeAsString();
  KeyValueMeta meta;
  for (size_t cut : {size_t{1}, size_t{4}, size_t{50}, bytes.size() - 1}) {  // 3: the key alone, valid
    EXPECT_FALSE(DecodeKeyValueMeta(std::string_view(bytes).substr(0, cut), &meta)) << cut;
  }
  EXPECT_FALSE(DecodeKeyValueMeta("\xff\xff\xff", &meta));
}

}  // namespace
}  // namespace etcdpp::mvcc
