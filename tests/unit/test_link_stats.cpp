// The /proc parsers behind the weather's link counters and gateway probe, fed captured text.
#include "net/gateway_address.hpp"
#include "net/link_stats.hpp"

#include <gtest/gtest.h>

namespace mcast::net {
namespace {

// A --gateway netlab host (default via 10.77.0.254) with a second, worse default route.
constexpr const char* route_text =
    "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
    "eth1\t00000000\t0101A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0\n"
    "eth0\t00000000\tFE004D0A\t0003\t0\t0\t0\t00000000\t0\t0\t0\n"
    "eth0\t00004D0A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n"
    "eth0\t000000E0\t00000000\t0001\t0\t0\t0\t000000F0\t0\t0\t0\n";

TEST(DefaultRoutes, Ipv4DefaultsWithGatewayAndMetric) {
    auto r = parse_ipv4_routes(route_text);
    ASSERT_EQ(r.size(), 2u);
    EXPECT_EQ(r[0].interface, "eth1");
    EXPECT_EQ(r[0].gateway, "192.168.1.1");
    EXPECT_EQ(r[0].metric, 600u);
    EXPECT_EQ(r[1].interface, "eth0");
    EXPECT_EQ(r[1].gateway, "10.77.0.254");
    EXPECT_EQ(r[1].family, 4);
}

TEST(DefaultRoutes, Ipv4RouteWithoutGatewayFlagHasNoAddress) {
    // A point-to-point default (ppp0): up, no RTF_GATEWAY.
    auto r = parse_ipv4_routes("ppp0\t00000000\t00000000\t0001\t0\t0\t0\t00000000\t0\t0\t0\n");
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].interface, "ppp0");
    EXPECT_TRUE(r[0].gateway.empty());
}

TEST(DefaultRoutes, Ipv4SkipsDownRejectAndGarbage) {
    auto r = parse_ipv4_routes("eth0\t00000000\tFE004D0A\t0002\t0\t0\t0\t00000000\t0\t0\t0\n"
                               "eth0\t00000000\tFE004D0A\t0203\t0\t0\t0\t00000000\t0\t0\t0\n"
                               "eth0\tnothex\tFE004D0A\t0003\t0\t0\t0\t00000000\t0\t0\t0\n"
                               "eth0\t00000000\n"
                               "\n");
    EXPECT_TRUE(r.empty());
}

TEST(DefaultRoutes, Ipv6DefaultViaUlaAndLinkLocal) {
    const char* text =
        "fd77004d000000000000000000000000 40 00000000000000000000000000000000 00 "
        "00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0\n"
        "00000000000000000000000000000000 00 00000000000000000000000000000000 00 "
        "fd77004d0000000000000000000000fe 00000400 00000003 00000000 00000003     eth0\n"
        "00000000000000000000000000000000 00 00000000000000000000000000000000 00 "
        "fe800000000000000000000000000001 00000064 00000001 00000000 00450003    wlan0\n";
    auto r = parse_ipv6_routes(text);
    ASSERT_EQ(r.size(), 2u);
    EXPECT_EQ(r[0].family, 6);
    EXPECT_EQ(r[0].interface, "eth0");
    EXPECT_EQ(r[0].gateway, "fd77:4d::fe");
    EXPECT_EQ(r[0].metric, 0x400u);
    EXPECT_EQ(r[1].gateway, "fe80::1%wlan0"); // link-local: the interface goes with it
    EXPECT_EQ(r[1].metric, 100u);
}

TEST(DefaultRoutes, Ipv6SkipsLoopbackRejectAndNonDefault) {
    const char* text =
        // the unreachable default the kernel keeps on lo (RTF_REJECT)
        "00000000000000000000000000000000 00 00000000000000000000000000000000 00 "
        "00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo\n"
        // ::/0 with a prefix length that is not 0 is no default
        "00000000000000000000000000000000 08 00000000000000000000000000000000 00 "
        "fd770000000000000000000000000001 00000400 00000001 00000000 00000003     eth0\n"
        "short line\n";
    EXPECT_TRUE(parse_ipv6_routes(text).empty());
}

TEST(ProcNetDev, ReadsBothCountersOfOneInterface) {
    const char* text =
        "Inter-|   Receive                                                |  Transmit\n"
        " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs "
        "drop fifo colls carrier compressed\n"
        "    lo:    6534      58    0    0    0     0          0         0     6534      58    0 "
        "   0    0     0       0          0\n"
        "  eth0: 18446744073709551615 9 0 0 0 0 0 3 4294967296 7 0 0 0 0 0 0\n";
    auto c = parse_proc_net_dev(text, "eth0");
    ASSERT_TRUE(c);
    EXPECT_EQ(c->rx_bytes, 18446744073709551615ull); // 64-bit counters, no truncation
    EXPECT_EQ(c->tx_bytes, 4294967296ull);
    auto lo = parse_proc_net_dev(text, "lo");
    ASSERT_TRUE(lo);
    EXPECT_EQ(lo->tx_bytes, 6534u);
    EXPECT_FALSE(parse_proc_net_dev(text, "eth1"));
    EXPECT_FALSE(parse_proc_net_dev(text, "eth"));               // no prefix matches
    EXPECT_FALSE(parse_proc_net_dev("  eth0: 1 2 3\n", "eth0")); // truncated line
}

// Every interface, in order, for a host without a default route (yield then sums them all but
// loopback); header and truncated lines are left out.
TEST(ProcNetDev, ListsEveryInterfaceThatParses) {
    const char* text = "Inter-|   Receive |  Transmit\n"
                       " face |bytes packets|bytes packets\n"
                       "    lo: 10 1 0 0 0 0 0 0 20 2 0 0 0 0 0 0\n"
                       "  eth0: 30 3 0 0 0 0 0 0 40 4 0 0 0 0 0 0\n"
                       "  eth1: 1 2 3\n"
                       "  veth-a: 50 5 0 0 0 0 0 0 60 6 0 0 0 0 0 0";
    auto all = parse_proc_net_dev(text);
    ASSERT_EQ(all.size(), 3u);
    EXPECT_EQ(all[0].first, "lo");
    EXPECT_EQ(all[1].first, "eth0");
    EXPECT_EQ(all[1].second.rx_bytes, 30u);
    EXPECT_EQ(all[1].second.tx_bytes, 40u);
    EXPECT_EQ(all[2].first, "veth-a"); // the last line needs no newline
    EXPECT_EQ(all[2].second.tx_bytes, 60u);
    EXPECT_TRUE(parse_proc_net_dev("").empty());
}

} // namespace
} // namespace mcast::net
