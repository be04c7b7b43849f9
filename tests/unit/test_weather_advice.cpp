// The advice rule (docs/weather.md "Advice"): yield to declared higher priorities and to
// measured congestion that others cause, share what is left among the yielders, never below
// the floor, and go back to full speed as soon as the reason is gone. Weathers are built by
// hand so that each figure of the rule is visible in the test.
#include <mcast/weather.hpp>

#include <gtest/gtest.h>

using namespace mcast;

namespace {

NodeId id(std::uint8_t b) {
    NodeId n;
    n.digest.fill(b);
    return n;
}

NodeWeather node(std::uint8_t b, std::string name, std::vector<Activity> acts = {},
                 std::uint64_t up = 0, std::uint64_t down = 0, bool trusted = true) {
    NodeWeather n;
    n.id = id(b);
    n.name = std::move(name);
    n.trusted = trusted;
    n.activities = std::move(acts);
    n.up_bps = up;
    n.down_bps = down;
    return n;
}

Activity act(ActivityClass c, std::uint64_t rate, std::uint8_t prio = 0) {
    return {c, prio ? prio : default_priority(c), rate, ""};
}

struct Advise : ::testing::Test {
    Weather w;
    AdviceConfig cfg;
    NodeId self = id(1);
    void SetUp() override {
        w.capacity_up_bps = 10'000'000;
        w.capacity_down_bps = 50'000'000;
        w.capacity_source = CapacitySource::setting;
        w.nodes.push_back(node(1, "laptop")); // self
    }
    Advice normal(Heed heed = Heed::any) { return advise(w, priority_normal, heed, cfg, self); }
};

} // namespace

TEST_F(Advise, QuietLanSaysGo) {
    EXPECT_EQ(normal(), Advice{});
    w.nodes.push_back(node(2, "nas", {act(ActivityClass::bulk_download, 20'000'000)}));
    w.nodes.push_back(node(3, "pi", {act(ActivityClass::backup, 5'000'000)}));
    auto a = normal();
    EXPECT_FALSE(a.yield) << "equal and lower priorities are no reason";
    EXPECT_FALSE(a.rate_bps);
    EXPECT_EQ(a.reason, "");
}

TEST_F(Advise, YieldsToAHigherDeclarationAndKeepsWhatItLeaves) {
    w.nodes.push_back(node(2, "media-pc", {act(ActivityClass::live_stream, 8'000'000)}));
    auto a = normal();
    EXPECT_TRUE(a.yield);
    // live-stream is download traffic: 0.9 * 50 Mbit/s - 8 Mbit/s, one yielder.
    EXPECT_EQ(a.rate_bps, 37'000'000u);
    EXPECT_EQ(a.reason, "media-pc live-stream 8 Mbit/s (priority 6)");
}

TEST_F(Advise, UploadClassesReserveTheUplink) {
    w.nodes.push_back(node(2, "pc", {act(ActivityClass::bulk_upload, 4'000'000, 5)}));
    EXPECT_EQ(normal().rate_bps, 5'000'000u); // 0.9 * 10 - 4
    // interactive counts in both directions: the least of the two shares.
    w.nodes.push_back(node(3, "game", {act(ActivityClass::interactive, 1'000'000)}));
    EXPECT_EQ(normal().rate_bps, 4'000'000u); // up: 9 - 4 - 1; down: 45 - 1
}

TEST_F(Advise, PriorityDecidesWhoYieldsToWhom) {
    w.nodes.push_back(node(2, "nas", {act(ActivityClass::bulk_download, 20'000'000)}));
    EXPECT_FALSE(advise(w, priority_normal, Heed::any, cfg, self).yield);
    auto low = advise(w, priority_low, Heed::any, cfg, self);
    EXPECT_TRUE(low.yield);
    EXPECT_EQ(low.reason, "nas bulk-download 20 Mbit/s (priority 2)");
    EXPECT_EQ(low.rate_bps, 25'000'000u);
    EXPECT_FALSE(advise(w, max_priority, Heed::any, cfg, self).yield);
}

TEST_F(Advise, OwnTrafficIsNoReasonButOwnHigherDeclarationsAre) {
    // Self measures a full uplink: that is the asking job itself, nobody to give way to.
    w.nodes[0].up_bps = 9'800'000;
    w.utilisation_up = 0.98;
    EXPECT_EQ(normal(), Advice{});
    // The same traffic measured by another node is contention.
    EXPECT_TRUE(advise(w, priority_normal, Heed::any, cfg, id(9)).yield);
    // A video call declared on this very machine is a reason: the backup next to it gives way.
    w.nodes[0].activities = {act(ActivityClass::live_stream, 8'000'000)};
    auto a = normal();
    EXPECT_TRUE(a.yield);
    EXPECT_NE(a.reason.find("live-stream"), std::string::npos) << a.reason;
    // A declaration of self no higher than the job's own priority is neither a reason nor a
    // second yielder.
    w.nodes[0].activities = {act(ActivityClass::backup, 8'000'000)};
    w.nodes[0].up_bps = 0;
    w.utilisation_up.reset();
    EXPECT_EQ(normal(), Advice{});
}

TEST_F(Advise, HeedTrustedIgnoresUntrustedNodes) {
    w.nodes.push_back(node(2, "stranger", {act(ActivityClass::live_stream, 8'000'000)}, 0,
                           8'000'000, /*trusted=*/false));
    EXPECT_TRUE(normal(Heed::any).yield);
    EXPECT_EQ(normal(Heed::trusted), Advice{});
    // ... also its measured traffic: congestion that only an untrusted node causes.
    w.utilisation_down = 0.95;
    w.nodes[1].activities.clear();
    w.nodes[1].down_bps = 47'000'000;
    EXPECT_TRUE(normal(Heed::any).yield);
    EXPECT_EQ(normal(Heed::trusted), Advice{});
    // This machine's own node counts even when it is not in the trust store.
    w.nodes[1].local = true;
    EXPECT_TRUE(normal(Heed::trusted).yield);
}

TEST_F(Advise, ALiarSlowsAJobButNeverStopsIt) {
    w.nodes.push_back(node(2, "liar", {act(ActivityClass::interactive, 90'000'000'000, 7)}));
    auto a = normal();
    EXPECT_TRUE(a.yield);
    ASSERT_TRUE(a.rate_bps);
    EXPECT_EQ(*a.rate_bps, cfg.floor_bps);
    EXPECT_GT(*a.rate_bps, 0u);
    // Sixteen of them, each at the most a report may say (sums saturate, no wrap to a small rate).
    w.nodes[1].activities.assign(16, act(ActivityClass::interactive, 1'000'000'000'000, 7));
    w.nodes.push_back(w.nodes[1]);
    w.nodes.back().id = id(3);
    EXPECT_EQ(normal().rate_bps, cfg.floor_bps);
    // A floor of its own is kept too.
    cfg.floor_bps = 1'000'000;
    EXPECT_EQ(normal().rate_bps, 1'000'000u);
    // And so is the floor when everyone yields on a tiny link.
    w.capacity_down_bps = 100'000;
    w.capacity_up_bps = 100'000;
    EXPECT_EQ(normal().rate_bps, 1'000'000u);
}

TEST_F(Advise, WhatIsLeftIsSharedAmongTheYielders) {
    w.nodes.push_back(node(2, "media-pc", {act(ActivityClass::live_stream, 9'000'000)}));
    w.nodes.push_back(node(3, "nas", {act(ActivityClass::backup, 0)}));
    w.nodes.push_back(node(4, "desk", {act(ActivityClass::bulk_download, 0)}));
    // (45 - 9) / 3: self, nas and desk each declare something of priority <= 2.
    EXPECT_EQ(normal().rate_bps, 12'000'000u);
    // A node with a stream and a backup still has a job that yields.
    w.nodes[1].activities.push_back(act(ActivityClass::backup, 0));
    EXPECT_EQ(normal().rate_bps, 9'000'000u); // (45 - 9) / 4
}

TEST_F(Advise, WithoutACapacityFigureTheFloorIsAdvised) {
    w.capacity_up_bps.reset();
    w.capacity_down_bps.reset();
    w.capacity_source = CapacitySource::unknown;
    w.nodes.push_back(node(2, "media-pc", {act(ActivityClass::live_stream, 8'000'000)}));
    auto a = normal();
    EXPECT_TRUE(a.yield);
    EXPECT_EQ(a.rate_bps, cfg.floor_bps);
}

TEST_F(Advise, MeasuredCongestionThatOthersCause) {
    w.nodes[0].up_bps = 3'500'000;
    w.nodes.push_back(node(2, "nas", {}, 6'000'000, 0));
    w.utilisation_up = 0.95;
    auto a = normal();
    EXPECT_TRUE(a.yield);
    EXPECT_EQ(a.rate_bps, 3'000'000u); // 0.9 * 10 - 6 (what the others use)
    EXPECT_EQ(a.reason, "uplink 95 % full");
    // Traffic of machines without mcast counts as others too.
    w.nodes[1].up_bps = 0;
    w.unknown_up_bps = 7'000'000;
    EXPECT_EQ(normal().rate_bps, 2'000'000u);
}

TEST_F(Advise, CongestionAmongYieldersIsSharedNotCountedTwice) {
    // Self and another bulk uploader fill a 10 Mbit/s uplink: they share the budget equally.
    w.nodes[0].up_bps = 5'000'000;
    w.nodes.push_back(node(2, "nas", {act(ActivityClass::bulk_upload, 0)}, 5'000'000, 0));
    w.utilisation_up = 1.0;
    auto a = normal();
    EXPECT_TRUE(a.yield);
    EXPECT_EQ(a.rate_bps, 4'500'000u); // (9 - 0) / 2
    // A third node that does not yield takes its share off the top first.
    w.nodes.push_back(node(3, "tv", {}, 3'000'000, 0));
    EXPECT_EQ(normal().rate_bps, 3'000'000u); // (9 - 3) / 2
}

TEST_F(Advise, AJobAloneOnTheUplinkHasNobodyToGiveWayTo) {
    w.nodes[0].up_bps = 9'500'000;
    w.utilisation_up = 0.95;
    w.queueing_delay_us = 150'000;
    EXPECT_EQ(normal(), Advice{});
    // Others below 5 % of the capacity (and below the floor) do not make it congestion either.
    w.nodes.push_back(node(2, "phone", {}, 200'000, 0));
    EXPECT_EQ(normal(), Advice{});
    w.nodes[1].up_bps = 600'000; // 6 %
    EXPECT_TRUE(normal().yield);
}

TEST_F(Advise, QueueingDelayOverTheTargetIsCongestion) {
    w.nodes.push_back(node(2, "tv", {}, 0, 20'000'000));
    w.queueing_delay_us = 48'000;
    auto a = normal();
    EXPECT_TRUE(a.yield);
    EXPECT_EQ(a.reason, "queueing delay 48 ms over the 25 ms target");
    EXPECT_EQ(a.rate_bps, 25'000'000u); // down: 45 - 20 (the tv is the one contending)
    w.queueing_delay_us = 24'999;
    EXPECT_EQ(normal(), Advice{});
    cfg.delay_target_us = 20'000;
    EXPECT_TRUE(normal().yield);
}

TEST_F(Advise, GoesBackToFullSpeedAsSoonAsTheReasonEnds) {
    w.nodes.push_back(node(2, "media-pc", {act(ActivityClass::live_stream, 8'000'000)}));
    ASSERT_TRUE(normal().yield);
    w.nodes[1].activities.clear(); // the stream's declaration ended: the next snapshot
    EXPECT_EQ(normal(), Advice{});
    w.utilisation_down = 0.95;
    w.nodes[1].down_bps = 40'000'000;
    ASSERT_TRUE(normal().yield);
    w.utilisation_down = 0.3;
    EXPECT_EQ(normal(), Advice{});
}

TEST_F(Advise, ReasonsNameTheTopThreeHighestFirst) {
    w.nodes.push_back(node(2, "a", {act(ActivityClass::on_demand_stream, 3'000'000)}));
    w.nodes.push_back(node(
        3, "b",
        {act(ActivityClass::live_stream, 2'000'000), act(ActivityClass::live_stream, 5'000'000)}));
    w.nodes.push_back(node(4, "", {act(ActivityClass::interactive, 0)}));
    w.nodes.push_back(node(5, "e", {act(ActivityClass::on_demand_stream, 1'000'000)}));
    w.utilisation_down = 0.92;
    w.nodes[1].down_bps = 40'000'000;
    auto a = normal();
    EXPECT_EQ(a.reason, id(4).short_form() +
                            " interactive (priority 7), b live-stream 5 Mbit/s (priority 6), "
                            "b live-stream 2 Mbit/s (priority 6), and 2 more; downlink 92 % full");
}
