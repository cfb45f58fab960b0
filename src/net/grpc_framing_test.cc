#include "net/grpc_framing.h"

#include <gtest/gtest.h>

namespace etcdpp::net {
namespace {

using std::chrono::nanoseconds;

TEST(GrpcFraming, EncodePrefixesFlagAndBigEndianLength) {
  const std::string framed = EncodeGrpcMessage(std::string(0x010203, 'a'));
  ASSERT_EQ(framed.size(), 5u + 0x010203);
  EXPECT_EQ(static_cast<unsigned char>(framed[0]), 0);
  EXPECT_EQ(static_cast<unsigned char>(framed[1]), 0x00);
  EXPECT_EQ(static_cast<unsigned char>(framed[2]), 0x01);
  EXPECT_EQ(static_cast<unsigned char>(framed[3]), 0x02);
  EXPECT_EQ(static_cast<unsigned char>(framed[4]), 0x03);
}

TEST(GrpcFraming, ReaderSplitsMessagesFedOneByteAtATime) {
  std::string wire = EncodeGrpcMessage("hello") + EncodeGrpcMessage("") + EncodeGrpcMessage("world!");
  GrpcMessageReader reader(1024);
  std::vector<std::string> out;
  for (char c : wire) ASSERT_TRUE(reader.Feed(std::string_view(&c, 1), out).ok());
  EXPECT_EQ(out, (std::vector<std::string>{"hello", "", "world!"}));
  EXPECT_FALSE(reader.partial());
}

TEST(GrpcFraming, ReaderReportsPartialMessage) {
  GrpcMessageReader reader(1024);
  std::vector<std::string> out;
  const std::string wire = EncodeGrpcMessage("abcdef");
  ASSERT_TRUE(reader.Feed(std::string_view(wire).substr(0, 7), out).ok());
  EXPECT_TRUE(out.empty());
  EXPECT_TRUE(reader.partial());
}

TEST(GrpcFraming, OversizedLengthIsRefusedFromThePrefixAlone) {
  GrpcMessageReader reader(4 * 1024 * 1024);
  std::vector<std::string> out;
  const std::string prefix("\x00\x06\x40\x00\x00", 5);  // 100 MiB
  GrpcStatus st = reader.Feed(prefix, out);
  EXPECT_EQ(st.code, GrpcCode::kResourceExhausted);
  EXPECT_EQ(st.message, "grpc: received message larger than max (104857600 vs. 4194304)");
  EXPECT_TRUE(reader.failed());
  // Later bytes are ignored, not buffered or reported again.
  EXPECT_TRUE(reader.Feed(std::string(1000, 'x'), out).ok());
  EXPECT_TRUE(out.empty());
}

TEST(GrpcFraming, CompressedFlagWithoutEncodingIsInternal) {
  GrpcMessageReader reader(100);
  std::vector<std::string> out;
  GrpcStatus st = reader.Feed(std::string("\x01\x00\x00\x00\x01x", 6), out);
  EXPECT_EQ(st.code, GrpcCode::kInternal);
}

TEST(GrpcFraming, PercentEncodingEscapesPercentControlAndNonAscii) {
  EXPECT_EQ(PercentEncodeGrpcMessage("etcdserver: key not found"), "etcdserver: key not found");
  EXPECT_EQ(PercentEncodeGrpcMessage("100%\n\xc3\xa9"), "100%25%0A%C3%A9");
  EXPECT_EQ(PercentDecodeGrpcMessage("100%25%0A%C3%A9"), "100%\n\xc3\xa9");
}

TEST(GrpcFraming, PercentDecodingPassesMalformedSequencesThrough) {
  EXPECT_EQ(PercentDecodeGrpcMessage("50%"), "50%");
  EXPECT_EQ(PercentDecodeGrpcMessage("%zz%4"), "%zz%4");
  EXPECT_EQ(PercentDecodeGrpcMessage("%41%42"), "AB");
}

TEST(GrpcFraming, TimeoutParsesEveryUnit) {
  EXPECT_EQ(ParseGrpcTimeout("1H"), nanoseconds(3600'000'000'000));
  EXPECT_EQ(ParseGrpcTimeout("2M"), nanoseconds(120'000'000'000));
  EXPECT_EQ(ParseGrpcTimeout("3S"), nanoseconds(3'000'000'000));
  EXPECT_EQ(ParseGrpcTimeout("250m"), nanoseconds(250'000'000));
  EXPECT_EQ(ParseGrpcTimeout("7u"), nanoseconds(7'000));
  EXPECT_EQ(ParseGrpcTimeout("99999999n"), nanoseconds(99999999));
}

TEST(GrpcFraming, TimeoutRejectsMalformedValues) {
  EXPECT_FALSE(ParseGrpcTimeout("").has_value());
  EXPECT_FALSE(ParseGrpcTimeout("S").has_value());
  EXPECT_FALSE(ParseGrpcTimeout("10").has_value());
  EXPECT_FALSE(ParseGrpcTimeout("10x").has_value());
  EXPECT_FALSE(ParseGrpcTimeout("-1S").has_value());
  EXPECT_FALSE(ParseGrpcTimeout("123456789S").has_value());  // nine digits
}

TEST(GrpcFraming, TimeoutFormatRoundsUpAndRoundTrips) {
  EXPECT_EQ(FormatGrpcTimeout(std::chrono::milliseconds(1500)), "1500000u");
  EXPECT_EQ(FormatGrpcTimeout(nanoseconds(5)), "5n");
  EXPECT_EQ(FormatGrpcTimeout(std::chrono::hours(1000)), "3600000S");
  EXPECT_EQ(FormatGrpcTimeout(std::chrono::hours(100000)), "6000000M");
  for (auto d : {nanoseconds(1), nanoseconds(123456789), nanoseconds(3'000'000'000)}) {
    EXPECT_GE(*ParseGrpcTimeout(FormatGrpcTimeout(d)), d);
  }
}

}  // namespace
}  // namespace etcdpp::net
