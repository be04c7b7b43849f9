// The ingress pipeline end to end without sockets: delivery, own/duplicate/replay/forgery drops,
// that a forged datagram cannot advance the replay window, and that counters add up.
#include "protocol/receiver.hpp"
#include "protocol/sender.hpp"
#include "test_keys.hpp"

#include <gtest/gtest.h>

using namespace mcast;
using namespace std::chrono_literals;

namespace {

using test_keys::key;

constexpr std::int64_t t0 = 1'700'000'000'000'000'000;

} // namespace

TEST(Receiver, DeliversOnceAndCountsCopies) {
    auto me = key(1), peer = key(2);
    Receiver r(me.public_key(), 77);
    Sender s(peer, 5);
    auto d = s.seal(1, "news", {"hello"}, t0);
    MonoTime now{};
    auto first = r.ingest(d, now);
    ASSERT_FALSE(first.dropped);
    EXPECT_EQ(first.message.values, Tuple{"hello"});
    EXPECT_EQ(first.message.header.topic, "news");
    EXPECT_EQ(first.message.sender_id, peer.id());
    EXPECT_EQ(r.ingest(d, now + 1ms).dropped, DropReason::duplicate); // the IPv6 copy
    EXPECT_EQ(r.ingest(d, now + 10s).dropped, DropReason::replay);
    EXPECT_EQ(r.counters().received, 3u);
    EXPECT_EQ(r.counters().delivered, 1u);
    EXPECT_EQ(r.counters()[DropReason::duplicate], 1u);
    EXPECT_EQ(r.counters()[DropReason::replay], 1u);
}

TEST(Receiver, OwnDatagramsDroppedButSameKeyOtherProcessAccepted) {
    auto me = key(3);
    Receiver r(me.public_key(), 10);
    Sender mine(me, 10), twin(me, 11);
    EXPECT_EQ(r.ingest(mine.seal(1, "t", {}, t0), {}).dropped, DropReason::own);
    EXPECT_FALSE(r.ingest(twin.seal(1, "t", {}, t0), {}).dropped);
}

TEST(Receiver, ForgeryDoesNotAdvanceTheWindow) {
    auto me = key(4), peer = key(5);
    Receiver r(me.public_key(), 1);
    Sender s(peer, 9);
    auto good = s.seal(1, "t", {"real"}, t0);
    auto forged = good;
    forged[forged.size() - 1] ^= 1; // bad signature, same (key, incarnation, seq)
    EXPECT_EQ(r.ingest(forged, {}).dropped, DropReason::bad_signature);
    EXPECT_FALSE(r.ingest(good, {}).dropped) << "forgery must not mark seq 1 as seen";
}

TEST(Receiver, MalformedPayloadWithValidHeaderIsCountedByReason) {
    auto me = key(6), peer = key(7);
    Receiver r(me.public_key(), 1);
    Sender s(peer, 9);
    auto d = s.seal(1, "t", {"ab"}, t0);
    d[d.size() - 64 - 2] = 0xff; // inside the string: invalid UTF-8
    EXPECT_EQ(r.ingest(d, {}).dropped, DropReason::bad_utf8);
    ByteBuffer junk(200, 0);
    EXPECT_EQ(r.ingest(junk, {}).dropped, DropReason::bad_magic);
    EXPECT_EQ(r.counters().total_dropped(), 2u);
}

TEST(Receiver, SequenceNumbersStartAtOneAndSkipRefusedMessages) {
    auto peer = key(8);
    Sender s(peer, 3);
    EXPECT_EQ(s.next_seq(), 1u);
    s.seal(1, "t", {}, t0);
    EXPECT_THROW(s.seal(1, std::string(300, 'x'), {}, t0), EncodeError);
    EXPECT_EQ(s.next_seq(), 2u);
}

TEST(Receiver, RandomIncarnationIsNonZeroAndVaries) {
    auto a = random_incarnation(), b = random_incarnation();
    EXPECT_NE(a, 0u);
    EXPECT_NE(a, b);
}
