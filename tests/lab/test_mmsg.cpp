// Lab tests of the multicast socket's batched I/O (lib/src/net/multicast_socket.cpp): bursts of
// thousands of datagrams sent with UDP GSO or sendmmsg and read with recvmmsg arrive complete, with
// their own boundaries and in each sender's order, and datagrams the kernel drops for a full
// receive queue are counted exactly (SO_RXQ_OVFL read per datagram of a batch). mcast-mmsg-probe
// drives the socket alone.
#include "lab_harness.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <memory>
#include <regex>

using namespace mcast::testlab;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

class Mmsg : public ::testing::Test {
protected:
    void SetUp() override {
        if (auto why = lab_unavailable_reason()) GTEST_SKIP() << "no lab: " << *why;
        lab_ = std::make_unique<Lab>(3, "mm");
    }

    Process receiver(std::uint64_t count, long late_ms, long timeout_ms) {
        auto p =
            lab_->spawn(1, {MCAST_MMSG_PROBE_PATH, "recv", "eth0", std::to_string(count), "--late",
                            std::to_string(late_ms), "--timeout", std::to_string(timeout_ms)});
        EXPECT_TRUE(p.wait_for_line(Stream::err, std::regex("ready"), 5s)) << p.err();
        return p;
    }

    json::object sender(int host, std::uint64_t count, std::vector<std::string> more = {}) {
        std::vector<std::string> argv{MCAST_MMSG_PROBE_PATH, "send", "eth0", std::to_string(count)};
        argv.insert(argv.end(), more.begin(), more.end());
        auto r = run_command(lab_->exec_argv(host, argv), 30s);
        EXPECT_EQ(r.code, 0) << r.err;
        return json::parse(r.out).as_object();
    }

    static json::object result(Process& p) {
        EXPECT_EQ(p.wait(30s), 0) << p.err();
        return json::parse(p.out()).as_object();
    }

    std::unique_ptr<Lab> lab_;
};

std::uint64_t num(const json::object& o, const char* key) {
    return static_cast<std::uint64_t>(o.at(key).to_number<std::int64_t>());
}

} // namespace

// Two senders, 2 000 datagrams each in one send_many: the reader gets all 4 000, each sender's
// in order, nothing dropped (4 000 small datagrams fit the 4 MiB receive buffer even before the
// reader catches up).
TEST_F(Mmsg, BurstsFromTwoSendersArriveCompleteAndInOrder) {
    constexpr std::uint64_t each = 2000;
    auto rx = receiver(2 * each, 0, 20000);
    auto a = sender(2, each);
    auto b = sender(3, each);
    EXPECT_EQ(num(a, "sent"), each);
    EXPECT_EQ(num(b, "sent"), each);
    EXPECT_EQ(num(a, "unsent") + num(b, "unsent"), 0u);
    auto r = result(rx);
    EXPECT_EQ(num(r, "received"), 2 * each) << json::serialize(r);
    EXPECT_EQ(num(r, "kernel_drops"), 0u);
    EXPECT_EQ(num(r, "senders"), 2u);
    EXPECT_EQ(num(r, "backwards"), 0u);
    EXPECT_EQ(num(r, "gaps"), 0u);
    EXPECT_EQ(num(r, "bad"), 0u);
    // The 4 MiB asked for with SO_RCVBUFFORCE: Linux reports twice that (its bookkeeping).
    EXPECT_GE(num(r, "rcvbuf"), 4u << 20);
}

// Runs of equal-sized datagrams leave in UDP GSO sends (the kernel cuts them); sizes that change
// every ten datagrams, each run's last one shorter, must arrive with their own boundaries: each
// datagram says its length and its place, and the reader checks both.
TEST_F(Mmsg, RunsOfEqualSizeGoOutSegmentedAndKeepEveryBoundary) {
    constexpr std::uint64_t count = 3000;
    auto rx = receiver(count, 0, 20000);
    auto s = sender(2, count, {"--size", "700", "--vary", "1"});
    EXPECT_EQ(num(s, "sent"), count);
    // 300 runs of ten, at most 64 datagrams and 64 KiB a send: GSO carried them, in far fewer
    // sends than datagrams.
    EXPECT_GE(num(s, "segmented_sends"), 300u) << json::serialize(s);
    EXPECT_LT(num(s, "segmented_sends"), count / 5) << json::serialize(s);
    auto r = result(rx);
    EXPECT_EQ(num(r, "received"), count) << json::serialize(r);
    EXPECT_EQ(num(r, "bad"), 0u) << "a datagram cut at another boundary";
    EXPECT_EQ(num(r, "backwards"), 0u);
    EXPECT_EQ(num(r, "gaps"), 0u);
}

// A reader that does not read for 1.5 s while 30 000 datagrams arrive: the kernel keeps what fits
// and drops the rest. A few more datagrams after it caught up carry the drop count
// (SO_RXQ_OVFL), so received + kernel_drops is exactly what was sent, and what was kept is in
// order (gaps only where drops were).
TEST_F(Mmsg, KernelDropsAreCountedExactlyAcrossBatches) {
    constexpr std::uint64_t burst = 30000, tail = 10;
    auto rx = receiver(burst + tail, 1500, 20000);
    auto s = sender(2, burst, {"--size", "200", "--tail", std::to_string(tail), "--after", "3000"});
    ASSERT_EQ(num(s, "unsent"), 0u) << json::serialize(s);
    const auto sent = num(s, "sent") + num(s, "tail_sent");
    EXPECT_EQ(sent, burst + tail);
    auto r = result(rx);
    EXPECT_GT(num(r, "kernel_drops"), 0u) << json::serialize(r);
    EXPECT_GT(num(r, "received"), tail) << json::serialize(r);
    EXPECT_EQ(num(r, "received") + num(r, "kernel_drops"), sent) << json::serialize(r);
    EXPECT_EQ(num(r, "backwards"), 0u);
    EXPECT_GE(num(r, "gaps"), 1u);
}
