// Presence core without sockets: payload codecs (strict), the announcement schedule, the query
// plan, and the peer table's events, expiry, known answers, conflicts and bound.
#include <mcast/announce_schedule.hpp>
#include <mcast/peer_table.hpp>
#include <mcast/presence.hpp>

#include <gtest/gtest.h>

using namespace mcast;
using namespace std::chrono_literals;

namespace {

NodeInfo sample_info(std::string name = "media-pc") {
    NodeInfo i;
    i.name = std::move(name);
    i.lifetime = 90s;
    i.addresses = {{4, "10.0.0.2", "eth0"}, {6, "fe80::1", "eth0"}};
    i.meta = {{"role", "media"}};
    return i;
}

PublicKeyBytes key(std::uint8_t b) {
    PublicKeyBytes k{};
    k.fill(b);
    return k;
}

} // namespace

TEST(PresenceCodec, RoundTrips) {
    auto info = sample_info();
    EXPECT_EQ(decode_announce(encode_announce(info)), info);
    Query q;
    q.nonce.fill(7);
    q.known = {IdPrefix{1, 2, 3, 4, 5, 6, 7, 8}};
    auto back = decode_query(encode_query(q));
    ASSERT_TRUE(back);
    EXPECT_EQ(back->nonce, q.nonce);
    EXPECT_EQ(back->known, q.known);
    Answer a{q.nonce, info};
    auto ab = decode_answer(encode_answer(a));
    ASSERT_TRUE(ab);
    EXPECT_EQ(ab->nonce, a.nonce);
    EXPECT_EQ(ab->info, info);
}

TEST(PresenceCodec, RejectsWrongShapes) {
    auto t = encode_announce(sample_info());
    auto bad = t;
    bad[1] = Value{"ninety"}; // lifetime not an int
    EXPECT_FALSE(decode_announce(bad));
    bad = t;
    bad[1] = Value{std::int64_t{-1}};
    EXPECT_FALSE(decode_announce(bad));
    bad = t;
    bad.push_back(nullptr); // extra element
    EXPECT_FALSE(decode_announce(bad));
    bad = t;
    bad[2] =
        Value{List{Value{List{Value{std::int64_t{5}}, Value{"x"}, Value{"eth0"}}}}}; // family 5
    EXPECT_FALSE(decode_announce(bad));
    bad = t;
    bad[3] = Value{List{Value{List{Value{"k"}}}}}; // meta pair with one element
    EXPECT_FALSE(decode_announce(bad));
    Tuple q{Value{Bytes{ByteBuffer(15)}}, Value{List{}}}; // short nonce
    EXPECT_FALSE(decode_query(q));
    EXPECT_FALSE(decode_answer(Tuple{}));
}

TEST(AnnounceSchedule, RandomStartThenDoublingBurstThenInterval) {
    MonoTime t0{};
    AnnounceConfig cfg;
    cfg.start_delay_max = 100ms;
    cfg.first_gap = 1s;
    cfg.burst = 3;
    cfg.interval = 30s;
    AnnounceSchedule s(cfg, t0, [] { return 0.5; });
    EXPECT_EQ(s.next(), t0 + 50ms);
    auto t = s.next();
    s.sent(t);
    EXPECT_EQ(s.next(), t + 1s);
    t = s.next();
    s.sent(t);
    EXPECT_EQ(s.next(), t + 2s);
    t = s.next();
    s.sent(t);
    EXPECT_EQ(s.next(), t + 30s);
    t = s.next();
    s.sent(t);
    EXPECT_EQ(s.next(), t + 30s);
    s.changed(t + 5s);
    EXPECT_EQ(s.next(), t + 5s);
    s.sent(t + 5s);
    EXPECT_EQ(s.next(), t + 6s); // a new burst
    EXPECT_EQ(s.sent_count(), 5);
}

TEST(QueryPlan, WithoutExpectThreeQueriesThenQuiet) {
    MonoTime t0{};
    QueryConfig cfg;
    cfg.first_gap = 80ms;
    cfg.quiet = 200ms;
    QueryPlan p(cfg, t0);
    EXPECT_EQ(p.next_query(), t0);
    p.query_sent(t0);
    EXPECT_EQ(p.next_query(), t0 + 80ms);
    p.query_sent(t0 + 80ms);
    EXPECT_EQ(p.next_query(), t0 + 240ms);
    p.query_sent(t0 + 240ms);
    EXPECT_EQ(p.next_query(), MonoTime::max());
    EXPECT_FALSE(p.done(t0 + 300ms));
    p.found(t0 + 300ms, 1); // news pushes the end out
    EXPECT_FALSE(p.done(t0 + 450ms));
    EXPECT_TRUE(p.done(t0 + 500ms));
    EXPECT_LE(p.wake_at(), t0 + 500ms);
}

TEST(QueryPlan, WithExpectKeepsQueryingWithBackoffUntilFound) {
    MonoTime t0{};
    QueryConfig cfg;
    cfg.timeout = 10s;
    cfg.expect = 2;
    cfg.first_gap = 100ms;
    cfg.max_gap = 1s;
    QueryPlan p(cfg, t0);
    MonoTime t = t0;
    std::vector<std::chrono::milliseconds> gaps;
    for (int i = 0; i < 7; ++i) {
        p.query_sent(t);
        auto n = p.next_query();
        gaps.push_back(std::chrono::duration_cast<std::chrono::milliseconds>(n - t));
        t = n;
    }
    EXPECT_EQ(gaps,
              (std::vector<std::chrono::milliseconds>{100ms, 200ms, 400ms, 800ms, 1s, 1s, 1s}));
    EXPECT_FALSE(p.done(t));
    p.found(t, 2);
    EXPECT_TRUE(p.done(t));
    EXPECT_EQ(p.next_query(), MonoTime::max());
}

TEST(QueryPlan, DeadlineEndsEverything) {
    MonoTime t0{};
    QueryConfig cfg;
    cfg.timeout = 1s;
    cfg.watch = true;
    QueryPlan p(cfg, t0);
    p.query_sent(t0);
    EXPECT_FALSE(p.done(t0 + 999ms));
    EXPECT_TRUE(p.done(t0 + 1s));
}

TEST(PeerTable, JoinUpdateGoodbyeExpire) {
    PeerTable t;
    MonoTime now{};
    auto e = t.observe(key(1), 10, sample_info(), {4, "10.0.0.2", "eth0"}, now, false);
    ASSERT_EQ(e.size(), 1u);
    EXPECT_EQ(e[0].kind, PeerEventKind::join);
    // the same again: nothing new
    EXPECT_TRUE(
        t.observe(key(1), 10, sample_info(), {4, "10.0.0.2", "eth0"}, now + 1s, false).empty());
    auto changed = sample_info();
    changed.meta = {{"role", "idle"}};
    e = t.observe(key(1), 10, changed, {4, "10.0.0.2", "eth0"}, now + 2s, false);
    ASSERT_EQ(e.size(), 1u);
    EXPECT_EQ(e[0].kind, PeerEventKind::update);
    EXPECT_EQ(e[0].changed, std::vector<std::string>{"meta"}); // an update says what changed
    auto renamed = changed;
    renamed.name = "other";
    renamed.addresses.push_back({6, "fe80::9", "eth0"});
    e = t.observe(key(1), 10, renamed, {4, "10.0.0.2", "eth0"}, now + 2s, true);
    ASSERT_EQ(e.size(), 1u);
    EXPECT_EQ(e[0].changed, (std::vector<std::string>{"name", "addresses", "local"}));
    // a goodbye from another incarnation is ignored; from the current one removes it
    EXPECT_TRUE(t.goodbye(key(1), 99, now + 3s).empty());
    e = t.goodbye(key(1), 10, now + 3s);
    ASSERT_EQ(e.size(), 1u);
    EXPECT_EQ(e[0].reason, "goodbye");
    EXPECT_EQ(t.size(), 0u);

    t.observe(key(2), 1, sample_info(), {4, "10.0.0.3", "eth0"}, now, false);
    EXPECT_EQ(t.next_expiry(), now + 90s);
    EXPECT_TRUE(t.expire(now + 89s).empty());
    e = t.expire(now + 90s);
    ASSERT_EQ(e.size(), 1u);
    EXPECT_EQ(e[0].reason, "expired");
}

TEST(PeerTable, KnownAnswersOnlyWhileMoreThanHalfTheLifetimeIsLeft) {
    PeerTable t;
    MonoTime now{};
    t.observe(key(3), 1, sample_info(), {4, "a", "eth0"}, now, false);
    EXPECT_EQ(t.known_answers(now + 44s).size(), 1u);
    EXPECT_EQ(t.known_answers(now + 46s).size(), 0u);
}

TEST(PeerTable, RestartIsAnUpdateButTwoLiveIncarnationsAreAConflict) {
    PeerTable t;
    MonoTime now{};
    NodeAddress from{4, "a", "eth0"};
    t.observe(key(4), 1, sample_info(), from, now, false);
    auto e = t.observe(key(4), 2, sample_info(), from, now + 1s, false); // restart
    EXPECT_TRUE(e.empty() || e[0].kind != PeerEventKind::conflict);
    e = t.observe(key(4), 1, sample_info(), from, now + 2s, false); // the old one is alive too
    ASSERT_FALSE(e.empty());
    EXPECT_EQ(e[0].kind, PeerEventKind::conflict);
    EXPECT_TRUE(t.peers().begin()->second.conflict);
}

TEST(PeerTable, AClonesFirstWordIsTheConflictNotAnUpdateOfTheOriginal) {
    PeerTable t;
    MonoTime now{};
    auto a = sample_info("a"), b = sample_info("b");
    a.addresses = {{4, "10.0.0.2", "eth0"}};
    b.addresses = {{4, "10.0.0.3", "eth0"}};
    t.observe(key(6), 1, a, {4, "10.0.0.2", "eth0"}, now, false);
    // The clone starts long after the original's last announcement: it could be a restart,
    // so its update is held back, not reported.
    EXPECT_TRUE(t.observe(key(6), 2, b, {4, "10.0.0.3", "eth0"}, now + 10s, false).empty());
    EXPECT_EQ(t.next_expiry(), now + 10s + PeerTable::restart_hold);
    // The original, hearing the clone, announces at once: one conflict with both machines.
    auto e = t.observe(key(6), 1, a, {4, "10.0.0.2", "eth0"}, now + 10s + 50ms, false);
    ASSERT_EQ(e.size(), 1u);
    EXPECT_EQ(e[0].kind, PeerEventKind::conflict);
    EXPECT_EQ(e[0].peer.info.addresses, a.addresses);
    ASSERT_TRUE(e[0].peer.twin);
    EXPECT_EQ(e[0].peer.twin->info.addresses, b.addresses);
    // The held update is dropped: nothing comes later.
    EXPECT_TRUE(t.expire(now + 10s + PeerTable::restart_hold).empty());
    EXPECT_TRUE(t.expire(now + 20s).empty());
}

TEST(PeerTable, ARestartsUpdateComesAfterTheHoldWithAllItsChanges) {
    PeerTable t;
    MonoTime now{};
    auto a = sample_info("a"), b = sample_info("b");
    a.addresses = {{4, "10.0.0.2", "eth0"}};
    b.addresses = {{4, "10.0.0.3", "eth0"}};
    t.observe(key(7), 1, a, {4, "10.0.0.2", "eth0"}, now, false);
    EXPECT_TRUE(t.observe(key(7), 2, b, {4, "10.0.0.3", "eth0"}, now + 10s, false).empty());
    // A change heard during the hold joins the held update.
    auto b2 = b;
    b2.meta = {{"k", "v"}};
    EXPECT_TRUE(t.observe(key(7), 2, b2, {4, "10.0.0.3", "eth0"}, now + 11s, false).empty());
    EXPECT_TRUE(t.expire(now + 10s + PeerTable::restart_hold - 1ms).empty());
    auto e = t.expire(now + 10s + PeerTable::restart_hold);
    ASSERT_EQ(e.size(), 1u);
    EXPECT_EQ(e[0].kind, PeerEventKind::update);
    EXPECT_EQ(e[0].changed, (std::vector<std::string>{"name", "addresses", "meta"}));
    EXPECT_EQ(e[0].peer.incarnation, 2u);
    EXPECT_FALSE(e[0].peer.conflict);
    // After the hold, changes are reported at once again.
    e = t.observe(key(7), 2, b, {4, "10.0.0.3", "eth0"}, now + 13s, false);
    ASSERT_EQ(e.size(), 1u);
    EXPECT_EQ(e[0].changed, std::vector<std::string>{"meta"});
    // A goodbye during a hold takes the held update with it.
    t.observe(key(7), 3, a, {4, "10.0.0.2", "eth0"}, now + 30s, false);
    ASSERT_EQ(t.goodbye(key(7), 3, now + 30s + 100ms).size(), 1u);
    EXPECT_TRUE(t.expire(now + 40s).empty());
    EXPECT_FALSE(t.next_expiry());
}

TEST(PeerTable, ACloneKeepsBothMachinesAddressesAndAlternatingIsNoUpdate) {
    PeerTable t;
    MonoTime now{};
    auto a = sample_info("a"), b = sample_info("b");
    a.addresses = {{4, "10.0.0.2", "eth0"}};
    b.addresses = {{4, "10.0.0.3", "eth0"}};
    t.observe(key(5), 1, a, {4, "10.0.0.2", "eth0"}, now, false);
    // Both answer the same query: one conflict event that names both machines, no update.
    auto e = t.observe(key(5), 2, b, {4, "10.0.0.3", "eth0"}, now + 100ms, false);
    ASSERT_EQ(e.size(), 1u);
    EXPECT_EQ(e[0].kind, PeerEventKind::conflict);
    EXPECT_EQ(e[0].peer.info.addresses, b.addresses);
    ASSERT_TRUE(e[0].peer.twin);
    EXPECT_EQ(e[0].peer.twin->incarnation, 1u);
    EXPECT_EQ(e[0].peer.twin->info.addresses, a.addresses);
    // Each speaks again in turn: they swap places, each with its own addresses, and nothing
    // changed (neither a second conflict nor an update).
    EXPECT_TRUE(t.observe(key(5), 1, a, {4, "10.0.0.2", "eth0"}, now + 30s, false).empty());
    const Peer& p = t.peers().begin()->second;
    EXPECT_EQ(p.incarnation, 1u);
    EXPECT_EQ(p.info.addresses, a.addresses);
    EXPECT_EQ(p.twin->info.addresses, b.addresses);
    EXPECT_TRUE(t.observe(key(5), 2, b, {4, "10.0.0.3", "eth0"}, now + 31s, false).empty());
    // A real change of one of them is an update.
    auto b2 = b;
    b2.addresses.push_back({6, "fe80::3", "eth0"});
    e = t.observe(key(5), 2, b2, {4, "10.0.0.3", "eth0"}, now + 32s, false);
    ASSERT_EQ(e.size(), 1u);
    EXPECT_EQ(e[0].changed, std::vector<std::string>{"addresses"});
    // One says goodbye: the other stays, alone.
    EXPECT_TRUE(t.goodbye(key(5), 2, now + 33s).empty());
    ASSERT_EQ(t.size(), 1u);
    EXPECT_EQ(t.peers().begin()->second.incarnation, 1u);
    EXPECT_FALSE(t.peers().begin()->second.twin);
    EXPECT_EQ(t.peers().begin()->second.info.addresses, a.addresses);
    // Then the second goodbye removes the node.
    ASSERT_EQ(t.goodbye(key(5), 1, now + 34s).size(), 1u);
    EXPECT_EQ(t.size(), 0u);
}

TEST(PeerTable, OneKeyFromAHundredThousandSourcesKeepsABoundedList) {
    PeerTable t;
    MonoTime now{};
    std::size_t events = 0;
    for (int i = 0; i < 100'000; ++i) {
        NodeAddress from{4,
                         "10." + std::to_string(i >> 16) + "." + std::to_string((i >> 8) & 255) +
                             "." + std::to_string(i & 255),
                         "eth0"};
        events +=
            t.observe(key(5), 1, sample_info(), from, now + std::chrono::milliseconds(i), false)
                .size();
        ASSERT_LE(t.peers().begin()->second.seen_from.size(), Peer::max_seen_from);
    }
    EXPECT_EQ(events, 1u); // the join; a new source address is no update
    const auto& seen = t.peers().begin()->second.seen_from;
    ASSERT_EQ(seen.size(), Peer::max_seen_from);
    EXPECT_EQ(seen.back().address, "10.1.134.159"); // 99999: the most recent is kept
    // A source heard again moves to the end instead of growing the list.
    auto first = seen.front();
    t.observe(key(5), 1, sample_info(), first, now + 200s, false);
    EXPECT_EQ(t.peers().begin()->second.seen_from.back(), first);
    EXPECT_EQ(t.peers().begin()->second.seen_from.size(), Peer::max_seen_from);
}

TEST(PeerTable, BoundedEvictsTheLeastRecentlyHeard) {
    PeerTable t(3);
    MonoTime now{};
    for (std::uint8_t i = 1; i <= 3; ++i)
        t.observe(key(i), 1, sample_info(), {4, "a", "eth0"}, now + std::chrono::seconds(i), false);
    auto e = t.observe(key(9), 1, sample_info(), {4, "a", "eth0"}, now + 10s, false);
    EXPECT_EQ(t.size(), 3u);
    ASSERT_EQ(e.size(), 2u);
    EXPECT_EQ(e[0].kind, PeerEventKind::leave);
    EXPECT_EQ(e[0].peer.key, key(1));
    EXPECT_EQ(e[1].kind, PeerEventKind::join);
}

TEST(PeerTable, AFloodOfLongLivedFakesEvictsNeitherFriendsNorRealNodes) {
    // A table of 100: a friend, then 100 fake nodes with 24 h lifetimes from 100 sources, then
    // five real nodes (90 s lifetimes) that keep announcing while more fakes arrive.
    PeerTable t(100);
    t.set_protect([](const NodeId& id) { return id == NodeId::of(key(200)); });
    MonoTime now{};
    t.observe(key(200), 1, sample_info(), {4, "10.0.0.200", "eth0"}, now, false);
    auto fake = sample_info();
    fake.lifetime = std::chrono::hours(24);
    auto fake_key = [](int i) {
        PublicKeyBytes k{};
        k[0] = 0xfa;
        k[1] = static_cast<std::uint8_t>(i);
        k[2] = static_cast<std::uint8_t>(i >> 8);
        return k;
    };
    int next_fake = 0;
    auto flood = [&](int n, MonoTime at) {
        for (int i = 0; i < n; ++i, ++next_fake)
            t.observe(fake_key(next_fake), 1, fake,
                      {4, "10.1.0." + std::to_string(next_fake % 250), "eth0"}, at, false);
    };
    flood(100, now + 1s);
    for (int second = 2; second < 60; ++second) {
        for (std::uint8_t r = 1; r <= 5; ++r)
            t.observe(key(r), 1, sample_info(), {4, "10.0.0." + std::to_string(r), "eth0"},
                      now + std::chrono::seconds(second), false);
        flood(20, now + std::chrono::seconds(second) + 500ms);
    }
    EXPECT_EQ(t.size(), 100u);
    EXPECT_EQ(t.peers().count(NodeId::of(key(200))), 1u) << "the friend was evicted";
    for (std::uint8_t r = 1; r <= 5; ++r)
        EXPECT_EQ(t.peers().count(NodeId::of(key(r))), 1u) << "real node " << int(r);
}

TEST(PeerTable, OneSourceBringsAtMostItsShareOfStrangers) {
    PeerTable t;
    MonoTime now{};
    for (int i = 0; i < 1000; ++i) {
        PublicKeyBytes k{};
        k[0] = 0xfb;
        k[1] = static_cast<std::uint8_t>(i);
        k[2] = static_cast<std::uint8_t>(i >> 8);
        t.observe(k, 1, sample_info(), {4, "10.9.9.9", "eth0"}, now, false);
    }
    EXPECT_EQ(t.size(), PeerTable::max_strangers_per_source);
    // Another source is not held back, and a goodbye frees a place.
    EXPECT_EQ(t.observe(key(1), 1, sample_info(), {4, "10.0.0.1", "eth0"}, now, false).size(), 1u);
    auto first = t.peers().begin()->second;
    if (first.seen_from.front().address == "10.9.9.9") {
        t.goodbye(first.key, first.incarnation, now);
        PublicKeyBytes k{};
        k[0] = 0xfc;
        EXPECT_EQ(t.observe(k, 1, sample_info(), {4, "10.9.9.9", "eth0"}, now, false).size(), 1u);
    }
}
