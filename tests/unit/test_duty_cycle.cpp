// The duty cycle of `mcast yield --mode throttle` (duty_cycle.hpp), driven by a simulated host:
// a job that moves a fixed rate while it runs (reaching it only some time after each continue,
// and trailing on after each stop, as TCP does), background traffic of its own, and interface
// counters read every 250 ms and at every phase switch, on a clock the test moves.
#include <mcast/duty_cycle.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

namespace mcast {
namespace {

using namespace std::chrono_literals;

struct SimHost {
    double job_bps = 0;                // the job's rate while it runs, at full speed
    double background_bps = 0;         // the rest of the host, always
    std::chrono::milliseconds ramp{0}; // after a continue, the job runs at half speed this long
    std::chrono::milliseconds tail{0}; // after a stop, the job goes on at half speed this long
    bool download = true;              // the job's bytes count as received (else sent)
};

// Runs the duty cycle against the host for `total` and returns the average rate of the busier
// direction over the last `window`.
struct Sim {
    SimHost host;
    MonoTime t0 = MonoTime{} + 1000s;
    MonoTime now = t0;
    DutyCycle dc{{}, t0};
    double tx = 0, rx = 0;
    bool running = true;
    MonoTime switched = t0;
    bool counters_ok = true;
    int continues = 0; // run phases begun after a stop

    double job_rate_now() const {
        const auto since = now - switched;
        if (running) return since < host.ramp ? host.job_bps / 2 : host.job_bps;
        return since < host.tail ? host.job_bps / 2 : 0.0;
    }
    std::optional<ByteCounters> counters() const {
        if (!counters_ok) return std::nullopt;
        return ByteCounters{static_cast<std::uint64_t>(tx), static_cast<std::uint64_t>(rx)};
    }
    // Moves time on in 1 ms ticks, stepping the duty cycle at its wakeups and every 250 ms.
    // Returns the average bits per second of the busier direction over the run.
    double run(std::chrono::milliseconds total) {
        const double tx0 = tx, rx0 = rx;
        const MonoTime end = now + total;
        MonoTime next_poll = now;
        while (now < end) {
            if (now >= next_poll || now >= dc.next_wakeup()) {
                const bool run = dc.step(counters(), now);
                if (run != running) {
                    continues += run ? 1 : 0;
                    running = run;
                    switched = now;
                }
                if (now >= next_poll) next_poll = now + 250ms;
            }
            const double bytes_job = job_rate_now() / 8.0 / 1000.0;
            const double bytes_bg = host.background_bps / 8.0 / 1000.0;
            (host.download ? rx : tx) += bytes_job;
            rx += bytes_bg / 2;
            tx += bytes_bg / 2;
            now += 1ms;
        }
        const double secs = std::chrono::duration<double>(total).count();
        return std::max(tx - tx0, rx - rx0) * 8.0 / secs;
    }
};

TEST(DutyCycle, WithoutATargetTheJobAlwaysRuns) {
    Sim sim;
    sim.host.job_bps = 50e6;
    const double avg = sim.run(10s);
    EXPECT_TRUE(sim.running);
    EXPECT_DOUBLE_EQ(sim.dc.duty(), 1.0);
    EXPECT_NEAR(avg, 50e6, 50e6 * 0.01);
    ASSERT_TRUE(sim.dc.running_bps());
    EXPECT_NEAR(*sim.dc.running_bps(), 50e6, 50e6 * 0.02);
}

TEST(DutyCycle, ConvergesOnTheTargetForASteadyJob) {
    Sim sim;
    sim.host.job_bps = 40e6;
    sim.run(3s);
    sim.dc.set_target(10'000'000);
    sim.run(5s); // settling
    const double avg = sim.run(20s);
    EXPECT_NEAR(avg, 10e6, 10e6 * 0.05);
    EXPECT_NEAR(sim.dc.duty(), 0.25, 0.02);
}

TEST(DutyCycle, ConvergesWithBackgroundTrafficAndALaggingJob) {
    Sim sim;
    sim.host.job_bps = 30e6;
    sim.host.background_bps = 2e6;
    sim.host.ramp = 80ms;
    sim.host.tail = 50ms;
    sim.host.download = false;
    sim.run(2s);
    sim.dc.set_target(8'000'000);
    sim.run(8s);
    const double avg = sim.run(30s);
    EXPECT_NEAR(avg, 8e6, 8e6 * 0.08);
    ASSERT_TRUE(sim.dc.stopped_bps());
    EXPECT_GT(*sim.dc.stopped_bps(), 0.5e6); // the background (half each way) and the tail
}

TEST(DutyCycle, FollowsATargetThatChanges) {
    Sim sim;
    sim.host.job_bps = 20e6;
    sim.run(2s);
    sim.dc.set_target(2'000'000);
    sim.run(8s);
    EXPECT_NEAR(sim.run(20s), 2e6, 2e6 * 0.08);
    sim.dc.set_target(10'000'000);
    sim.run(5s);
    EXPECT_NEAR(sim.run(20s), 10e6, 10e6 * 0.05);
}

TEST(DutyCycle, AJobUnderTheTargetIsNotStopped) {
    Sim sim;
    sim.host.job_bps = 5e6;
    sim.run(2s);
    sim.dc.set_target(10'000'000);
    const double avg = sim.run(10s);
    EXPECT_DOUBLE_EQ(sim.dc.duty(), 1.0);
    EXPECT_NEAR(avg, 5e6, 5e6 * 0.01);
}

TEST(DutyCycle, NeverBelowTheMinimumShare) {
    // Background alone above the target: stopping the job cannot reach it, so it keeps its
    // minimum share rather than stopping for good.
    Sim sim;
    sim.host.job_bps = 20e6;
    sim.host.background_bps = 8e6;
    sim.run(2s);
    sim.dc.set_target(1'000'000);
    sim.run(10s);
    EXPECT_DOUBLE_EQ(sim.dc.duty(), DutyCycleConfig{}.min_duty);
    // It still runs once a period.
    const int before = sim.continues;
    sim.run(5s);
    EXPECT_GE(sim.continues - before, 4);
}

TEST(DutyCycle, LiftingTheLimitContinuesAtOnce) {
    Sim sim;
    sim.host.job_bps = 40e6;
    sim.run(2s);
    sim.dc.set_target(1'000'000);
    // Run until the job is stopped, then lift the limit: the next step runs it.
    for (int i = 0; i < 5000 && sim.running; ++i)
        sim.run(1ms);
    ASSERT_FALSE(sim.running);
    sim.dc.set_target(std::nullopt);
    EXPECT_TRUE(sim.dc.step(sim.counters(), sim.now));
}

TEST(DutyCycle, UnreadableOrResetCountersDoNotSkewTheEstimate) {
    Sim sim;
    sim.host.job_bps = 16e6;
    sim.run(3s);
    sim.counters_ok = false;
    sim.run(2s);
    sim.counters_ok = true;
    sim.tx = 0; // a reset (the interface came back)
    sim.rx = 0;
    sim.run(3s);
    ASSERT_TRUE(sim.dc.running_bps());
    EXPECT_NEAR(*sim.dc.running_bps(), 16e6, 16e6 * 0.03);
    // Nothing measured at all: a target still cycles, from a guessed share.
    Sim blind;
    blind.counters_ok = false;
    blind.host.job_bps = 16e6;
    blind.dc.set_target(4'000'000);
    blind.run(3s);
    EXPECT_DOUBLE_EQ(blind.dc.duty(), 0.5);
    EXPECT_FALSE(blind.dc.running_bps());
}

TEST(DutyCycle, PhasesFollowTheShareAndThePeriod) {
    Sim sim;
    sim.host.job_bps = 40e6;
    sim.run(3s);
    sim.dc.set_target(10'000'000);
    sim.run(6s);
    // Watch one whole period from the start of a run phase.
    while (sim.running)
        sim.run(1ms);
    while (!sim.running)
        sim.run(1ms);
    const MonoTime run_start = sim.now;
    while (sim.running)
        sim.run(1ms);
    const MonoTime stop_start = sim.now;
    while (!sim.running)
        sim.run(1ms);
    const auto on = std::chrono::duration<double>(stop_start - run_start).count();
    const auto whole = std::chrono::duration<double>(sim.now - run_start).count();
    EXPECT_NEAR(whole, 1.0, 0.01);
    EXPECT_NEAR(on / whole, sim.dc.duty(), 0.03);
}

} // namespace
} // namespace mcast
