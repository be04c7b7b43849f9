// The weather's gateway measurements against a real home router in a lab (`netlab create
// --gateway`): default routes and link counters as a host sees them, Debian's miniupnpd read
// through miniupnpc (IgdMonitor) with its counters following the traffic, and the round trip to
// the gateway growing while one host fills the uplink and shrinking after. Everything runs in
// lab hosts through mcast-weather-probe; nothing is sent from this machine's own namespace.
#include "lab_fixture.hpp"

#include <algorithm>
#include <thread>

namespace mcast::testlab {
namespace {

using namespace std::chrono_literals;

const std::string probe_tool = MCAST_WEATHER_PROBE_PATH;
constexpr const char* wan_v4 = "198.51.100.2";

// LabTest's lab_ and records(), without its keys: nothing here runs mcast itself.
class GatewayLab : public LabTest {
protected:
    void make(int hosts, const std::string& prefix, const std::string& uplink) {
        if (auto why = lab_unavailable_reason()) GTEST_SKIP() << "no lab: " << *why;
        lab_ = std::make_unique<Lab>(hosts, prefix,
                                     std::vector<std::string>{"--gateway", "--uplink", uplink});
    }
    CommandResult probe(int host, std::vector<std::string> args,
                        std::chrono::milliseconds timeout = 30s) const {
        args.insert(args.begin(), probe_tool);
        return run_command(lab_->exec_argv(host, std::move(args)), timeout);
    }
    // Round trips (ms) of `count` probes 100 ms apart; timeouts are left out.
    std::vector<double> rtts(int host, int count) const {
        auto r = probe(host, {"rtt", "--count", std::to_string(count), "--interval-ms", "100",
                              "--timeout-ms", "1500"});
        EXPECT_EQ(r.code, 0) << r.out << r.err;
        std::vector<double> ms;
        for (const auto& o : records(r.out, "rtt"))
            if (!o.at("rtt_us").is_null())
                ms.push_back(static_cast<double>(o.at("rtt_us").to_number<std::int64_t>()) / 1000);
        return ms;
    }
    static double median(std::vector<double> v) {
        if (v.empty()) return -1;
        std::sort(v.begin(), v.end());
        return v[v.size() / 2];
    }
};

TEST_F(GatewayLab, HostSeesDefaultRoutesGatewaysAndLinkCounters) {
    make(2, "gr", "20mbit/50mbit");
    auto r = probe(1, {"routes"});
    ASSERT_EQ(r.code, 0) << r.err;
    auto gws = records(r.out, "gateway");
    ASSERT_EQ(gws.size(), 2u) << r.out;
    EXPECT_EQ(gws[0].at("address").as_string(), "10.77.0.254") << r.out;
    EXPECT_EQ(gws[0].at("interface").as_string(), "eth0");
    EXPECT_EQ(gws[1].at("address").as_string(), "fd77:4d::fe") << r.out;
    auto links = records(r.out, "link");
    ASSERT_EQ(links.size(), 1u) << r.out;
    EXPECT_EQ(links[0].at("interface").as_string(), "eth0");
    EXPECT_TRUE(links[0].at("ipv4").as_bool());
    EXPECT_TRUE(links[0].at("ipv6").as_bool());
    const auto tx0 = links[0].at("tx_bytes").to_number<std::uint64_t>();

    // 1 MB through the router: the host's own transmit counter grows by at least that.
    auto server = lab_->spawn("wan", {"iperf", "-s"});
    std::this_thread::sleep_for(300ms);
    ASSERT_EQ(lab_->run(2, {"ping", "-c", "1", "-W", "2", wan_v4}), 0) << "no route to the WAN";
    auto client = lab_->spawn(1, {"iperf", "-c", wan_v4, "-n", "1M"});
    ASSERT_EQ(client.wait(20s), 0) << client.out() << client.err();
    r = probe(1, {"routes"});
    links = records(r.out, "link");
    ASSERT_EQ(links.size(), 1u) << r.out;
    EXPECT_GE(links[0].at("tx_bytes").to_number<std::uint64_t>() - tx0, 1'000'000u);
}

TEST_F(GatewayLab, HostWithoutDefaultRouteSaysWhy) {
    if (auto why = lab_unavailable_reason()) GTEST_SKIP() << "no lab: " << *why;
    Lab plain(1, "gn");
    auto r = run_command(plain.exec_argv(1, {probe_tool, "routes"}));
    ASSERT_EQ(r.code, 0) << r.err;
    for (const auto& g : records(r.out, "gateway"))
        EXPECT_NE(std::string(g.at("unknown").as_string()).find("default route"), std::string::npos)
            << r.out;
    auto links = records(r.out, "link");
    ASSERT_EQ(links.size(), 1u);
    EXPECT_EQ(links[0].at("unknown").as_string(), "no default route (IPv4 or IPv6)");
    r = run_command(plain.exec_argv(1, {probe_tool, "rtt", "--count", "1"}));
    EXPECT_EQ(r.code, 3) << r.out;
    EXPECT_NE(r.out.find("no IPv4 default route"), std::string::npos) << r.out;
}

TEST_F(GatewayLab, IgdFoundWithLinkRatesAndCountersFollowingTraffic) {
    make(2, "gi", "20mbit/50mbit");
    auto server = lab_->spawn("wan", {"iperf", "-s"});
    auto monitor = lab_->spawn(
        1, {probe_tool, "igd", "--interface", "eth0", "--count", "16", "--interval-ms", "500"});
    ASSERT_TRUE(monitor.wait_for_line(Stream::out, std::regex("\"type\":\"igd\""), 10s))
        << monitor.out() << monitor.err();
    // 3 MB up, then 3 MB down (iperf -R), from the other host: the IGD counts the router's WAN.
    auto up = lab_->spawn(2, {"iperf", "-c", wan_v4, "-n", "3M"});
    ASSERT_EQ(up.wait(20s), 0) << up.out() << up.err();
    auto down = lab_->spawn(2, {"iperf", "-c", wan_v4, "-n", "3M", "-R"});
    ASSERT_EQ(down.wait(20s), 0) << down.out() << down.err();
    ASSERT_TRUE(monitor.wait(25s)) << monitor.out() << monitor.err();

    auto readings = records(monitor.out(), "igd");
    ASSERT_GE(readings.size(), 3u) << monitor.out();
    const auto& first = readings.front();
    const auto& last = readings.back();
    ASSERT_TRUE(first.at("ok").as_bool()) << monitor.out();
    ASSERT_TRUE(last.at("ok").as_bool()) << monitor.out();
    EXPECT_NE(std::string(first.at("name").as_string()).find("10.77.0.254"), std::string::npos);
    EXPECT_EQ(first.at("max_up_bps").to_number<std::int64_t>(), 20'000'000);
    EXPECT_EQ(first.at("max_down_bps").to_number<std::int64_t>(), 50'000'000);
    // 32-bit counters: the difference modulo 2^32 is what passed.
    const auto sent = static_cast<std::uint32_t>(last.at("bytes_sent").to_number<std::uint32_t>() -
                                                 first.at("bytes_sent").to_number<std::uint32_t>());
    const auto received =
        static_cast<std::uint32_t>(last.at("bytes_received").to_number<std::uint32_t>() -
                                   first.at("bytes_received").to_number<std::uint32_t>());
    EXPECT_GE(sent, 3'000'000u) << monitor.out();
    EXPECT_GE(received, 3'000'000u) << monitor.out();
    EXPECT_LT(sent, 20'000'000u) << monitor.out(); // nothing else crosses this lab's WAN
    EXPECT_LT(received, 20'000'000u) << monitor.out();
    // Readings move forward in time.
    EXPECT_GT(last.at("taken_ns").to_number<std::int64_t>(),
              first.at("taken_ns").to_number<std::int64_t>());
}

TEST_F(GatewayLab, NoIgdOnTheLanIsUnknownWithTheReason) {
    if (auto why = lab_unavailable_reason()) GTEST_SKIP() << "no lab: " << *why;
    Lab plain(1, "gu");
    auto r = run_command(plain.exec_argv(1, {probe_tool, "igd", "--interface", "eth0", "--count",
                                             "1", "--interval-ms", "200"}),
                         20s);
    auto readings = records(r.out, "igd");
    ASSERT_EQ(readings.size(), 1u) << r.out << r.err;
    EXPECT_FALSE(readings[0].at("ok").as_bool());
    EXPECT_EQ(readings[0].at("note").as_string(), "no UPnP IGD answered on eth0 within 4000 ms");
    EXPECT_EQ(readings[0].at("max_up_bps").to_number<std::int64_t>(), -1); // unknown, not 0
}

TEST_F(GatewayLab, IgdThatStopsAnsweringIsUnknownWithTheReason) {
    make(1, "gl", "20mbit/50mbit");
    auto monitor = lab_->spawn(
        1, {probe_tool, "igd", "--interface", "eth0", "--count", "30", "--interval-ms", "300"});
    ASSERT_TRUE(monitor.wait_for_line(Stream::out, std::regex("\"ok\":true"), 10s))
        << monitor.out() << monitor.err();
    // The router's miniupnpd goes away (its pid file is netlab's).
    auto kill = run_command(lab_->exec_argv(
        "gw", {"sh", "-c", "kill $(cat /run/netlab/" + lab_->name() + ".miniupnpd.pid)"}));
    ASSERT_EQ(kill.code, 0) << kill.err;
    ASSERT_TRUE(monitor.wait(15s)) << monitor.out();
    auto readings = records(monitor.out(), "igd");
    ASSERT_GE(readings.size(), 2u) << monitor.out();
    const auto& last = readings.back();
    EXPECT_FALSE(last.at("ok").as_bool()) << monitor.out();
    EXPECT_NE(std::string(last.at("note").as_string()).find("does not answer its byte counters"),
              std::string::npos)
        << monitor.out();
}

TEST_F(GatewayLab, RoundTripToGatewayGrowsWhileUplinkIsFullAndShrinksAfter) {
    make(2, "gq", "10mbit/30mbit");
    const auto idle = median(rtts(2, 10));
    ASSERT_GE(idle, 0) << "no replies from the gateway";

    auto server = lab_->spawn("wan", {"iperf", "-s"});
    std::this_thread::sleep_for(300ms);
    auto load = lab_->spawn(1, {"iperf", "-c", wan_v4, "-t", "6", "-P", "4"});
    std::this_thread::sleep_for(1500ms); // TCP fills the 200 ms queue
    const auto loaded = median(rtts(2, 20));
    ASSERT_EQ(load.wait(20s), 0) << load.out() << load.err();
    std::this_thread::sleep_for(500ms); // the queue drains in 200 ms at most
    const auto after = median(rtts(2, 10));

    std::printf("gateway RTT median: idle %.2f ms, uplink full %.2f ms, after %.2f ms\n", idle,
                loaded, after);
    // The tbf queue holds up to 200 ms; with four TCP flows pushing, a probe waits behind a
    // good part of it. The bounds leave room for a loaded machine, not for a missing effect.
    EXPECT_GE(loaded, 20.0);
    EXPECT_GE(loaded, 10 * std::max(idle, 0.5));
    EXPECT_LE(after, 5.0);
    EXPECT_LE(after, loaded / 4);
}

TEST_F(GatewayLab, ProbeUsesPingSocketWhereAllowedRawAsRootElseSaysWhy) {
    make(1, "gp", "20mbit/50mbit");
    // Root in a lab namespace whose ping_group_range is the kernel's default ("1 0": nobody):
    // a raw socket.
    auto r = probe(1, {"rtt", "--count", "2", "--interval-ms", "100"});
    ASSERT_EQ(r.code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("\"mode\":\"raw socket\""), std::string::npos) << r.out;
    EXPECT_EQ(records(r.out, "rtt").size(), 2u);

    // IPv6 to the router's ULA.
    r = probe(1, {"rtt", "--family", "6", "--count", "2", "--interval-ms", "100"});
    ASSERT_EQ(r.code, 0) << r.out << r.err;
    auto v6 = records(r.out, "rtt");
    ASSERT_EQ(v6.size(), 2u) << r.out;
    EXPECT_FALSE(v6[0].at("rtt_us").is_null()) << r.out;

    // A user outside ping_group_range, without CAP_NET_RAW: no socket, and the reason.
    r = run_command(lab_->exec_argv(1, {"setpriv", "--reuid=65534", "--regid=65534",
                                        "--clear-groups", probe_tool, "rtt", "--count", "1"}));
    EXPECT_EQ(r.code, 3) << r.out << r.err;
    EXPECT_NE(r.out.find("ping_group_range is '1 0', group 65534 is outside it"), std::string::npos)
        << r.out;

    // The lab host lets every group use ping sockets (a per-namespace sysctl): the same user
    // now gets one, and replies.
    ASSERT_EQ(lab_->run(1, {"sysctl", "-q", "-w", "net.ipv4.ping_group_range=0 2147483647"}), 0);
    r = run_command(
        lab_->exec_argv(1, {"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                            probe_tool, "rtt", "--count", "2", "--interval-ms", "100"}));
    ASSERT_EQ(r.code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("\"mode\":\"ping socket\""), std::string::npos) << r.out;
    auto rtt = records(r.out, "rtt");
    ASSERT_EQ(rtt.size(), 2u) << r.out;
    EXPECT_FALSE(rtt[1].at("rtt_us").is_null()) << r.out;

    // A gateway that drops pings: each probe ends as a timeout (null), never as a number.
    auto drop = run_command(lab_->exec_argv(
        "gw", {"iptables-legacy", "-w", "-I", "INPUT", "-p", "icmp", "-j", "DROP"}));
    ASSERT_EQ(drop.code, 0) << drop.err;
    r = probe(1, {"rtt", "--count", "2", "--interval-ms", "100", "--timeout-ms", "300"});
    ASSERT_EQ(r.code, 0) << r.out << r.err;
    auto lost = records(r.out, "rtt");
    ASSERT_EQ(lost.size(), 2u) << r.out;
    EXPECT_TRUE(lost[0].at("rtt_us").is_null()) << r.out;
    EXPECT_TRUE(lost[1].at("rtt_us").is_null()) << r.out;
}

} // namespace
} // namespace mcast::testlab
