// The weather's measuring and timing parts with an injected clock: counter rates (64- and 32-bit,
// wraps, resets, gaps), the round-trip floor and queueing delay, and the report schedule.
#include "protocol/rate_meter.hpp"
#include "protocol/report_schedule.hpp"
#include "protocol/rtt_floor.hpp"

#include <gtest/gtest.h>

using namespace mcast;
using namespace std::chrono_literals;

namespace {
const MonoTime t0 = MonoTime{} + 1000s;
}

TEST(CounterRate, NoRateUntilTwoReadingsThenBitsPerSecond) {
    CounterRate r;
    EXPECT_FALSE(r.bps());
    r.feed(1'000'000, t0);
    EXPECT_FALSE(r.bps());
    r.feed(2'000'000, t0 + 1s); // 1 MB in 1 s
    EXPECT_EQ(r.bps(), 8'000'000u);
    EXPECT_EQ(r.last_bps(), 8'000'000u);
    r.feed(2'500'000, t0 + 2s); // 4 Mbit/s: smoothed halfway
    EXPECT_EQ(r.last_bps(), 4'000'000u);
    EXPECT_EQ(r.bps(), 6'000'000u);
    for (int i = 3; i < 20; ++i)
        r.feed(std::uint64_t{2'500'000} +
                   std::uint64_t{500'000} * static_cast<std::uint64_t>(i - 2),
               t0 + std::chrono::seconds(i));
    EXPECT_NEAR(static_cast<double>(*r.bps()), 4e6, 1e3); // converges on a steady rate
}

TEST(CounterRate, UnevenIntervalsAreTimedNotCounted) {
    CounterRate r;
    r.feed(0, t0);
    r.feed(125'000, t0 + 500ms); // 1 Mbit in 0.5 s
    EXPECT_EQ(r.bps(), 2'000'000u);
    r.feed(125'000, t0 + 500ms); // same time: ignored
    r.feed(0, t0 + 400ms);       // earlier: ignored
    EXPECT_EQ(r.bps(), 2'000'000u);
    EXPECT_EQ(r.resets(), 0u);
}

TEST(CounterRate, ThirtyTwoBitCounterWraps) {
    CounterRate r(CounterRate::Width::bits32);
    r.feed(0xffff'0000ULL, t0);
    r.feed(0x0000'ffffULL, t0 + 1s); // 0x1ffff bytes across the wrap
    EXPECT_EQ(r.bps(), 0x1ffffULL * 8);
    EXPECT_EQ(r.wraps(), 1u);
    EXPECT_EQ(r.resets(), 0u);
    // Readings above 32 bits (a library that returns an unsigned long) are taken mod 2^32.
    r.feed(0x1'0002'0000ULL, t0 + 2s);
    EXPECT_EQ(r.last_bps(), (0x2'0000ULL - 0xffffULL) * 8);
}

TEST(CounterRate, ThirtyTwoBitWrapAtAnImpossibleRateIsAReset) {
    CounterRate r(CounterRate::Width::bits32);
    r.feed(1'000'000, t0);
    r.feed(2'000'000, t0 + 1s);
    ASSERT_EQ(r.bps(), 8'000'000u);
    // The router rebooted: 1000 bytes now. Read as a wrap that would be ~34 Gbit in 0.1 s.
    r.feed(1000, t0 + 1100ms);
    EXPECT_EQ(r.resets(), 1u);
    EXPECT_EQ(r.wraps(), 0u);
    EXPECT_EQ(r.bps(), 8'000'000u) << "no spike, no zero";
    r.feed(1000 + 1'000'000, t0 + 2100ms);
    EXPECT_EQ(r.last_bps(), 8'000'000u);
}

TEST(CounterRate, SixtyFourBitCounterGoingBackIsAReset) {
    CounterRate r;
    r.feed(10'000'000'000ULL, t0);
    r.feed(10'001'000'000ULL, t0 + 1s);
    r.feed(500, t0 + 2s); // interface re-created
    EXPECT_EQ(r.resets(), 1u);
    EXPECT_EQ(r.bps(), 8'000'000u);
    r.feed(500 + 250'000, t0 + 3s);
    EXPECT_EQ(r.last_bps(), 2'000'000u);
    EXPECT_EQ(r.bps(), 5'000'000u);
}

TEST(CounterRate, ALongSilenceRestarts) {
    CounterRate r(CounterRate::Width::bits32);
    r.feed(0, t0);
    r.feed(1'000'000, t0 + 1s);
    // 40 s later: the counter may have wrapped any number of times.
    r.feed(5, t0 + 41s);
    EXPECT_FALSE(r.bps());
    EXPECT_EQ(r.resets(), 0u);
    r.feed(125'005, t0 + 42s);
    EXPECT_EQ(r.bps(), 1'000'000u);
}

TEST(RttTracker, NowIsTheMedianOfTheLastFive) {
    RttTracker t;
    EXPECT_FALSE(t.now_us(t0));
    EXPECT_FALSE(t.floor_us());
    for (std::uint32_t us : {1000u, 1200u, 90'000u, 1100u, 1300u})
        t.add(us, t0);
    EXPECT_EQ(t.now_us(t0), 1200u); // one slow reply does not move it
    EXPECT_EQ(t.floor_us(), 1000u);
    EXPECT_EQ(t.queueing_us(t0), 200u);
    for (std::uint32_t us : {50'000u, 52'000u, 51'000u})
        t.add(us, t0 + 1s);
    EXPECT_EQ(t.now_us(t0 + 1s), 50'000u); // the last 5: {1100, 1300, 50000, 52000, 51000}
    EXPECT_EQ(t.queueing_us(t0 + 1s), 49'000u);
    EXPECT_EQ(t.samples(), 8u);
}

TEST(RttTracker, OldSamplesAreNotNowAndTimeoutsAreCounted) {
    RttTracker t;
    t.add(1000, t0);
    t.timeout(t0 + 1s);
    t.timeout(t0 + 2s);
    EXPECT_EQ(t.timeouts(), 2u);
    EXPECT_EQ(t.now_us(t0 + 10s), 1000u);
    EXPECT_FALSE(t.now_us(t0 + 10s + 1ms));
    EXPECT_FALSE(t.queueing_us(t0 + 11s));
    EXPECT_EQ(t.floor_us(), 1000u); // the floor is kept for ten minutes
}

TEST(RttTracker, FloorIsTheMinimumOfTheLastTenMinutes) {
    RttTracker t;
    t.add(800, t0); // minute 0
    for (int m = 1; m < 10; ++m)
        t.add(2000, t0 + std::chrono::minutes(m));
    EXPECT_EQ(t.floor_us(), 800u);
    t.add(2000, t0 + 10min); // minute 0 leaves the window
    EXPECT_EQ(t.floor_us(), 2000u);
    // Under load the floor does not rise with the delay: the least of each minute counts.
    t.add(40'000, t0 + 10min + 10s);
    t.add(45'000, t0 + 10min + 11s);
    t.add(42'000, t0 + 10min + 12s);
    EXPECT_EQ(t.floor_us(), 2000u);
    // Now: the median of the samples of the last 10 s, {40000, 45000, 42000}.
    EXPECT_EQ(t.queueing_us(t0 + 10min + 12s), 40'000u);
    // A route change to a longer path shows within ten minutes.
    for (int m = 11; m <= 21; ++m)
        t.add(5000, t0 + std::chrono::minutes(m));
    EXPECT_EQ(t.floor_us(), 5000u);
}

TEST(ReportSchedule, StartsAfterARandomDelayThenEveryInterval) {
    ReportSchedule s({}, t0, [] { return 0.5; });
    EXPECT_EQ(s.next_wakeup(), t0 + 250ms);
    EXPECT_FALSE(s.due(t0 + 249ms));
    EXPECT_TRUE(s.due(t0 + 250ms));
    s.sent(t0 + 250ms);
    EXPECT_EQ(s.next_wakeup(), t0 + 5250ms);
    s.sent(t0 + 5260ms); // a late timer: the interval runs from the real send
    EXPECT_EQ(s.next_wakeup(), t0 + 10260ms);
    EXPECT_EQ(s.sent_count(), 2u);
}

TEST(ReportSchedule, SteadyStateIsOneReportPer5s) {
    ReportSchedule s({}, t0, [] { return 0.0; });
    MonoTime now = t0;
    int sent = 0;
    for (auto end = t0 + 60s; now < end; now = s.next_wakeup())
        if (s.due(now)) {
            s.sent(now);
            ++sent;
        }
    EXPECT_EQ(sent, 12);
}

TEST(ReportSchedule, AChangeGoesOutAfterTheDebounceAndABurstAsOne) {
    ReportSchedule s({}, t0, [] { return 0.0; });
    s.sent(t0);
    s.changed(t0 + 1s);
    EXPECT_TRUE(s.change_pending());
    EXPECT_EQ(s.next_wakeup(), t0 + 1200ms);
    s.changed(t0 + 1100ms); // rides along; does not push the report later
    s.changed(t0 + 1199ms);
    EXPECT_EQ(s.next_wakeup(), t0 + 1200ms);
    s.sent(t0 + 1200ms);
    EXPECT_FALSE(s.change_pending());
    EXPECT_EQ(s.next_wakeup(), t0 + 6200ms);
}

TEST(ReportSchedule, NeverTwoWithinTheMinimumGap) {
    ReportScheduleConfig cfg;
    cfg.debounce = 50ms;
    cfg.min_gap = 200ms;
    ReportSchedule s(cfg, t0, [] { return 0.0; });
    s.sent(t0);
    s.changed(t0 + 10ms);
    EXPECT_EQ(s.next_wakeup(), t0 + 200ms);
    s.sent(t0 + 200ms);
    s.changed(t0 + 1s);
    EXPECT_EQ(s.next_wakeup(), t0 + 1050ms);
    // With the defaults, a change right after a report waits 200 ms after it.
    ReportSchedule d({}, t0, [] { return 0.0; });
    d.sent(t0);
    d.changed(t0);
    EXPECT_EQ(d.next_wakeup(), t0 + 200ms);
}

TEST(ReportSchedule, AChangeNeverDelaysAReportAlreadyDue) {
    ReportSchedule s({}, t0, [] { return 0.0; });
    s.sent(t0);
    s.changed(t0 + 4900ms); // the regular report at 5 s carries it
    EXPECT_EQ(s.next_wakeup(), t0 + 5s);
    // A change before the first report: the first report carries it.
    ReportSchedule f({}, t0, [] { return 0.9; });
    f.changed(t0);
    EXPECT_EQ(f.next_wakeup(), t0 + 200ms);
}
