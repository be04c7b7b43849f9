// Scope expansion, group checks and the answer hop-limit rule (mcast/scope.hpp): every step of
// the ladder at its edge, and the link scope of before (answers with hop limit 1) unchanged.
#include <mcast/scope.hpp>

#include <gtest/gtest.h>

namespace mcast {
namespace {

Ipv6Bytes v6(std::uint8_t b0, std::uint8_t b1, std::uint8_t b2 = 0, std::uint8_t b3 = 0) {
    Ipv6Bytes a{};
    a[0] = b0;
    a[1] = b1;
    a[2] = b2;
    a[3] = b3;
    a[15] = 1;
    return a;
}

TEST(Scope, ExpandsPerFamily) {
    auto link = scope_defaults(Scope::link);
    EXPECT_EQ(link.group_v4, "239.255.77.67");
    EXPECT_EQ(link.group_v6, "ff02::4d43");
    EXPECT_EQ(link.ttl, 1);
    auto site = scope_defaults(Scope::site);
    EXPECT_EQ(site.group_v4, "239.255.77.67");
    EXPECT_EQ(site.group_v6, "ff05::4d43");
    EXPECT_EQ(site.ttl, 15);
    auto org = scope_defaults(Scope::org);
    EXPECT_EQ(org.group_v4, "239.192.77.67");
    EXPECT_EQ(org.group_v6, "ff08::4d43");
    EXPECT_EQ(org.ttl, 63);
}

TEST(Scope, ParsesItsNames) {
    for (auto s : {Scope::link, Scope::site, Scope::org})
        EXPECT_EQ(parse_scope(scope_name(s)), s);
    EXPECT_FALSE(parse_scope("global"));
    EXPECT_FALSE(parse_scope("Site"));
    EXPECT_FALSE(parse_scope(""));
}

TEST(Scope, DefaultGroupsFitTheirScope) {
    for (auto s : {Scope::link, Scope::site, Scope::org}) {
        auto d = scope_defaults(s);
        Ipv4Bytes g4 = d.group_v4 == "239.255.77.67" ? Ipv4Bytes{239, 255, 77, 67}
                                                     : Ipv4Bytes{239, 192, 77, 67};
        Ipv6Bytes g6 = v6(0xff, s == Scope::link ? 0x02 : s == Scope::site ? 0x05 : 0x08);
        EXPECT_EQ(group_scope_mismatch(s, g4), "") << scope_name(s);
        EXPECT_EQ(group_scope_mismatch(s, g6), "") << scope_name(s);
    }
}

TEST(Scope, Ipv4GroupsOutOfScope) {
    EXPECT_EQ(group_scope_mismatch(Scope::link, Ipv4Bytes{224, 0, 0, 251}), "");
    EXPECT_EQ(group_scope_mismatch(Scope::link, Ipv4Bytes{239, 192, 0, 1}), "");
    EXPECT_NE(group_scope_mismatch(Scope::site, Ipv4Bytes{224, 0, 0, 251}), "");
    EXPECT_NE(group_scope_mismatch(Scope::site, Ipv4Bytes{239, 192, 0, 1}), "");
    EXPECT_NE(group_scope_mismatch(Scope::site, Ipv4Bytes{225, 1, 2, 3}), "");
    EXPECT_EQ(group_scope_mismatch(Scope::site, Ipv4Bytes{232, 1, 2, 3}), "");
    EXPECT_EQ(group_scope_mismatch(Scope::org, Ipv4Bytes{239, 195, 255, 1}), "");
    EXPECT_NE(group_scope_mismatch(Scope::org, Ipv4Bytes{239, 196, 0, 1}), "");
    EXPECT_NE(group_scope_mismatch(Scope::org, Ipv4Bytes{239, 255, 77, 67}), "");
    EXPECT_EQ(group_scope_mismatch(Scope::org, Ipv4Bytes{232, 0, 0, 9}), "");
    EXPECT_EQ(group_scope_mismatch(Scope::link, Ipv4Bytes{10, 0, 0, 1}), "not a multicast address");
}

TEST(Scope, Ipv6GroupsOutOfScope) {
    EXPECT_EQ(group_scope_mismatch(Scope::site, v6(0xff, 0x15)), ""); // transient, site
    EXPECT_EQ(group_scope_mismatch(Scope::site, v6(0xff, 0x35)), ""); // SSM, site
    EXPECT_EQ(group_scope_mismatch(Scope::site, v6(0xff, 0x02)),
              "a group of link-local scope (2), not site scope (5, as ff05::)");
    EXPECT_EQ(group_scope_mismatch(Scope::link, v6(0xff, 0x0e)),
              "a group of global scope (e), not link scope (2, as ff02::)");
    EXPECT_NE(group_scope_mismatch(Scope::org, v6(0xff, 0x05)), "");
    EXPECT_EQ(group_scope_mismatch(Scope::org, v6(0xfe, 0x08)), "not a multicast address");
}

TEST(Scope, SourceSpecificRanges) {
    EXPECT_TRUE(is_ssm_group(Ipv4Bytes{232, 0, 0, 0}));
    EXPECT_TRUE(is_ssm_group(Ipv4Bytes{232, 255, 255, 255}));
    EXPECT_FALSE(is_ssm_group(Ipv4Bytes{231, 255, 255, 255}));
    EXPECT_FALSE(is_ssm_group(Ipv4Bytes{233, 0, 0, 0}));
    EXPECT_TRUE(is_ssm_group(v6(0xff, 0x35)));
    EXPECT_TRUE(is_ssm_group(v6(0xff, 0x3e)));
    EXPECT_FALSE(is_ssm_group(v6(0xff, 0x35, 0, 0x40))); // ff35:40::, a unicast-prefix group
    EXPECT_FALSE(is_ssm_group(v6(0xff, 0x05)));
    EXPECT_FALSE(is_ssm_group(v6(0xff, 0x25)));
}

TEST(HopLimit, DistanceReadAgainstTheSteps) {
    EXPECT_EQ(hop_distance(1, 1), 0);   // link scope, same link
    EXPECT_EQ(hop_distance(15, 15), 0); // site scope, same link
    EXPECT_EQ(hop_distance(14, 15), 1);
    EXPECT_EQ(hop_distance(2, 15), 13);
    EXPECT_EQ(hop_distance(16, 15), 47); // above the site step: sent with 63
    EXPECT_EQ(hop_distance(63, 63), 0);
    EXPECT_EQ(hop_distance(62, 1), 1); // a link-scope node still reads an org sender's distance
    EXPECT_EQ(hop_distance(255, 1), 0);
    EXPECT_EQ(hop_distance(0, 15), -1);
    EXPECT_EQ(hop_distance(-1, 15), -1);
    EXPECT_EQ(hop_distance(256, 15), -1);
}

TEST(HopLimit, OwnHopLimitIsAStep) {
    // A deployment on --ttl 5: its nodes start at 5, so 4 is one router away, not eleven.
    EXPECT_EQ(hop_distance(4, 5), 1);
    EXPECT_EQ(answer_hop_limit(4, 5), 5);
    EXPECT_EQ(hop_distance(4, 15), 11);
}

TEST(HopLimit, LinkScopeAnswersStayOnTheLink) {
    for (int arrival : {1, 14, 15, 62, 63, 255, -1})
        EXPECT_EQ(answer_hop_limit(arrival, 1), 1) << arrival;
    EXPECT_EQ(answer_hop_limit(5, 0), 1); // TTL 0 (this host only): answers still leave with 1
}

TEST(HopLimit, AnswersGetBackButNoFurther) {
    EXPECT_EQ(answer_hop_limit(15, 15), 1);  // same link: 1 reaches the querier
    EXPECT_EQ(answer_hop_limit(14, 15), 15); // one router: 2 needed, the step is 15
    EXPECT_EQ(answer_hop_limit(2, 15), 15);  // 13 routers: 14 needed
    // 1 is read as a link-scope sender next door (the step 1), not a site one 14 routers away.
    EXPECT_EQ(answer_hop_limit(1, 15), 1);
    // A query from 47 routers away (sent with 63) to a site node: capped at its scope.
    EXPECT_EQ(answer_hop_limit(16, 15), 15);
    EXPECT_EQ(answer_hop_limit(16, 63), 63);
    EXPECT_EQ(answer_hop_limit(62, 63), 15); // one router: the site step suffices
    EXPECT_EQ(answer_hop_limit(63, 63), 1);
    EXPECT_EQ(answer_hop_limit(-1, 63), 1); // unknown: as before scopes
    EXPECT_EQ(answer_hop_limit(200, 255), 63);
}

TEST(HopLimit, TheQuerierReadsTheDistanceOfTheAnswer) {
    // The answer starts at a step, so the querier recovers the same distance from its arrival.
    for (int own : {15, 63}) {
        for (int hops = 0; hops < 14; ++hops) {
            const int query_arrival = own - hops;
            const int answer = answer_hop_limit(query_arrival, own);
            const int answer_arrival = answer - hops;
            ASSERT_GE(answer_arrival, 1) << own << " " << hops; // it gets back
            EXPECT_EQ(hop_distance(answer_arrival, own), hops) << own << " " << hops;
        }
    }
}

} // namespace
} // namespace mcast
