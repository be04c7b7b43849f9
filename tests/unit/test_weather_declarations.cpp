// Declarations with leases (activity_table.hpp): ids, owners, renewals, the bound, every refused
// request changing nothing, and leases that end by themselves.
#include "protocol/activity_table.hpp"

#include <gtest/gtest.h>

using namespace mcast;
using namespace std::chrono_literals;

namespace {

const MonoTime t0 = MonoTime{} + 1000s;
constexpr std::uint32_t alice = 1000, bob = 1001;

Activity stream(std::string label = "tv") {
    return {ActivityClass::live_stream, 6, 8'000'000, std::move(label)};
}

} // namespace

TEST(ActivityTable, DeclareGivesShortIdsThatAreNotReused) {
    ActivityTable t;
    auto a = t.declare(alice, stream(), 15s, t0);
    ASSERT_TRUE(a.ok()) << a.error;
    EXPECT_EQ(a.id, "a1");
    EXPECT_EQ(t.declare(bob, stream(), 15s, t0).id, "a2");
    EXPECT_EQ(t.clear("a2", bob), "");
    EXPECT_EQ(t.declare(bob, stream(), 15s, t0).id, "a3");
    auto l = t.list(t0);
    ASSERT_EQ(l.size(), 2u);
    EXPECT_EQ(l[0].id, "a1");
    EXPECT_EQ(l[0].uid, alice);
    EXPECT_EQ(l[0].activity, stream());
    EXPECT_EQ(l[0].expires, t0 + 15s);
}

TEST(ActivityTable, LeasesEndUnlessRenewed) {
    ActivityTable t;
    t.declare(alice, stream(), 15s, t0);
    t.declare(alice, stream("call"), 30s, t0);
    EXPECT_EQ(t.next_expiry(), t0 + 15s);
    EXPECT_EQ(t.renew("a1", alice, 15s, t0 + 10s), "");
    EXPECT_EQ(t.next_expiry(), t0 + 25s);
    EXPECT_FALSE(t.expire(t0 + 24s));
    EXPECT_TRUE(t.expire(t0 + 25s));
    EXPECT_EQ(t.size(), 1u);
    // A lease that ended cannot be renewed, even before expire() runs.
    EXPECT_EQ(t.renew("a2", alice, 15s, t0 + 30s), "no declaration a2");
    EXPECT_TRUE(t.list(t0 + 30s).empty());
    EXPECT_TRUE(t.activities(t0 + 30s).empty());
    EXPECT_TRUE(t.expire(t0 + 30s));
    EXPECT_FALSE(t.next_expiry());
}

TEST(ActivityTable, OnlyTheOwnerOrRootRenewsOrClears) {
    ActivityTable t;
    t.declare(alice, stream(), 15s, t0);
    EXPECT_EQ(t.clear("a1", bob), "declaration a1 belongs to another user");
    EXPECT_EQ(t.renew("a1", bob, 60s, t0), "declaration a1 belongs to another user");
    EXPECT_EQ(t.list(t0)[0].expires, t0 + 15s);
    EXPECT_EQ(t.renew("a1", ActivityTable::root_uid, 60s, t0), "");
    EXPECT_EQ(t.clear("a1", ActivityTable::root_uid), "");
    EXPECT_EQ(t.size(), 0u);
    EXPECT_EQ(t.clear("a1", alice), "no declaration a1");
    EXPECT_EQ(t.clear("x", alice), "no declaration x");
}

TEST(ActivityTable, AtMost32AndTheRefusalChangesNothing) {
    ActivityTable t;
    for (int i = 0; i < 32; ++i)
        ASSERT_TRUE(t.declare(alice, stream(), 15s, t0).ok());
    auto r = t.declare(bob, stream(), 15s, t0);
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(r.error, "too many declarations (max 32)");
    EXPECT_EQ(r.id, "");
    EXPECT_EQ(t.size(), 32u);
    t.clear("a5", alice);
    EXPECT_EQ(t.declare(bob, stream(), 15s, t0).id, "a33");
}

TEST(ActivityTable, BadDeclarationsAreRefusedWithOneLine) {
    ActivityTable t;
    t.declare(alice, stream(), 15s, t0);
    auto bad = [&](Activity a, std::chrono::milliseconds lease) {
        auto r = t.declare(alice, std::move(a), lease, t0);
        EXPECT_EQ(r.id, "");
        EXPECT_EQ(r.error.find('\n'), std::string::npos);
        return r.error;
    };
    EXPECT_EQ(bad(stream(), 999ms), "lease must be 1 s to 24 h");
    EXPECT_EQ(bad(stream(), 24h + 1ms), "lease must be 1 s to 24 h");
    auto a = stream();
    a.priority = 8;
    EXPECT_EQ(bad(a, 15s), "priority must be 0-7");
    a = stream();
    a.rate_bps = 100'000'000'001;
    EXPECT_EQ(bad(a, 15s), "rate beyond 100 Gbit/s");
    EXPECT_EQ(bad(stream(std::string(256, 'x')), 15s), "label longer than 255 bytes");
    EXPECT_EQ(bad(stream("\xc0\xaf"), 15s), "label is not UTF-8");
    EXPECT_EQ(t.renew("a1", alice, 0ms, t0), "lease must be 1 s to 24 h");
    EXPECT_EQ(t.size(), 1u);
    EXPECT_EQ(t.list(t0)[0].expires, t0 + 15s);
    // The limits themselves are fine.
    EXPECT_TRUE(t.declare(alice, stream(std::string(255, 'x')), 1s, t0).ok());
    EXPECT_TRUE(t.declare(alice, stream(), 24h, t0).ok());
}

TEST(ActivityTable, ActivitiesForTheReportHighestFirstAtMost16) {
    ActivityTable t;
    t.declare(alice, {ActivityClass::backup, 1, 0, "b"}, 15s, t0);
    t.declare(alice, stream("s1"), 15s, t0);
    t.declare(alice, {ActivityClass::interactive, 7, 0, "i"}, 15s, t0);
    t.declare(alice, stream("s2"), 15s, t0);
    auto v = t.activities(t0);
    ASSERT_EQ(v.size(), 4u);
    EXPECT_EQ(v[0].label, "i");
    EXPECT_EQ(v[1].label, "s1");
    EXPECT_EQ(v[2].label, "s2");
    EXPECT_EQ(v[3].label, "b");
    for (int i = 0; i < 20; ++i)
        t.declare(bob, stream(), 15s, t0);
    EXPECT_EQ(t.activities(t0).size(), 16u);
    EXPECT_EQ(t.activities(t0, 2).size(), 2u);
}
