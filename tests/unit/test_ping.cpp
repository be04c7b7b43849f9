// Ping core without sockets: probe/reply codecs (strict) and the statistics: loss, duplicates,
// reordering, Welford mean and mdev, silent expected responders, unicast counted per responder.
#include "protocol/speed_answer_rule.hpp"
#include "test_keys.hpp"

#include <mcast/ping.hpp>
#include <mcast/pinger.hpp>
#include <mcast/speed.hpp>
#include <mcast/tuple_codec.hpp>
#include <mcast/wire.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

using namespace mcast;

TEST(PingCodec, RoundTripsAndRejects) {
    Probe p;
    p.run.fill(3);
    p.seq = 7;
    p.family = 6;
    p.unicast = true;
    p.targets = {IdPrefix{1, 1, 1, 1, 1, 1, 1, 1}};
    p.pad = 100;
    auto back = decode_probe(encode_probe(p));
    ASSERT_TRUE(back);
    EXPECT_EQ(back->run, p.run);
    EXPECT_EQ(back->seq, 7);
    EXPECT_EQ(back->family, 6);
    EXPECT_TRUE(back->unicast);
    EXPECT_EQ(back->targets, p.targets);
    EXPECT_EQ(back->pad, 100u);

    Reply r{p.run, 7, 4, false, 12345, "node"};
    auto rb = decode_reply(encode_reply(r));
    ASSERT_TRUE(rb);
    EXPECT_EQ(rb->hold_ns, 12345);
    EXPECT_EQ(rb->name, "node");

    auto bad = encode_reply(r);
    bad[4] = Value{std::int64_t{-1}}; // negative hold
    EXPECT_FALSE(decode_reply(bad));
    bad = encode_reply(r);
    bad[2] = Value{std::int64_t{5}}; // no such family
    EXPECT_FALSE(decode_reply(bad));
    auto badp = encode_probe(p);
    badp.pop_back();
    EXPECT_FALSE(decode_probe(badp));
}

// ping --size's bound (max_probe_size): a probe padded to it is exactly that large and fits one
// UDP datagram on both families; one byte more cannot be built. So is a speed datagram.
TEST(PingCodec, TheLargestProbeFitsInADatagramAndOneByteMoreIsRefused) {
    const auto id = test_keys::key(9);
    Header h;
    h.type = static_cast<std::uint8_t>(MessageType::ping_probe);
    h.incarnation = 1;
    h.seq = 1;
    Probe p{{}, 1, 6, false, {}, 0};
    p.pad = max_probe_size - min_probe_size();
    const auto largest = encode_datagram(h, encode_probe(p), id);
    EXPECT_EQ(largest.size(), max_probe_size);
    EXPECT_LE(largest.size(), 65507u); // IPv4's largest UDP payload; IPv6's is 65527
    EXPECT_FALSE(parse_header(largest).error);
    ++p.pad;
    EXPECT_THROW(encode_datagram(h, encode_probe(p), id), EncodeError);

    h.type = static_cast<std::uint8_t>(MessageType::speed_data);
    SpeedData d{{}, 1, 0};
    const auto base = min_datagram_size + encoded_size(encode_speed_data(d));
    d.pad = max_probe_size - base;
    EXPECT_EQ(encode_datagram(h, encode_speed_data(d), id).size(), max_probe_size);
    ++d.pad;
    EXPECT_THROW(encode_datagram(h, encode_speed_data(d), id), EncodeError);
}

TEST(PingStats, LossDuplicatesReorderingAndRtt) {
    PingStats s;
    PingPath m4{4, false};
    for (int seq = 1; seq <= 4; ++seq)
        s.sent(m4, seq);
    EXPECT_FALSE(s.reply("a", m4, 1, 1.0).duplicate);
    EXPECT_TRUE(s.reply("a", m4, 3, 3.0).reordered == false);
    EXPECT_TRUE(s.reply("a", m4, 2, 2.0).reordered);
    EXPECT_TRUE(s.reply("a", m4, 2, 2.0).duplicate);
    auto sum = s.summary();
    const auto& st = sum.at("a").at(m4);
    EXPECT_EQ(st.sent, 4u);
    EXPECT_EQ(st.received, 3u);
    EXPECT_EQ(st.duplicates, 1u);
    EXPECT_EQ(st.reordered, 1u);
    EXPECT_DOUBLE_EQ(st.loss_percent(), 25.0);
    EXPECT_DOUBLE_EQ(st.min_ms, 1.0);
    EXPECT_DOUBLE_EQ(st.max_ms, 3.0);
    EXPECT_DOUBLE_EQ(st.mean_ms, 2.0);
    EXPECT_NEAR(st.mdev_ms(), std::sqrt(2.0 / 3.0), 1e-12);
}

TEST(PingStats, SilentExpectedResponderHasFullLoss) {
    PingStats s;
    PingPath m6{6, false};
    s.sent(m6, 1);
    s.sent(m6, 2);
    s.expect("silent");
    auto sum = s.summary();
    ASSERT_TRUE(sum.count("silent"));
    EXPECT_EQ(sum.at("silent").at(m6).received, 0u);
    EXPECT_DOUBLE_EQ(sum.at("silent").at(m6).loss_percent(), 100.0);
}

TEST(PingStats, UnicastIsCountedPerResponder) {
    PingStats s;
    PingPath m4{4, false}, u4{4, true};
    s.sent(m4, 1);
    s.sent(m4, 2);
    s.sent(u4, 2, "a"); // unicast starts once a replied by multicast
    s.reply("a", m4, 1, 1.0);
    s.reply("a", m4, 2, 1.0);
    s.reply("a", u4, 2, 0.5);
    s.reply("b", m4, 2, 1.0);
    auto sum = s.summary();
    EXPECT_EQ(sum.at("a").at(u4).sent, 1u);
    EXPECT_EQ(sum.at("a").at(u4).received, 1u);
    EXPECT_FALSE(sum.at("b").count(u4)); // never probed by unicast
    EXPECT_DOUBLE_EQ(sum.at("b").at(m4).loss_percent(), 50.0);
}

// Ctrl-C: probes sent less than their timeout before the stop are in flight, not lost, for
// each responder that has not answered them yet; older unanswered ones are lost.
TEST(PingStats, ProbesInFlightAtAStopAreNeitherSentNorLost) {
    using namespace std::chrono_literals;
    PingStats s(1s); // --timeout 1s
    const MonoTime t0 = MonoTime{} + 100s;
    PingPath m4{4, false}, u4{4, true};
    // Probes every 500 ms: seq 1 at t0 ... seq 5 at t0 + 2 s; unicast to "a" from seq 3 on.
    for (int seq = 1; seq <= 5; ++seq) {
        s.sent(m4, seq, {}, t0 + (seq - 1) * 500ms);
        if (seq >= 3) s.sent(u4, seq, "a", t0 + (seq - 1) * 500ms);
    }
    for (int seq = 1; seq <= 5; ++seq)
        s.reply("a", m4, seq, 1.0); // a answered all, the last one too
    s.reply("a", u4, 3, 1.0);
    s.reply("b", m4, 1, 1.0); // b answered only seq 1 (seq 2 and 3 are lost)
    s.expect("c");            // c never answered
    // Stopped at t0 + 2.2 s: seq 4 (sent 0.7 s before) and 5 (0.2 s) are in flight; seq 3
    // (1.2 s before) timed out.
    EXPECT_EQ(s.stop(t0 + 2200ms), 2u);
    auto sum = s.summary();
    EXPECT_EQ(sum.at("a").at(m4).sent, 5u); // answered: counted, in flight or not
    EXPECT_EQ(sum.at("a").at(m4).received, 5u);
    EXPECT_EQ(sum.at("a").at(u4).sent, 1u); // unicast seq 4 and 5 in flight, 3 answered
    EXPECT_DOUBLE_EQ(sum.at("a").at(u4).loss_percent(), 0.0);
    EXPECT_EQ(sum.at("b").at(m4).sent, 3u);
    EXPECT_EQ(sum.at("b").at(m4).received, 1u);
    EXPECT_EQ(sum.at("c").at(m4).sent, 3u);
    EXPECT_DOUBLE_EQ(sum.at("c").at(m4).loss_percent(), 100.0);

    // A probe exactly its timeout old has timed out: it counts (lost when unanswered).
    PingStats edge(1s);
    edge.sent(m4, 1, {}, t0);
    edge.sent(m4, 2, {}, t0 + 1s);
    edge.expect("c");
    EXPECT_EQ(edge.stop(t0 + 1s), 1u);
    EXPECT_EQ(edge.summary().at("c").at(m4).sent, 1u);

    // Without a stop (the run ended after its last probe's timeout) everything counts.
    PingStats full(1s);
    for (int seq = 1; seq <= 3; ++seq)
        full.sent(m4, seq, {}, t0 + seq * 1ms);
    full.expect("c");
    EXPECT_EQ(full.summary().at("c").at(m4).sent, 3u);
}

#include <mcast/speed.hpp>

TEST(Speed, CodecsRoundTripAndRejectNegatives) {
    SpeedReport r;
    r.test.fill(9);
    r.received = 10;
    r.highest = 12;
    r.jitter_ns = 5;
    r.name = "n";
    auto back = decode_speed_report(encode_speed_report(r));
    ASSERT_TRUE(back);
    EXPECT_EQ(back->received, 10);
    EXPECT_EQ(back->highest, 12);
    EXPECT_EQ(back->name, "n");
    auto t = encode_speed_report(r);
    t[1] = Value{std::int64_t{-1}};
    EXPECT_FALSE(decode_speed_report(t));
    SpeedData d{r.test, 3, 40};
    auto db = decode_speed_data(encode_speed_data(d));
    ASSERT_TRUE(db);
    EXPECT_EQ(db->seq, 3);
    EXPECT_EQ(db->pad, 40u);
    EXPECT_FALSE(decode_speed_data(encode_speed_data(SpeedData{r.test, 0, 40}))); // seq from 1
    EXPECT_FALSE(decode_speed_end(Tuple{}));
}

// Section 10's optional fields: the receiver's drops only when present (both), the end marker's
// options bit,
// both old shapes still decode, and no other arity.
TEST(Speed, OptionalFieldsAreBackwardCompatible) {
    SpeedReport r;
    r.test.fill(9);
    r.received = 10;
    r.name = "n";
    auto t = encode_speed_report(r);
    EXPECT_EQ(t.size(), 9u); // without the figure: what older senders take
    auto back = decode_speed_report(t);
    ASSERT_TRUE(back);
    EXPECT_FALSE(back->kernel_drops);
    EXPECT_FALSE(back->backlog_drops);
    r.kernel_drops = 7;
    t = encode_speed_report(r);
    ASSERT_EQ(t.size(), 11u); // one figure set: both go out, the other as 0
    back = decode_speed_report(t);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->kernel_drops, 7);
    EXPECT_EQ(back->backlog_drops, 0);
    r.backlog_drops = 3;
    back = decode_speed_report(encode_speed_report(r));
    ASSERT_TRUE(back);
    EXPECT_EQ(back->kernel_drops, 7);
    EXPECT_EQ(back->backlog_drops, 3);
    t = encode_speed_report(r);
    for (std::size_t i : {9u, 10u}) {
        auto negative = t;
        negative[i] = Value{std::int64_t{-1}};
        EXPECT_FALSE(decode_speed_report(negative)) << i;
        auto text = t;
        text[i] = Value{std::string("7")};
        EXPECT_FALSE(decode_speed_report(text)) << i;
    }
    auto shorter = t;
    shorter.pop_back();
    EXPECT_FALSE(decode_speed_report(shorter)); // 10 fields: the wrong shape (section 9.0)
    auto longer = t;
    longer.emplace_back(std::int64_t{0});
    EXPECT_FALSE(decode_speed_report(longer)); // 12 fields: the wrong shape

    auto plain = encode_speed_end(SpeedEnd{r.test, 100, false});
    EXPECT_EQ(plain.size(), 2u); // what older responders answer
    auto e = decode_speed_end(plain);
    ASSERT_TRUE(e);
    EXPECT_FALSE(e->wants_drops);
    auto asking = encode_speed_end(SpeedEnd{r.test, 100, true});
    ASSERT_EQ(asking.size(), 3u);
    e = decode_speed_end(asking);
    ASSERT_TRUE(e);
    EXPECT_TRUE(e->wants_drops);
    EXPECT_EQ(e->sent, 100);
    asking[2] = Value{std::int64_t{2}}; // unknown bits are ignored
    e = decode_speed_end(asking);
    ASSERT_TRUE(e);
    EXPECT_FALSE(e->wants_drops);
    asking[2] = Value{std::int64_t{-1}};
    EXPECT_FALSE(decode_speed_end(asking));
    asking[2] = Value{std::int64_t{1}};
    asking.emplace_back(std::int64_t{0});
    EXPECT_FALSE(decode_speed_end(asking));
}

// The responder's answers to end markers: once per state of its counters, and again without
// news a second after its last report (one lost on the way), never more than once a second.
TEST(Speed, AnswerRuleRepeatsALostReportOnceASecondAtMost) {
    using namespace std::chrono_literals;
    SpeedAnswerRule rule;
    const MonoTime t0 = MonoTime{} + 50s;
    const SpeedDrops none{}, some{3, 0};
    // The first marker of each pair asks for the drops, the second does not (every 200 ms).
    ASSERT_TRUE(rule.should_answer(100, none, t0));
    rule.answered(100, none, t0); // this report is lost on the way
    EXPECT_FALSE(rule.should_answer(100, std::nullopt, t0 + 1ms));
    EXPECT_FALSE(rule.should_answer(100, none, t0 + 200ms));
    EXPECT_FALSE(rule.should_answer(100, std::nullopt, t0 + 201ms));
    EXPECT_FALSE(rule.should_answer(100, none, t0 + 999ms));
    // A second after the last report: the same report again.
    ASSERT_TRUE(rule.should_answer(100, none, t0 + 1000ms));
    rule.answered(100, none, t0 + 1000ms);
    // Its plain twin right after, and every marker within the next second: nothing.
    EXPECT_FALSE(rule.should_answer(100, std::nullopt, t0 + 1001ms));
    for (auto at = 1200ms; at < 2000ms; at += 200ms)
        EXPECT_FALSE(rule.should_answer(100, none, t0 + at)) << at.count();
    EXPECT_TRUE(rule.should_answer(100, none, t0 + 2000ms));
    // News is answered at once: more received, or (asked for) grown drops.
    EXPECT_TRUE(rule.should_answer(101, std::nullopt, t0 + 1100ms));
    EXPECT_TRUE(rule.should_answer(100, some, t0 + 1100ms));
    EXPECT_FALSE(rule.should_answer(100, std::nullopt, t0 + 1100ms)); // plain: drops not asked
}

TEST(Speed, CounterCountsReorderingAndJitter) {
    Nonce n{};
    SpeedCounter c(n);
    // constant transit: no jitter
    c.add(1, 1000, 2000, 100);
    c.add(2, 2000, 3000, 100);
    EXPECT_EQ(c.report().jitter_ns, 0);
    // transit grows by 1600 ns: J = 1600/16 = 100
    c.add(3, 3000, 5600, 100);
    EXPECT_EQ(c.report().jitter_ns, 100);
    c.add(5, 5000, 7000, 100);
    c.add(4, 4000, 7100, 100); // late
    EXPECT_EQ(c.report().reordered, 1);
    EXPECT_EQ(c.report().received, 5);
    EXPECT_EQ(c.report().highest, 5);
    EXPECT_EQ(c.report().bytes, 500);
}

// A peer chooses the sent time of speed data and the hold time of a reply, and the wall clock
// can be stepped: extreme values give extreme figures, never signed overflow (this test is
// what UBSan checks in scripts/test --sanitize).
TEST(Speed, PeerChosenTimestampsAtTheLimitsDoNotOverflow) {
    constexpr auto lo = std::numeric_limits<std::int64_t>::min();
    constexpr auto hi = std::numeric_limits<std::int64_t>::max();
    Nonce n{};
    SpeedCounter c(n);
    c.add(1, lo, 1'700'000'000'000'000'000, 100);
    c.add(2, hi, 1'700'000'000'000'000'001, 100);
    c.add(3, lo, -5, 100);
    c.add(4, 0, lo, 100);
    EXPECT_EQ(c.report().received, 4);
    EXPECT_GE(c.report().jitter_ns, 0);
}

TEST(Ping, RoundTripWithoutOverflow) {
    constexpr auto lo = std::numeric_limits<std::int64_t>::min();
    constexpr auto hi = std::numeric_limits<std::int64_t>::max();
    EXPECT_DOUBLE_EQ(round_trip_ms(1'000'000, 3'000'000, 500'000), 1.5);
    EXPECT_EQ(round_trip_ms(3'000'000, 1'000'000, 0), 0.0); // clock stepped back
    EXPECT_EQ(round_trip_ms(hi, lo, 0), 0.0);
    EXPECT_GT(round_trip_ms(lo, hi, 0), 1e9);
    EXPECT_EQ(round_trip_ms(0, 1'000'000, hi), 0.0);
    EXPECT_GT(round_trip_ms(0, 1'000'000, lo), 1e9);
    EXPECT_EQ(round_trip_ms(lo, lo, lo), round_trip_ms(lo, lo, lo)); // defined, whatever it is
}
