// Tuple codec: exact round trips for every type and limit, and every malformed form rejected
// with its own reason.
#include <mcast/tuple_codec.hpp>

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>

using namespace mcast;

namespace {

Tuple round_trip(const Tuple& t) {
    ByteBuffer b;
    encode_tuple(t, b);
    EXPECT_EQ(b.size(), encoded_size(t));
    auto r = decode_tuple(b);
    EXPECT_FALSE(r.error) << to_string(*r.error);
    return r.values;
}

ByteBuffer bytes(std::initializer_list<int> l) {
    ByteBuffer b;
    for (int x : l)
        b.push_back(static_cast<std::uint8_t>(x));
    return b;
}

std::optional<DropReason> reject(const ByteBuffer& b) {
    return decode_tuple(b).error;
}

} // namespace

TEST(TupleCodec, EmptyTupleIsFourZeroBytes) {
    ByteBuffer b;
    encode_tuple({}, b);
    EXPECT_EQ(b, bytes({0, 0, 0, 0}));
    EXPECT_TRUE(round_trip({}).empty());
}

TEST(TupleCodec, ScalarsRoundTripExactly) {
    Tuple t{nullptr,
            true,
            false,
            std::numeric_limits<std::int64_t>::min(),
            std::numeric_limits<std::int64_t>::max(),
            std::int64_t{0},
            std::int64_t{-1},
            0.0,
            -0.0,
            1.5,
            std::numeric_limits<double>::infinity(),
            -std::numeric_limits<double>::infinity(),
            std::numeric_limits<double>::denorm_min()};
    EXPECT_EQ(round_trip(t), t);
}

TEST(TupleCodec, NegativeZeroKeepsItsSign) {
    auto out = round_trip({-0.0});
    EXPECT_TRUE(std::signbit(out[0].as<double>()));
}

TEST(TupleCodec, NaNPayloadBitsPreserved) {
    double nan = std::bit_cast<double>(std::uint64_t{0x7ff8dead0000beefULL});
    auto out = round_trip({nan});
    EXPECT_EQ(std::bit_cast<std::uint64_t>(out[0].as<double>()), 0x7ff8dead0000beefULL);
}

TEST(TupleCodec, StringsAndBytes) {
    Tuple t{std::string(), std::string("h\xc3\xa9llo \xf0\x9f\x98\x80"), std::string("a\0b", 3),
            Bytes{}, Bytes{{0, 255, 1}}};
    EXPECT_EQ(round_trip(t), t);
}

TEST(TupleCodec, NestedListsUpToTheLimit) {
    Value v = List{std::int64_t{7}};
    for (int i = 1; i < max_list_depth; ++i)
        v = List{v};
    Tuple t{v, List{}};
    EXPECT_EQ(round_trip(t), t);
}

TEST(TupleCodec, IntegerIsBigEndianTwosComplement) {
    ByteBuffer b;
    encode_tuple({std::int64_t{-2}}, b);
    EXPECT_EQ(b, bytes({0, 0, 0, 1, 3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe}));
}

TEST(TupleCodec, RejectsTooDeep) {
    // depth 9: nine nested lists inside the tuple
    ByteBuffer b = bytes({0, 0, 0, 1});
    for (int i = 0; i < 9; ++i) {
        b.push_back(7);
        for (int k : {0, 0, 0, i == 8 ? 0 : 1})
            b.push_back(static_cast<std::uint8_t>(k));
    }
    EXPECT_EQ(reject(b), DropReason::too_deep);
}

TEST(TupleCodec, RejectsTruncatedForms) {
    EXPECT_EQ(reject(bytes({})), DropReason::truncated);
    EXPECT_EQ(reject(bytes({0, 0, 0})), DropReason::truncated);
    EXPECT_EQ(reject(bytes({0, 0, 0, 1})), DropReason::truncated);          // value missing
    EXPECT_EQ(reject(bytes({0, 0, 0, 1, 3, 0, 0})), DropReason::truncated); // short int
    EXPECT_EQ(reject(bytes({0, 0, 0, 1, 5, 0, 0, 0, 4, 'a'})), DropReason::truncated);
    EXPECT_EQ(reject(bytes({0, 0, 0, 1, 6, 0xff, 0xff, 0xff, 0xff})), DropReason::truncated);
    EXPECT_EQ(reject(bytes({0, 0, 0, 1, 7, 0, 0, 0, 2, 0})), DropReason::truncated);
}

TEST(TupleCodec, HugeCountIsRejectedBeforeAllocating) {
    EXPECT_EQ(reject(bytes({0xff, 0xff, 0xff, 0xff, 0})), DropReason::truncated);
    EXPECT_EQ(reject(bytes({0, 0, 0, 1, 7, 0x7f, 0xff, 0xff, 0xff})), DropReason::truncated);
}

TEST(TupleCodec, RejectsUnknownTagAndTrailingBytes) {
    EXPECT_EQ(reject(bytes({0, 0, 0, 1, 8})), DropReason::unknown_type);
    EXPECT_EQ(reject(bytes({0, 0, 0, 1, 0xff})), DropReason::unknown_type);
    EXPECT_EQ(reject(bytes({0, 0, 0, 1, 0, 0})), DropReason::trailing);
    EXPECT_EQ(reject(bytes({0, 0, 0, 0, 0})), DropReason::trailing);
}

TEST(TupleCodec, RejectsInvalidUtf8InStrings) {
    for (auto bad :
         {bytes({0xc0, 0x80}), bytes({0xed, 0xa0, 0x80}), bytes({0xf4, 0x90, 0x80, 0x80}),
          bytes({0xe2, 0x82}), bytes({0x80}), bytes({0xff})}) {
        ByteBuffer b = bytes({0, 0, 0, 1, 5, 0, 0, 0, static_cast<int>(bad.size())});
        b.insert(b.end(), bad.begin(), bad.end());
        EXPECT_EQ(reject(b), DropReason::bad_utf8);
    }
}

TEST(Utf8, AcceptsBoundaries) {
    EXPECT_TRUE(is_valid_utf8(""));
    EXPECT_TRUE(is_valid_utf8("\x7f"));
    EXPECT_TRUE(is_valid_utf8("\xc2\x80"));
    EXPECT_TRUE(is_valid_utf8("\xef\xbf\xbf"));
    EXPECT_TRUE(is_valid_utf8("\xf4\x8f\xbf\xbf"));
    EXPECT_FALSE(is_valid_utf8("\xe0\x9f\xbf"));     // overlong 3-byte
    EXPECT_FALSE(is_valid_utf8("\xf0\x8f\xbf\xbf")); // overlong 4-byte
}
