#include "mvcc/kv_row_meta.h"

#include <gtest/gtest.h>

#include "mvccpb/kv.pb.h"

namespace etcdpp::mvcc {
namespace {

TEST(RowMeta, ReadsWhatProtobufReadsWithoutTheValue) {
  mvccpb::KeyValue kv;
  kv.set_key("some/key");
  kv.set_create_revision(7);
  kv.set_mod_revision(300000000000);
  kv.set_version(3);
  kv.set_value(std::string(1 << 20, 'v'));
  kv.set_lease(-5);  // negative int64: a ten-byte varint
  const std::string row = kv.SerializeAsString();
  auto meta = ParseRowMeta(row);
  ASSERT_TRUE(meta.ok()) << meta.status().ToString();
  EXPECT_EQ(meta->key, "some/key");
  EXPECT_EQ(meta->create_revision, 7);
  EXPECT_EQ(meta->mod_revision, 300000000000);
  EXPECT_EQ(meta->version, 3);
  EXPECT_EQ(meta->lease, -5);
}

TEST(RowMeta, TombstoneAndEmptyFieldsAreZero) {
  mvccpb::KeyValue kv;
  kv.set_key("k");
  auto meta = ParseRowMeta(kv.SerializeAsString());
  ASSERT_TRUE(meta.ok());
  EXPECT_EQ(meta->key, "k");
  EXPECT_EQ(meta->create_revision, 0);
  EXPECT_EQ(meta->lease, 0);
}

TEST(RowMeta, TruncatedOrMalformedRowsAreCorruption) {
  mvccpb::KeyValue kv;
  kv.set_key("key");
  kv.set_value("value");
  const std::string row = kv.SerializeAsString();
  for (size_t n = 1; n < row.size(); ++n) {
    auto meta = ParseRowMeta(std::string_view(row).substr(0, n));
    // A cut may fall between fields (a shorter, valid row) but never past one's end.
    if (meta.ok()) EXPECT_LE(meta->key.size(), 3u);
  }
  EXPECT_FALSE(ParseRowMeta(std::string_view("\x0a\x05" "ab", 4)).ok());  // length past the end
  EXPECT_FALSE(ParseRowMeta(std::string_view("\x0b", 1)).ok());           // wire type 3
  EXPECT_FALSE(ParseRowMeta(std::string_view("\x10\xff", 2)).ok());       // unfinished varint
}

}  // namespace
}  // namespace etcdpp::mvcc
