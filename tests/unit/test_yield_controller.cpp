// The decisions of `mcast yield` (cli/yield_controller.hpp) on a clock the test moves, and the
// test-only advice file's format (cli/advice_source.hpp).
#include "advice_source.hpp"
#include "yield_controller.hpp"

#include <gtest/gtest.h>

namespace mcast::cli {
namespace {

using namespace std::chrono_literals;

Advice yield_to(std::optional<std::uint64_t> rate, std::string reason = "tv live-stream") {
    Advice a;
    a.yield = true;
    a.rate_bps = rate;
    a.reason = std::move(reason);
    return a;
}

const MonoTime t0 = MonoTime{} + 100s;

TEST(YieldController, PauseStopsWhileYieldingAndReportsEachChangeOnce) {
    YieldController c({.mode = YieldMode::pause}, t0);
    EXPECT_FALSE(c.advise(Advice{}, t0)); // clear to clear: no change
    EXPECT_TRUE(c.should_run(std::nullopt, t0));
    auto change = c.advise(yield_to(2'000'000), t0 + 250ms);
    ASSERT_TRUE(change);
    EXPECT_TRUE(change->yielding);
    EXPECT_EQ(change->advised_bps, 2'000'000u);
    EXPECT_FALSE(change->target_bps); // a pause, no duty cycle
    EXPECT_EQ(change->reason, "tv live-stream");
    EXPECT_FALSE(c.should_run(std::nullopt, t0 + 250ms));
    EXPECT_FALSE(c.needs_counters());
    EXPECT_FALSE(c.next_wakeup());
    // The same advice again, or another rate: no new change.
    EXPECT_FALSE(c.advise(yield_to(3'000'000), t0 + 500ms));
    EXPECT_FALSE(c.should_run(std::nullopt, t0 + 500ms));
    change = c.advise(Advice{}, t0 + 750ms);
    ASSERT_TRUE(change);
    EXPECT_FALSE(change->yielding);
    EXPECT_TRUE(c.should_run(std::nullopt, t0 + 750ms));
}

TEST(YieldController, NoAdviceCountsAsClear) {
    YieldController c({.mode = YieldMode::pause}, t0);
    ASSERT_TRUE(c.advise(yield_to(std::nullopt), t0));
    auto change = c.advise(std::nullopt, t0 + 250ms);
    ASSERT_TRUE(change);
    EXPECT_FALSE(change->yielding);
    EXPECT_TRUE(c.should_run(std::nullopt, t0 + 250ms));
}

TEST(YieldController, TargetsFollowModeAndMinRate) {
    YieldController throttle({.mode = YieldMode::throttle}, t0);
    EXPECT_EQ(throttle.advise(yield_to(4'000'000), t0)->target_bps, 4'000'000u);
    throttle.advise(yield_to(6'000'000), t0 + 250ms); // a new rate moves the target
    EXPECT_EQ(throttle.target_bps(), 6'000'000u);
    EXPECT_TRUE(throttle.cycling());

    YieldController floor({.mode = YieldMode::throttle, .min_rate_bps = 5'000'000}, t0);
    EXPECT_EQ(floor.advise(yield_to(1'000'000), t0)->target_bps, 5'000'000u);

    YieldController no_rate({.mode = YieldMode::throttle}, t0);
    EXPECT_EQ(no_rate.advise(yield_to(std::nullopt), t0)->target_bps, 0u);

    // pause with --min-rate cycles towards it, whatever the advised rate.
    YieldController pause_floor({.mode = YieldMode::pause, .min_rate_bps = 1'000'000}, t0);
    EXPECT_TRUE(pause_floor.needs_counters());
    EXPECT_EQ(pause_floor.advise(yield_to(8'000'000), t0)->target_bps, 1'000'000u);
    EXPECT_TRUE(pause_floor.cycling());
}

TEST(YieldController, ThrottleCyclesAHeavyJobAndFreesItOnClear) {
    YieldController c({.mode = YieldMode::throttle}, t0);
    // A job moving 40 Mbit/s while it runs, nothing while stopped.
    double rx = 0;
    bool run = true;
    MonoTime now = t0;
    int stops = 0, continues = 0;
    const auto advance = [&](std::chrono::milliseconds d) {
        for (auto end = now + d; now < end; now += 10ms) {
            const bool r = c.should_run(ByteCounters{0, static_cast<std::uint64_t>(rx)}, now);
            if (r != run) (r ? continues : stops)++;
            run = r;
            if (run) rx += 40e6 / 8 / 100;
        }
    };
    advance(3s);
    EXPECT_EQ(stops, 0);
    ASSERT_TRUE(c.advise(yield_to(10'000'000), now));
    const double before = rx;
    advance(5s);
    advance(10s);
    EXPECT_GE(stops, 10);
    EXPECT_GE(continues, 10);
    // About a quarter of the time: 10 of 40 Mbit/s (first seconds settling included).
    const double avg = (rx - before) * 8 / 15;
    EXPECT_NEAR(avg, 10e6, 1.5e6);
    c.advise(Advice{}, now);
    advance(1s);
    EXPECT_TRUE(run);
    const int stops_then = stops;
    advance(3s);
    EXPECT_EQ(stops, stops_then);
}

TEST(AdviceFile, Format) {
    EXPECT_EQ(parse_advice_text("clear"), Advice{});
    Advice unknown;
    unknown.unknown = true;
    EXPECT_EQ(parse_advice_text("unknown"), unknown);
    EXPECT_EQ(parse_advice_text("yield"), yield_to(std::nullopt, ""));
    EXPECT_EQ(parse_advice_text("yield 2Mbit media-pc live-stream (priority 6)\n"),
              yield_to(2'000'000, "media-pc live-stream (priority 6)"));
    EXPECT_EQ(parse_advice_text("yield - tv"), yield_to(std::nullopt, "tv"));
    EXPECT_EQ(parse_advice_text("yield 500kbit"), yield_to(500'000, ""));
    EXPECT_FALSE(parse_advice_text(""));
    EXPECT_FALSE(parse_advice_text("maybe"));
    EXPECT_FALSE(parse_advice_text("yield 1000")); // datagrams per second: not a bit rate
    EXPECT_FALSE(parse_advice_text("yield fast"));
}

} // namespace
} // namespace mcast::cli
