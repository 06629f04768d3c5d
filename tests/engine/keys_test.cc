#include "engine/keys.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace silang::keys {
namespace {

using ::testing::Optional;

constexpr int64_t kI64Min = std::numeric_limits<int64_t>::min();
constexpr int64_t kI64Max = std::numeric_limits<int64_t>::max();
constexpr uint64_t kU64Max = std::numeric_limits<uint64_t>::max();

TEST(KeysTest, U8RoundTrip) {
  for (int v : {0, 1, 0x7f, 0x80, 0xff}) {
    std::string key = Builder().U8(static_cast<uint8_t>(v)).Take();
    ASSERT_EQ(key.size(), 1u);
    Reader r(key);
    EXPECT_THAT(r.U8(), Optional(static_cast<uint8_t>(v)));
    EXPECT_TRUE(r.done());
  }
}

TEST(KeysTest, U32RoundTripIsBigEndian) {
  std::string key = Builder().U32(0x01020304u).Take();
  EXPECT_EQ(key, std::string("\x01\x02\x03\x04", 4));
  for (uint32_t v : {0u, 1u, 0x80000000u, 0xffffffffu}) {
    std::string k = Builder().U32(v).Take();
    Reader r(k);
    EXPECT_THAT(r.U32(), Optional(v));
    EXPECT_TRUE(r.done());
  }
}

TEST(KeysTest, U64RoundTripIsBigEndian) {
  std::string key = Builder().U64(0x0102030405060708ull).Take();
  EXPECT_EQ(key, std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8));
  for (uint64_t v : {uint64_t{0}, uint64_t{1}, uint64_t{1} << 63, kU64Max}) {
    std::string k = Builder().U64(v).Take();
    Reader r(k);
    EXPECT_THAT(r.U64(), Optional(v));
    EXPECT_TRUE(r.done());
  }
}

TEST(KeysTest, I64RoundTripIncludingExtremes) {
  for (int64_t v :
       {kI64Min, kI64Min + 1, int64_t{-1000000}, int64_t{-1}, int64_t{0},
        int64_t{1}, int64_t{1700000000000000}, kI64Max - 1, kI64Max}) {
    std::string k = Builder().I64(v).Take();
    ASSERT_EQ(k.size(), 8u);
    Reader r(k);
    EXPECT_THAT(r.I64(), Optional(v)) << v;
    EXPECT_TRUE(r.done());
  }
  // Sign bit flipped: zero sits in the middle of the byte range.
  EXPECT_EQ(Builder().I64(0).Take(),
            std::string("\x80\x00\x00\x00\x00\x00\x00\x00", 8));
  EXPECT_EQ(Builder().I64(kI64Min).Take(), std::string(8, '\0'));
  EXPECT_EQ(Builder().I64(kI64Max).Take(), std::string(8, '\xff'));
}

TEST(KeysTest, StrRoundTripIncludingEmpty) {
  for (std::string s :
       {std::string(), std::string("a"), std::string("perpusnas-jkt"),
        std::string("isbn:9786020332956"),
        std::string("\xff\x01 utf8 \xc3\xa9")}) {
    std::string k = Builder().Str(s).Take();
    EXPECT_EQ(k.size(), s.size() + 1);
    EXPECT_EQ(k.back(), '\0');
    Reader r(k);
    auto got = r.Str();
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(std::string(*got), s);
    EXPECT_TRUE(r.done());
  }
}

TEST(KeysTest, MixedTupleRoundTrip) {
  std::string k =
      Builder().Str("lib-a").I64(-42).U64(7).U32(9).U8(3).Str("").Take();
  Reader r(k);
  EXPECT_THAT(r.Str(), Optional(absl::string_view("lib-a")));
  EXPECT_THAT(r.I64(), Optional(int64_t{-42}));
  EXPECT_THAT(r.U64(), Optional(uint64_t{7}));
  EXPECT_THAT(r.U32(), Optional(uint32_t{9}));
  EXPECT_THAT(r.U8(), Optional(uint8_t{3}));
  EXPECT_THAT(r.Str(), Optional(absl::string_view("")));
  EXPECT_TRUE(r.done());
}

// Checks that sorting the encodings bytewise gives the values' order.
template <typename T, typename Encode>
void ExpectByteOrderIsLogicalOrder(std::vector<T> values, Encode encode) {
  std::vector<T> logical = values;
  std::sort(logical.begin(), logical.end());
  std::vector<std::pair<std::string, T>> encoded;
  for (const T& v : values) encoded.emplace_back(encode(v), v);
  std::sort(encoded.begin(), encoded.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<T> by_bytes;
  for (const auto& [k, v] : encoded) by_bytes.push_back(v);
  EXPECT_EQ(by_bytes, logical);
}

TEST(KeysTest, I64ByteOrderIsNumericOrderNegativesFirst) {
  // Deliberately not in order.
  std::vector<int64_t> values = {
      5,   -1,   kI64Max,     0, kI64Min,        -256,       255,
      256, -255, kI64Min + 1, 1, -1000000000000, kI64Max - 1};
  ExpectByteOrderIsLogicalOrder(
      values, [](int64_t v) { return Builder().I64(v).Take(); });
  EXPECT_LT(Builder().I64(-1).Take(), Builder().I64(0).Take());
  EXPECT_LT(Builder().I64(kI64Min).Take(), Builder().I64(-1).Take());
}

TEST(KeysTest, U64ByteOrderIsNumericOrder) {
  std::vector<uint64_t> values = {
      256,   1, kU64Max, 0, 255, uint64_t{1} << 63, (uint64_t{1} << 63) - 1,
      65536, 2};
  ExpectByteOrderIsLogicalOrder(
      values, [](uint64_t v) { return Builder().U64(v).Take(); });
}

TEST(KeysTest, TupleOrderIsStringThenInteger) {
  using Tuple = std::pair<std::string, int64_t>;
  // "a" vs "ab": the NUL terminator makes the shorter string sort first
  // whatever integer follows it.
  std::vector<Tuple> values = {
      {"b", -5}, {"a", 100}, {"ab", kI64Min}, {"a", -100}, {"", 0},
      {"b", 3},  {"a", 0},   {"ab", kI64Max}, {"", -1},    {"b", kI64Min},
  };
  ExpectByteOrderIsLogicalOrder(values, [](const Tuple& t) {
    return Builder().Str(t.first).I64(t.second).Take();
  });
}

TEST(KeysTest, ReaderShortKeysReturnNullopt) {
  EXPECT_EQ(Reader("").U8(), std::nullopt);
  EXPECT_EQ(Reader("abc").U32(), std::nullopt);
  EXPECT_EQ(Reader("abcdefg").U64(), std::nullopt);
  EXPECT_EQ(Reader("abcdefg").I64(), std::nullopt);
  // A string part without its NUL terminator is malformed.
  EXPECT_EQ(Reader("no-terminator").Str(), std::nullopt);
  EXPECT_EQ(Reader("").Str(), std::nullopt);

  // A truncated request key (7 of 8 bytes) fails; so does a truncated tuple
  // after a good first part.
  std::string key = RequestKey(42);
  Reader r(absl::string_view(key).substr(0, 7));
  EXPECT_EQ(r.U64(), std::nullopt);

  std::string audit = AuditKey(42, 7);
  Reader r2(absl::string_view(audit).substr(0, 10));
  EXPECT_THAT(r2.U64(), Optional(uint64_t{42}));
  EXPECT_EQ(r2.U32(), std::nullopt);
}

TEST(KeysTest, ValidPartRejectsNul) {
  EXPECT_TRUE(ValidPart(""));
  EXPECT_TRUE(ValidPart("lib-1"));
  EXPECT_FALSE(ValidPart(absl::string_view("a\0b", 3)));
  EXPECT_FALSE(ValidPart(absl::string_view("\0", 1)));
}

TEST(KeysTest, PrefixEnd) {
  EXPECT_EQ(PrefixEnd("abc"), "abd");
  EXPECT_EQ(PrefixEnd(std::string("a\xff", 2)), "b");
  EXPECT_EQ(PrefixEnd(std::string("a\xff\xff", 3)), "b");
  EXPECT_EQ(PrefixEnd(std::string("\x01\x00", 2)), std::string("\x01\x01", 2));
  EXPECT_EQ(PrefixEnd(std::string(3, '\xff')), "");
  EXPECT_EQ(PrefixEnd(""), "");

  // Every key with the prefix sorts below PrefixEnd; the next sibling does
  // not.
  std::string prefix = Builder().Str("lib-a").Take();
  std::string end = PrefixEnd(prefix);
  EXPECT_LT(Builder().Str("lib-a").I64(kI64Max).U64(kU64Max).Take(), end);
  EXPECT_GE(Builder().Str("lib-b").Take(), end);
  EXPECT_GE(Builder().Str("lib-a0").Take(), end);
}

TEST(KeysTest, RequestKeyDecodes) {
  std::string k = RequestKey(123456789012345ull);
  EXPECT_EQ(k.size(), 8u);
  Reader r(k);
  EXPECT_THAT(r.U64(), Optional(uint64_t{123456789012345ull}));
  EXPECT_TRUE(r.done());
  EXPECT_LT(RequestKey(9), RequestKey(10));
  EXPECT_LT(RequestKey(255), RequestKey(256));
}

TEST(KeysTest, AuditKeyDecodesAndOrdersBySeqWithinRequest) {
  std::string k = AuditKey(77, 0x01020304u);
  EXPECT_EQ(k.size(), 12u);
  Reader r(k);
  EXPECT_THAT(r.U64(), Optional(uint64_t{77}));
  EXPECT_THAT(r.U32(), Optional(uint32_t{0x01020304u}));
  EXPECT_TRUE(r.done());
  EXPECT_LT(AuditKey(77, 9), AuditKey(77, 10));
  EXPECT_LT(AuditKey(77, 0xffffffffu), AuditKey(78, 0));
  // All of one request's events share its request key as a prefix.
  EXPECT_EQ(k.substr(0, 8), RequestKey(77));
}

TEST(KeysTest, TimerKeyDecodesAndOrdersByDue) {
  std::string k = TimerKey(-5, 9, 2);
  EXPECT_EQ(k.size(), 17u);
  Reader r(k);
  EXPECT_THAT(r.I64(), Optional(int64_t{-5}));
  EXPECT_THAT(r.U64(), Optional(uint64_t{9}));
  EXPECT_THAT(r.U8(), Optional(uint8_t{2}));
  EXPECT_TRUE(r.done());
  // Due time dominates: an earlier timer of a later request comes first.
  EXPECT_LT(TimerKey(1000, 99, 1), TimerKey(1001, 1, 1));
  EXPECT_LT(TimerKey(1000, 1, 2), TimerKey(1000, 2, 1));
  EXPECT_LT(TimerKey(1000, 1, 1), TimerKey(1000, 1, 2));
}

}  // namespace
}  // namespace silang::keys
