// Datagram codec: layout, limits, and that every single-bit change of a valid datagram is
// rejected (header fields by their checks, everything else by the signature).
#include "protocol/receiver.hpp"
#include "test_keys.hpp"
#include <mcast/wire.hpp>

#include <gtest/gtest.h>

using namespace mcast;

namespace {

using test_keys::key;

Header header(std::string topic = "t") {
    Header h;
    h.incarnation = 0x1122334455667788ULL;
    h.seq = 1;
    h.timestamp_ns = 1'700'000'000'000'000'000;
    h.topic = std::move(topic);
    return h;
}

} // namespace

TEST(Wire, LayoutMatchesTheSpec) {
    auto id = key(1);
    auto d = encode_datagram(header("ab"), {std::int64_t{5}}, id);
    ASSERT_EQ(d.size(), min_datagram_size + 2 + 13);
    EXPECT_EQ(std::string(d.begin(), d.begin() + 4), "MCST");
    EXPECT_EQ(d[4], 1);
    EXPECT_EQ(d[5], 1);
    EXPECT_EQ(d[6], 0);
    EXPECT_EQ(d[7], 0);
    EXPECT_TRUE(std::equal(id.public_key().begin(), id.public_key().end(), d.begin() + 8));
    EXPECT_EQ(d[40], 0x11);
    EXPECT_EQ(d[47], 0x88);
    EXPECT_EQ(d[55], 1);
    EXPECT_EQ(d[64], 2);
    EXPECT_EQ(d[65], 'a');
    EXPECT_EQ(d[70], 13); // payload length, low byte
}

TEST(Wire, SignatureCoversDomainPrefixAndBody) {
    auto id = key(11);
    auto d = encode_datagram(header(), {"x"}, id);
    // timestamp 1'700'000'000'000'000'000 = 0x17979cfe362a0000, big-endian at 56..63
    const std::uint8_t ts[8] = {0x17, 0x97, 0x9c, 0xfe, 0x36, 0x2a, 0x00, 0x00};
    EXPECT_TRUE(std::equal(std::begin(ts), std::end(ts), d.begin() + 56));
    ByteBuffer msg;
    for (char c : std::string("mcast-datagram-v1"))
        msg.push_back(static_cast<std::uint8_t>(c));
    msg.push_back(0);
    msg.insert(msg.end(), d.begin(), d.end() - 64);
    Verifier v(id.public_key());
    EXPECT_TRUE(v.verify(msg, d.data() + d.size() - 64));
    ByteBuffer without_domain(d.begin(), d.end() - 64);
    EXPECT_FALSE(v.verify(without_domain, d.data() + d.size() - 64));
}

TEST(Wire, DecodeRoundTrip) {
    auto id = key(2);
    Tuple values{"hello", std::int64_t{-3}, Bytes{{1, 2}}, List{nullptr, true}};
    auto d = encode_datagram(header(), values, id);
    auto out = decode_datagram(d);
    ASSERT_FALSE(out.error) << to_string(*out.error);
    EXPECT_EQ(out.values, values);
    EXPECT_EQ(out.header.sender, id.public_key());
    EXPECT_EQ(out.header.seq, 1u);
    EXPECT_EQ(out.header.topic, "t");
}

TEST(Wire, SignaturesAreDeterministic) {
    auto id = key(3);
    EXPECT_EQ(encode_datagram(header(), {"x"}, id), encode_datagram(header(), {"x"}, id));
}

TEST(Wire, EveryBitFlipIsRejected) {
    auto id = key(4);
    auto d = encode_datagram(header("topic"), {"payload", std::int64_t{42}, 2.5}, id);
    ASSERT_FALSE(decode_datagram(d).error);
    for (std::size_t byte = 0; byte < d.size(); ++byte) {
        for (int bit = 0; bit < 8; ++bit) {
            auto copy = d;
            copy[byte] ^= static_cast<std::uint8_t>(1u << bit);
            auto r = decode_datagram(copy);
            ASSERT_TRUE(r.error) << "flip of byte " << byte << " bit " << bit << " accepted";
        }
    }
}

TEST(Wire, MaximumPayloadAcceptedOneMoreRefused) {
    auto id = key(5);
    // one bytes value: 4 (count) + 1 (tag) + 4 (len) + n
    Tuple max{Bytes{ByteBuffer(max_payload_size - 9)}};
    auto d = encode_datagram(header(std::string(255, 'x')), max, id);
    EXPECT_EQ(d.size(), max_datagram_size);
    EXPECT_FALSE(decode_datagram(d).error);
    Tuple over{Bytes{ByteBuffer(max_payload_size - 8)}};
    EXPECT_THROW(encode_datagram(header(), over, id), EncodeError);
}

TEST(Wire, SenderRefusesBadTopicsAndDepth) {
    auto id = key(6);
    EXPECT_THROW(encode_datagram(header(std::string(256, 'x')), {}, id), EncodeError);
    EXPECT_THROW(encode_datagram(header("\xff"), {}, id), EncodeError);
    EXPECT_THROW(encode_datagram(header(), {std::string("\xc0\x80")}, id), EncodeError);
    Value deep = List{};
    for (int i = 0; i < 9; ++i)
        deep = List{deep};
    EXPECT_THROW(encode_datagram(header(), {deep}, id), EncodeError);
}

TEST(Wire, HeaderChecksInOrder) {
    auto id = key(7);
    auto d = encode_datagram(header(), {}, id);
    EXPECT_EQ(parse_header(ByteView(d).first(132)).error, DropReason::too_short);
    ByteBuffer big(max_datagram_size + 1);
    EXPECT_EQ(parse_header(big).error, DropReason::too_long);
    auto m = d;
    m[0] = 'X';
    EXPECT_EQ(parse_header(m).error, DropReason::bad_magic);
    m = d;
    m[4] = 2;
    EXPECT_EQ(parse_header(m).error, DropReason::bad_version);
    m = d;
    m[5] = 0;
    EXPECT_EQ(parse_header(m).error, DropReason::bad_type);
    m = d;
    m[7] = 2; // critical flag bit 1 (bit 0 is the batch flag)
    EXPECT_EQ(parse_header(m).error, DropReason::bad_flags);
    m = d;
    m[6] = 1; // ignorable flag bit 8: passes the header, fails the signature
    EXPECT_FALSE(parse_header(m).error);
    EXPECT_EQ(decode_datagram(m).error, DropReason::bad_signature);
    m = d;
    m.push_back(0);
    EXPECT_EQ(parse_header(m).error, DropReason::bad_length);
    m = d;
    m[64] = 200; // topic length past the end
    EXPECT_EQ(parse_header(m).error, DropReason::bad_length);
    m = d;
    std::fill(m.begin() + 48, m.begin() + 56, 0); // seq 0
    EXPECT_EQ(parse_header(m).error, DropReason::bad_header);
}

TEST(Wire, ForgedSenderKeyFailsSignature) {
    auto a = key(8), b = key(9);
    auto d = encode_datagram(header(), {"hi"}, a);
    std::copy(b.public_key().begin(), b.public_key().end(), d.begin() + 8);
    EXPECT_EQ(decode_datagram(d).error, DropReason::bad_signature);
}
