// `mcast yield` against real interface counters, in a lab: a job on h1 streams UDP to a sink on
// h2 (unicast, inside the lab), the advice comes from the test-only --advice-file, and h1's
// eth0 counters say what the job really sent. Throttle holds it near the advised rate; pause
// silences it; a clear gives it its full rate back.
#include "lab_harness.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <thread>

using namespace mcast::testlab;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

// ~19 Mbit/s of UDP to h2 while it runs, paced by sleeps: after a stop it does not catch up.
// Whatever a loaded machine lets a shell reach, the test measures first.
constexpr const char* kSender =
    "blob=$(head -c 1200 /dev/zero | tr '\\0' x); exec 3>/dev/udp/10.77.0.2/5001; "
    "while :; do for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do "
    "printf '%s' \"$blob\" >&3; done 2>/dev/null; sleep 0.01; done";

class YieldLab : public ::testing::Test {
protected:
    void SetUp() override {
        if (auto why = lab_unavailable_reason()) GTEST_SKIP() << *why;
        char tmpl[] = "/tmp/mcast-yield-lab-XXXXXX";
        dir_ = ::mkdtemp(tmpl);
        advice_ = dir_ / "advice";
        set_advice("clear");
        lab_.emplace(2, "yl");
        sink_.emplace(lab_->spawn(2, {"iperf", "-s", "-u"}));
    }
    void TearDown() override {
        if (job_ && job_->running()) {
            // Through mcast, which passes it to the job's group (its own, which killing mcast's
            // group would leave running).
            job_->signal(SIGTERM);
            EXPECT_EQ(job_->wait(5s), 128 + SIGTERM) << job_->err();
        }
        job_.reset();
        sink_.reset();
        lab_.reset();
        if (!dir_.empty()) fs::remove_all(dir_);
    }
    void set_advice(const std::string& line) {
        std::ofstream(dir_ / "advice.tmp") << line << "\n";
        fs::rename(dir_ / "advice.tmp", advice_);
    }
    void start(const std::string& mode) {
        job_.emplace(lab_->spawn_mcast(1, {"yield", "--mode", mode, "--advice-file",
                                           advice_.string(), "--", "bash", "-c", kSender}));
    }
    std::uint64_t tx_bytes() {
        auto r =
            run_command(lab_->exec_argv(1, {"cat", "/sys/class/net/eth0/statistics/tx_bytes"}));
        return std::stoull(r.out);
    }
    // h1's send rate over d, bits per second.
    double rate(std::chrono::seconds d) {
        const auto a = tx_bytes();
        std::this_thread::sleep_for(d);
        const auto b = tx_bytes();
        return static_cast<double>(b - a) * 8.0 / static_cast<double>(d.count());
    }

    fs::path dir_, advice_;
    std::optional<Lab> lab_;
    std::optional<Process> sink_, job_;
};

TEST_F(YieldLab, ThrottleHoldsTheJobNearTheAdvisedRate) {
    start("throttle");
    std::this_thread::sleep_for(2s);
    const double free = rate(4s);
    if (free < 2.5e6) GTEST_SKIP() << "the sender reached only " << free << " bit/s here";
    set_advice("yield 1Mbit lab test");
    std::this_thread::sleep_for(4s); // the duty cycle settles in a few periods
    const double held = rate(8s);
    EXPECT_NEAR(held, 1e6, 0.35e6) << "free " << free;
    set_advice("clear");
    std::this_thread::sleep_for(1s);
    const double cleared = rate(4s);
    EXPECT_GT(cleared, 0.6 * free);
    RecordProperty("free_bps", std::to_string(free));
    RecordProperty("held_at_1Mbit_bps", std::to_string(held));
    RecordProperty("cleared_bps", std::to_string(cleared));
    EXPECT_TRUE(job_->running()) << job_->err();
}

TEST_F(YieldLab, PauseSilencesTheJob) {
    start("pause");
    std::this_thread::sleep_for(2s);
    const double free = rate(3s);
    ASSERT_GT(free, 5e5);
    set_advice("yield 1Mbit lab test");
    std::this_thread::sleep_for(1s);
    EXPECT_LT(rate(4s), 2e4); // nothing but the odd neighbour discovery datagram
    set_advice("clear");
    std::this_thread::sleep_for(1s);
    EXPECT_GT(rate(3s), 0.6 * free);
}

} // namespace
