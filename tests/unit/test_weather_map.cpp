// The LAN aggregate (weather_map.hpp): the receiver rules of docs/protocol.md section 12.2 (stale
// never overrides, absurd dropped, bounded), forgetting, and the snapshot's figures: totals,
// declared rates, the gateway, the capacity and where it came from, and the verdict.
#include "protocol/weather_map.hpp"

#include <gtest/gtest.h>

using namespace mcast;
using namespace std::chrono_literals;

namespace {

NodeId id(std::uint8_t b, std::uint8_t c = 0) {
    NodeId n;
    n.digest.fill(b);
    n.digest[1] = c;
    return n;
}

WeatherReport report(std::string name, std::uint64_t up, std::uint64_t down,
                     std::vector<Activity> acts = {}) {
    WeatherReport r;
    r.name = std::move(name);
    r.links = {{"eth0", true, true, up, down}};
    r.activities = std::move(acts);
    return r;
}

constexpr std::int64_t sec = 1'000'000'000;

struct Map : ::testing::Test {
    WeatherMap map;
    MonoTime t0 = MonoTime{} + 1000s;
    UplinkConfig uplink;
    Weather snap(MonoTime now, Heed heed = Heed::any) { return map.snapshot(now, uplink, heed); }
};

} // namespace

TEST_F(Map, NewerReplacesOlderNeverDoes) {
    const Activity stream{ActivityClass::live_stream, 6, 8'000'000, "tv"};
    auto with_stream = report("media-pc", 0, 8'000'000, {stream});
    EXPECT_TRUE(map.take(id(1), 10 * sec, with_stream, t0, true, false).accepted);
    EXPECT_TRUE(map.take(id(1), 15 * sec, report("media-pc", 0, 0), t0 + 5s, true, false).accepted);
    // The captured "live-stream" report replayed after the stream ended changes nothing, nor
    // does one with the same timestamp.
    auto r = map.take(id(1), 10 * sec, with_stream, t0 + 6s, true, false);
    EXPECT_TRUE(r.stale);
    EXPECT_FALSE(r.accepted || r.absurd || r.full);
    EXPECT_TRUE(map.take(id(1), 15 * sec, with_stream, t0 + 6s, true, false).stale);
    auto w = snap(t0 + 6s);
    ASSERT_EQ(w.nodes.size(), 1u);
    EXPECT_TRUE(w.nodes[0].activities.empty());
    EXPECT_EQ(w.verdict, Verdict::clear);
    EXPECT_EQ(w.nodes[0].age_ms, 1000);
    EXPECT_EQ(map.counters().accepted, 2u);
    EXPECT_EQ(map.counters().stale, 2u);
}

TEST_F(Map, AbsurdRatesAreDroppedAndCounted) {
    map.take(id(1), 1 * sec, report("nas", 1000, 1000), t0, true, false);
    auto bad = report("nas", 100'000'000'001, 0);
    auto r = map.take(id(1), 2 * sec, bad, t0 + 1s, true, false);
    EXPECT_TRUE(r.absurd);
    EXPECT_FALSE(r.accepted);
    auto decl = report("nas", 0, 0, {{ActivityClass::live_stream, 6, 100'000'000'001, ""}});
    EXPECT_TRUE(map.take(id(1), 3 * sec, decl, t0 + 1s, true, false).absurd);
    auto gw = report("nas", 0, 0);
    gw.gateway = GatewayFigures{};
    gw.gateway->max_up_bps = 200'000'000'000;
    EXPECT_TRUE(map.take(id(1), 4 * sec, gw, t0 + 1s, true, false).absurd);
    EXPECT_EQ(map.counters().absurd, 3u);
    EXPECT_EQ(snap(t0 + 1s).lan_up_bps, 1000u); // the earlier report stands
    // 100 Gbit/s itself is believed.
    EXPECT_TRUE(
        map.take(id(1), 5 * sec, report("nas", 100'000'000'000, 0), t0 + 2s, true, false).accepted);
}

TEST_F(Map, BoundedAt256Nodes) {
    for (int i = 0; i < 256; ++i)
        ASSERT_TRUE(
            map.take(id(static_cast<std::uint8_t>(i), 1), sec, report("n", 0, 0), t0, false, false)
                .accepted);
    auto r = map.take(id(7, 2), sec, report("late", 0, 0), t0, true, false);
    EXPECT_TRUE(r.full);
    EXPECT_EQ(map.size(), 256u);
    EXPECT_EQ(map.counters().full, 1u);
    // Nodes already known still update.
    EXPECT_TRUE(map.take(id(7, 1), 2 * sec, report("n", 5, 5), t0, false, false).accepted);
    // Once nodes are forgotten there is room again.
    map.expire(t0 + 15s);
    EXPECT_TRUE(map.take(id(7, 2), 3 * sec, report("late", 0, 0), t0 + 15s, true, false).accepted);
}

TEST_F(Map, ForgetsThreeIntervalsAfterTheLastReportAtMost60s) {
    map.take(id(1), sec, report("a", 0, 0), t0, true, false); // 5 s interval: 15 s
    auto slow = report("b", 0, 0);
    slow.interval_ms = 600'000; // 30 min: capped at 60 s
    map.take(id(2), sec, slow, t0, true, false);
    EXPECT_EQ(map.next_expiry(), t0 + 15s);
    EXPECT_FALSE(map.expire(t0 + 15s - 1ms));
    EXPECT_TRUE(map.expire(t0 + 15s));
    EXPECT_EQ(map.size(), 1u);
    EXPECT_EQ(map.next_expiry(), t0 + 60s);
    EXPECT_TRUE(map.expire(t0 + 60s));
    EXPECT_FALSE(map.next_expiry());
    EXPECT_EQ(map.counters().expired, 2u);
    // A node reporting on time is never forgotten.
    map.take(id(3), 1 * sec, report("c", 0, 0), t0, true, false);
    map.take(id(3), 6 * sec, report("c", 0, 0), t0 + 5s, true, false);
    EXPECT_FALSE(map.expire(t0 + 15s));
    EXPECT_TRUE(map.forget(id(3)));
    EXPECT_FALSE(map.forget(id(3)));
}

TEST_F(Map, SnapshotTotalsDeclaredRatesAndOrder) {
    map.take(id(3), sec,
             report("nas", 11'000'000, 1'000'000, {{ActivityClass::backup, 1, 11'000'000, ""}}), t0,
             true, false);
    map.take(
        id(2), sec,
        report("media-pc", 500'000, 8'000'000, {{ActivityClass::live_stream, 6, 8'000'000, "tv"}}),
        t0, true, false);
    map.take(id(1), sec, report("", 0, 0, {{ActivityClass::backup, 1, 1'000'000, ""}}), t0, true,
             false);
    auto w = snap(t0 + 2s);
    ASSERT_EQ(w.nodes.size(), 3u);
    EXPECT_EQ(w.nodes[0].name, ""); // anonymous first, then by name
    EXPECT_EQ(w.nodes[1].name, "media-pc");
    EXPECT_EQ(w.nodes[2].name, "nas");
    EXPECT_EQ(w.lan_up_bps, 11'500'000u);
    EXPECT_EQ(w.lan_down_bps, 9'000'000u);
    using P = std::pair<ActivityClass, std::uint64_t>;
    EXPECT_EQ(w.declared_bps, (std::vector<P>{{ActivityClass::live_stream, 8'000'000},
                                              {ActivityClass::backup, 12'000'000}}));
    EXPECT_EQ(w.capacity_source, CapacitySource::unknown);
    EXPECT_FALSE(w.utilisation_up);
    EXPECT_FALSE(w.gateway);
    EXPECT_FALSE(w.queueing_delay_us);
    EXPECT_FALSE(w.unknown_up_bps);
    EXPECT_EQ(w.nodes[1].age_ms, 2000);
    // Several links of one node add up.
    auto two = report("two", 1, 2);
    two.links.push_back({"wlan0", true, false, 10, 20});
    map.take(id(4), sec, two, t0, true, false);
    EXPECT_EQ(snap(t0).nodes[3].up_bps, 11u);
}

TEST_F(Map, HistoryHoldsOneSamplePerReportOverAMinute) {
    for (int i = 0; i < 20; ++i)
        map.take(id(1), (i + 1) * sec, report("a", static_cast<std::uint64_t>(i), 0),
                 t0 + std::chrono::seconds(5 * i), true, false);
    auto w = snap(t0 + 95s);
    ASSERT_EQ(w.nodes.size(), 1u);
    const auto& h = w.nodes[0].up_history;
    ASSERT_EQ(h.size(), 13u); // reports at 35..95 s
    EXPECT_EQ(h.front(), 7u);
    EXPECT_EQ(h.back(), 19u);
    EXPECT_EQ(w.nodes[0].down_history.size(), 13u);
}

TEST_F(Map, HeedTrustedKeepsTrustedAndLocalNodesOnly) {
    map.take(id(1), sec, report("friend", 1, 0), t0, true, false);
    map.take(id(2), sec, report("stranger", 10, 0, {{ActivityClass::live_stream, 6, 0, ""}}), t0,
             false, false);
    map.take(id(3), sec, report("me", 100, 0), t0, false, true);
    auto any = snap(t0, Heed::any);
    auto trusted = snap(t0, Heed::trusted);
    EXPECT_EQ(any.nodes.size(), 3u);
    EXPECT_EQ(any.lan_up_bps, 111u);
    EXPECT_EQ(any.verdict, Verdict::busy);
    ASSERT_EQ(trusted.nodes.size(), 2u);
    EXPECT_EQ(trusted.lan_up_bps, 101u);
    EXPECT_EQ(trusted.verdict, Verdict::clear);
    EXPECT_EQ(trusted.nodes[1].name, "me");
    EXPECT_TRUE(trusted.nodes[1].local);
}

TEST_F(Map, GatewayFiguresCapacityAndUnknownTraffic) {
    auto gw = report("router-pi", 1'000'000, 2'000'000);
    gw.gateway = GatewayFigures{};
    gw.gateway->wan_up_bps = 9'000'000;
    gw.gateway->wan_down_bps = 2'500'000;
    gw.gateway->max_up_bps = 10'000'000;
    gw.gateway->max_down_bps = 50'000'000;
    gw.gateway->rtt_now_us = 41'000;
    gw.gateway->rtt_floor_us = 1'000;
    map.take(id(1), sec, gw, t0, true, false);
    map.take(id(2), sec, report("nas", 5'000'000, 0), t0, true, false);
    uplink.up_bps = 40'000'000; // the IGD's figure wins
    auto w = snap(t0);
    ASSERT_TRUE(w.gateway);
    EXPECT_EQ(w.gateway_from, id(1));
    EXPECT_EQ(w.capacity_source, CapacitySource::igd);
    EXPECT_EQ(w.capacity_up_bps, 10'000'000u);
    EXPECT_EQ(w.capacity_down_bps, 50'000'000u);
    EXPECT_DOUBLE_EQ(*w.utilisation_up, 0.9); // the WAN counters, not the LAN sum
    EXPECT_DOUBLE_EQ(*w.utilisation_down, 0.05);
    EXPECT_EQ(w.queueing_delay_us, 40'000u);
    EXPECT_EQ(w.unknown_up_bps, 3'000'000u); // 9 - (1 + 5)
    EXPECT_EQ(w.unknown_down_bps, 500'000u);
    EXPECT_EQ(w.verdict, Verdict::congested);
    EXPECT_EQ(w.reason, "uplink 90 % full, queueing delay 40 ms: nas 5 Mbit/s up, "
                        "unknown traffic 3 Mbit/s up, router-pi 2 Mbit/s down");

    // A fresher report with gateway figures wins; a now below the floor is no negative delay.
    auto other = report("laptop", 0, 0);
    other.gateway = GatewayFigures{};
    other.gateway->rtt_now_us = 900;
    other.gateway->rtt_floor_us = 1'000;
    map.take(id(3), sec, other, t0 + 1s, true, false);
    w = snap(t0 + 1s);
    EXPECT_EQ(w.gateway_from, id(3));
    EXPECT_EQ(w.queueing_delay_us, 0u);
    EXPECT_EQ(w.capacity_source, CapacitySource::setting);
    EXPECT_EQ(w.capacity_up_bps, 40'000'000u);
    EXPECT_FALSE(w.capacity_down_bps);
    EXPECT_FALSE(w.unknown_up_bps);
    // LAN sum now: 1 + 5 + 0 of 40.
    EXPECT_DOUBLE_EQ(*w.utilisation_up, 0.15);
}

TEST_F(Map, ObservedCapacityIsTheHighestTotalHeldFor5s) {
    // A one-second spike to 30 Mbit/s is no capacity.
    map.take(id(1), 1 * sec, report("a", 2'000'000, 0), t0, true, false);
    map.take(id(1), 2 * sec, report("a", 30'000'000, 0), t0 + 5s, true, false);
    map.take(id(1), 3 * sec, report("a", 8'000'000, 0), t0 + 6s, true, false);
    map.take(id(2), 3 * sec, report("b", 1'000'000, 0), t0 + 10s, true, false);
    map.take(id(1), 4 * sec, report("a", 8'000'000, 0), t0 + 11s, true, false);
    auto w = snap(t0 + 11s);
    EXPECT_EQ(w.capacity_source, CapacitySource::observed);
    // Held for 5 s: 2 (t0..t0+5), then 8 from t0+6 to t0+11 (9 from t0+10).
    EXPECT_EQ(w.capacity_up_bps, 8'000'000u);
    EXPECT_DOUBLE_EQ(*w.utilisation_up, 9.0 / 8.0);
    EXPECT_EQ(w.verdict, Verdict::congested);
    // A setting wins over what was observed.
    uplink.up_bps = 20'000'000;
    w = snap(t0 + 11s);
    EXPECT_EQ(w.capacity_source, CapacitySource::setting);
    EXPECT_EQ(w.verdict, Verdict::clear); // 45 %
    EXPECT_EQ(w.reason, "uplink 45 % used");
}

TEST_F(Map, ObservedBelow1MbitIsNoCapacity) {
    map.take(id(1), 1 * sec, report("a", 900'000, 0), t0, true, false);
    map.take(id(1), 2 * sec, report("a", 900'000, 0), t0 + 5s, true, false);
    map.take(id(1), 3 * sec, report("a", 900'000, 0), t0 + 10s, true, false);
    auto w = snap(t0 + 10s);
    EXPECT_EQ(w.capacity_source, CapacitySource::unknown);
    EXPECT_FALSE(w.capacity_up_bps);
    EXPECT_EQ(w.verdict, Verdict::clear);
    EXPECT_EQ(w.reason, "");
}

TEST_F(Map, VerdictAndReasonLikeTheIssueExample) {
    uplink.up_bps = 12'500'000;
    uplink.down_bps = 50'000'000;
    map.take(
        id(1), sec,
        report("media-pc", 500'000, 8'000'000, {{ActivityClass::live_stream, 6, 8'000'000, "tv"}}),
        t0, true, false);
    map.take(id(2), sec, report("nas", 11'000'000, 0, {{ActivityClass::backup, 1, 11'000'000, ""}}),
             t0, true, false);
    auto w = snap(t0);
    EXPECT_EQ(w.verdict, Verdict::congested);
    EXPECT_EQ(w.reason, "uplink 92 % full: media-pc live-stream 8 Mbit/s, nas backup 11 Mbit/s");
}

TEST_F(Map, VerdictThresholds) {
    uplink.up_bps = 10'000'000;
    map.take(id(1), 1 * sec, report("a", 4'999'999, 0), t0, true, false);
    auto w = snap(t0);
    EXPECT_EQ(w.verdict, Verdict::clear);
    EXPECT_EQ(w.reason, "uplink 50 % used");
    map.take(id(1), 2 * sec, report("a", 5'000'000, 0), t0, true, false);
    w = snap(t0);
    EXPECT_EQ(w.verdict, Verdict::busy);
    EXPECT_EQ(w.reason, "uplink 50 % used: a 5 Mbit/s up");
    map.take(id(1), 3 * sec, report("a", 8'999'999, 0), t0, true, false);
    EXPECT_EQ(snap(t0).verdict, Verdict::busy);
    map.take(id(1), 4 * sec, report("a", 9'000'000, 0), t0, true, false);
    EXPECT_EQ(snap(t0).verdict, Verdict::congested);
    // A declared interactive or live-stream activity makes it busy on a quiet link.
    map.take(id(1), 5 * sec, report("a", 0, 0, {{ActivityClass::interactive, 7, 0, ""}}), t0, true,
             false);
    w = snap(t0);
    EXPECT_EQ(w.verdict, Verdict::busy);
    EXPECT_EQ(w.reason, "a interactive");
    // On-demand streams and bulk work do not.
    map.take(id(1), 6 * sec, report("a", 0, 0, {{ActivityClass::on_demand_stream, 5, 0, ""}}), t0,
             true, false);
    EXPECT_EQ(snap(t0).verdict, Verdict::clear);
}

TEST_F(Map, QueueingDelayAtTheTargetIsCongestion) {
    auto gw = report("a", 0, 0);
    gw.gateway = GatewayFigures{};
    gw.gateway->rtt_floor_us = 2'000;
    gw.gateway->rtt_now_us = 26'999;
    map.take(id(1), 1 * sec, gw, t0, true, false);
    EXPECT_EQ(snap(t0).verdict, Verdict::clear);
    gw.gateway->rtt_now_us = 27'000;
    map.take(id(1), 2 * sec, gw, t0, true, false);
    auto w = snap(t0);
    EXPECT_EQ(w.verdict, Verdict::congested);
    EXPECT_EQ(w.reason, "queueing delay 25 ms");
    AdviceConfig strict;
    strict.delay_target_us = 30'000;
    EXPECT_EQ(map.snapshot(t0, uplink, Heed::any, strict).verdict, Verdict::clear);
}

// Nothing measured is no clear sky: with no report, no node with a default-route link and no
// gateway figures the verdict is unknown, whatever the capacity setting says.
TEST_F(Map, NothingMeasuredIsUnknownNotClear) {
    auto w = snap(t0);
    EXPECT_EQ(w.verdict, Verdict::unknown);
    EXPECT_EQ(w.reason, "no rates measured yet (no weather reports)");
    EXPECT_EQ(to_string(w.verdict), "unknown");

    // Nodes report, but none has a default route (no links); a capacity is set.
    uplink.up_bps = 10'000'000;
    WeatherReport no_route;
    no_route.name = "a";
    map.take(id(1), 1 * sec, no_route, t0, true, false);
    w = snap(t0);
    EXPECT_EQ(w.verdict, Verdict::unknown);
    EXPECT_EQ(w.reason, "no rates measured yet (no node reports a default route, no gateway "
                        "figures)");
    EXPECT_FALSE(w.utilisation_up); // not "0 % used": nothing measured the traffic
    // Gateway figures without a WAN rate or round trips measure nothing either.
    no_route.gateway = GatewayFigures{};
    no_route.gateway->max_up_bps = 20'000'000;
    no_route.gateway->igd_note = "no IGD answered within 2 s";
    map.take(id(1), 2 * sec, no_route, t0, true, false);
    EXPECT_EQ(snap(t0).verdict, Verdict::unknown);

    // A declared live stream still makes it busy.
    auto streaming = no_route;
    streaming.activities = {{ActivityClass::live_stream, 6, 0, ""}};
    map.take(id(1), 3 * sec, streaming, t0, true, false);
    EXPECT_EQ(snap(t0).verdict, Verdict::busy);

    // Any one measurement makes the verdict known: the gateway's round trips,
    auto rtt = no_route;
    rtt.gateway->rtt_now_us = 3'000;
    rtt.gateway->rtt_floor_us = 2'000;
    map.take(id(1), 4 * sec, rtt, t0, true, false);
    EXPECT_EQ(snap(t0).verdict, Verdict::clear);
    // its WAN counters,
    auto wan = no_route;
    wan.gateway->wan_up_bps = 1'000'000;
    map.take(id(1), 5 * sec, wan, t0, true, false);
    w = snap(t0);
    EXPECT_EQ(w.verdict, Verdict::clear);
    ASSERT_TRUE(w.utilisation_up);
    EXPECT_DOUBLE_EQ(*w.utilisation_up, 0.05); // of the IGD's 20 Mbit/s
    // or a node's link, even an idle one.
    map.take(id(1), 6 * sec, report("a", 0, 0), t0, true, false);
    w = snap(t0);
    EXPECT_EQ(w.verdict, Verdict::clear);
    EXPECT_EQ(w.reason, "uplink 0 % used");
}

// Unknown makes nobody yield, and the advice says it is unknown; a declaration still counts.
TEST_F(Map, UnknownWeatherMakesNobodyYield) {
    const AdviceConfig cfg;
    auto a = advise(snap(t0), priority_normal, Heed::any, cfg);
    EXPECT_FALSE(a.yield);
    EXPECT_TRUE(a.unknown);
    EXPECT_FALSE(a.rate_bps);
    WeatherReport r;
    r.name = "media-pc";
    r.activities = {{ActivityClass::on_demand_stream, 5, 0, ""}};
    map.take(id(2), 1 * sec, r, t0, false, false);
    auto w = snap(t0);
    ASSERT_EQ(w.verdict, Verdict::unknown);
    a = advise(w, priority_normal, Heed::any, cfg);
    EXPECT_TRUE(a.yield);
    EXPECT_TRUE(a.unknown);
    // Measured, the same is no longer unknown.
    map.take(id(3), 1 * sec, report("b", 0, 0), t0, false, false);
    EXPECT_FALSE(advise(snap(t0), priority_normal, Heed::any, cfg).unknown);
}

TEST_F(Map, MalformedIsCounted) {
    map.malformed();
    EXPECT_EQ(map.counters().malformed, 1u);
    EXPECT_EQ(map.size(), 0u);
}

// From reports to advice, as the service drives it: a neighbour's live stream slows a bulk job,
// a replay of that report after the stream ended changes nothing, a liar's absurd report is
// dropped and a merely huge one leaves the job its floor.
TEST_F(Map, ReportsToAdvice) {
    uplink = {10'000'000, 50'000'000};
    const NodeId self = id(1);
    const AdviceConfig cfg;
    map.take(self, 1 * sec, report("laptop", 9'000'000, 0), t0, true, true);
    auto stream =
        report("media-pc", 0, 8'000'000, {{ActivityClass::live_stream, 6, 8'000'000, ""}});
    map.take(id(2), 1 * sec, stream, t0, false, false);
    auto advice = [&](MonoTime now, Heed heed = Heed::any) {
        return advise(map.snapshot(now, uplink, heed, cfg), priority_normal, heed, cfg, self);
    };
    auto a = advice(t0);
    EXPECT_TRUE(a.yield);
    EXPECT_EQ(a.rate_bps, 37'000'000u);
    EXPECT_EQ(advice(t0, Heed::trusted), Advice{}); // media-pc is not a friend
    map.take(id(2), 2 * sec, report("media-pc", 0, 0), t0 + 1s, false, false);
    EXPECT_EQ(advice(t0 + 1s), Advice{});
    EXPECT_TRUE(map.take(id(2), 1 * sec, stream, t0 + 2s, false, false).stale);
    EXPECT_EQ(advice(t0 + 2s), Advice{});

    auto absurd = report("liar", 0, 0, {{ActivityClass::interactive, 7, 200'000'000'000, ""}});
    EXPECT_TRUE(map.take(id(3), 1 * sec, absurd, t0 + 2s, false, false).absurd);
    EXPECT_EQ(advice(t0 + 2s), Advice{});
    auto huge = report("liar", 0, 0, {{ActivityClass::interactive, 7, 90'000'000'000, ""}});
    EXPECT_TRUE(map.take(id(3), 2 * sec, huge, t0 + 2s, false, false).accepted);
    a = advice(t0 + 2s);
    EXPECT_TRUE(a.yield);
    EXPECT_EQ(a.rate_bps, cfg.floor_bps);
    // The liar stops reporting: 15 s later it is forgotten, and the job runs at full speed.
    map.take(self, 2 * sec, report("laptop", 9'000'000, 0), t0 + 10s, true, true);
    map.take(id(2), 3 * sec, report("media-pc", 0, 0), t0 + 10s, false, false);
    EXPECT_TRUE(map.expire(t0 + 17s));
    EXPECT_EQ(advice(t0 + 17s), Advice{});
}
