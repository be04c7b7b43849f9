// The transfer layer's sans-IO pieces: the verified-block map and its sidecar codec, the range
// plan across holders, the connection bounds, what the server is serving now, and its pace
// under weather advice (an injected clock).
#include "transfer/block_map.hpp"
#include "transfer/connection_slots.hpp"
#include "transfer/range_plan.hpp"
#include "transfer/send_pacer.hpp"
#include "transfer/serve_table.hpp"

#include <gtest/gtest.h>

#include <set>

using namespace mcast::share;

namespace {

// A manifest of made-up block hashes (BlockMap looks only at the sizes, the count and the root).
mcast::Manifest manifest_of(std::uint64_t size, std::uint32_t block_size) {
    mcast::Manifest m;
    m.size = size;
    m.block_size = block_size;
    auto n = mcast::block_count(size, block_size);
    for (std::uint64_t i = 0; i < n; ++i) {
        mcast::Digest h{};
        h[0] = static_cast<std::uint8_t>(i);
        m.blocks.push_back(h);
    }
    m.root.fill(0xaa);
    return m;
}

} // namespace

TEST(BlockMap, SidecarRoundTrip) {
    auto m = manifest_of(37 * 100, 100);
    BlockMap map(m.blocks.size());
    for (std::size_t i : {0u, 3u, 4u, 35u, 36u})
        map.set(i);
    map.set(3); // twice counts once
    EXPECT_EQ(map.count(), 5u);
    EXPECT_EQ(map.bytes(m), 500u);
    auto text = map.encode(m);
    EXPECT_EQ(text, "mcast-fetch 1\nroot " + mcast::digest_hex(m.root) +
                        "\nsize 3700\nblock-size 100\nverified 9800000018\n");
    auto back = BlockMap::decode(text, m);
    ASSERT_TRUE(back);
    for (std::size_t i = 0; i < m.blocks.size(); ++i)
        EXPECT_EQ(back->has(i), map.has(i)) << i;
}

TEST(BlockMap, BitmapLayout) {
    auto m = manifest_of(9 * 10, 10); // 9 blocks: 3 hex digits
    BlockMap map(9);
    map.set(0);
    map.set(3);
    map.set(8);
    auto text = map.encode(m);
    EXPECT_NE(text.find("\nverified 908\n"), std::string::npos) << text;
}

TEST(BlockMap, RefusesAnotherFilesOrDamagedSidecar) {
    auto m = manifest_of(9 * 10, 10);
    BlockMap map(9);
    map.set(2);
    auto good = map.encode(m);
    ASSERT_TRUE(BlockMap::decode(good, m));

    auto other_root = m;
    other_root.root.fill(0xbb);
    EXPECT_FALSE(BlockMap::decode(good, other_root));
    auto other_size = manifest_of(8 * 10 + 1, 10);
    EXPECT_FALSE(BlockMap::decode(good, other_size));
    auto other_block = manifest_of(9 * 10, 30);
    EXPECT_FALSE(BlockMap::decode(good, other_block));

    auto replace = [&](std::string from, std::string to) {
        auto t = good;
        t.replace(t.find(from), from.size(), to);
        return t;
    };
    EXPECT_FALSE(BlockMap::decode(replace("verified 200", "verified 201"), m)); // past the end
    EXPECT_FALSE(BlockMap::decode(replace("verified 200", "verified 20"), m));  // short
    EXPECT_FALSE(BlockMap::decode(replace("verified 200", "verified 2x0"), m));
    EXPECT_FALSE(BlockMap::decode(replace("verified 200", "verified 2A0"), m));
    EXPECT_FALSE(BlockMap::decode(replace("size 90", "size 090"), m));
    EXPECT_FALSE(BlockMap::decode(replace("mcast-fetch 1", "mcast-fetch 2"), m));
    EXPECT_FALSE(BlockMap::decode(good + "extra\n", m));
    EXPECT_FALSE(BlockMap::decode(good.substr(0, good.size() - 1), m)); // cut short
    EXPECT_FALSE(BlockMap::decode("", m));
}

TEST(RangePlan, SpansCoverEveryMissingBlockOnce) {
    BlockMap done(10);
    done.set(2);
    RangePlan plan(done, 2, 3);
    auto a = plan.next(0);
    auto b = plan.next(1);
    ASSERT_TRUE(a && b);
    EXPECT_EQ(*a, (BlockSpan{0, 2})); // stops at the verified block
    EXPECT_EQ(*b, (BlockSpan{3, 3}));
    EXPECT_FALSE(plan.next(0)); // one span at a time per holder
    for (std::size_t i = 0; i < 2; ++i)
        plan.verified(0, i);
    auto c = plan.next(0);
    ASSERT_TRUE(c);
    EXPECT_EQ(*c, (BlockSpan{6, 3}));
    for (std::size_t i = 3; i < 6; ++i)
        plan.verified(1, i);
    auto d = plan.next(1);
    ASSERT_TRUE(d);
    EXPECT_EQ(*d, (BlockSpan{9, 1}));
    EXPECT_FALSE(plan.done());
    for (std::size_t i = 6; i < 9; ++i)
        plan.verified(0, i);
    plan.verified(1, 9);
    EXPECT_TRUE(plan.done());
    EXPECT_FALSE(plan.next(0));
    EXPECT_THROW(plan.verified(0, 9), std::logic_error);
}

TEST(RangePlan, BadBlockGoesToAnotherHolderAndTheBadHolderIsOut) {
    RangePlan plan(BlockMap(4), 2, 4);
    auto a = plan.next(0);
    ASSERT_TRUE(a);
    EXPECT_EQ(*a, (BlockSpan{0, 4}));
    EXPECT_FALSE(plan.next(1)); // everything is in flight with holder 0
    plan.verified(0, 0);
    plan.bad(0, 1);
    EXPECT_TRUE(plan.holder_bad(0));
    EXPECT_TRUE(plan.holder_out(0));
    EXPECT_FALSE(plan.next(0));
    auto b = plan.next(1);
    ASSERT_TRUE(b);
    EXPECT_EQ(*b, (BlockSpan{1, 3}));
    EXPECT_FALSE(plan.stuck());
    plan.release(1, true); // the good holder vanishes too
    EXPECT_TRUE(plan.stuck());
    EXPECT_EQ(plan.in_flight(), 0u);
    EXPECT_EQ(plan.verified_blocks().count(), 1u);
}

TEST(RangePlan, ReleaseGivesUnfinishedBlocksBack) {
    RangePlan plan(BlockMap(6), 2, 6);
    auto a = plan.next(0);
    ASSERT_TRUE(a);
    plan.verified(0, 0);
    plan.verified(0, 1);
    plan.release(0, false); // the connection ended; the holder may be asked again
    EXPECT_FALSE(plan.holder_out(0));
    EXPECT_EQ(plan.in_flight(), 0u);
    auto b = plan.next(1);
    ASSERT_TRUE(b);
    EXPECT_EQ(*b, (BlockSpan{2, 4}));
}

TEST(RangePlan, AHolderMayBeAskedOneSpanAheadAndReleaseReturnsBoth) {
    // The fetcher asks for the next span while the answer to the last one comes in.
    RangePlan plan(BlockMap(10), 2, 3);
    auto a = plan.next(0);
    ASSERT_TRUE(a);
    EXPECT_FALSE(plan.next(0)); // without `ahead`, still one span at a time
    auto ahead = plan.next(0, true);
    ASSERT_TRUE(ahead);
    EXPECT_EQ(*ahead, (BlockSpan{3, 3})); // the run after the first, not overlapping it
    auto other = plan.next(1);
    ASSERT_TRUE(other);
    EXPECT_EQ(*other, (BlockSpan{6, 3})); // another holder gets neither
    for (std::size_t i = 0; i < 3; ++i)
        plan.verified(0, i);
    EXPECT_FALSE(plan.next(0)); // the span asked ahead is still in flight
    plan.verified(0, 3);
    plan.release(0, false); // the connection failed during the span asked ahead
    EXPECT_EQ(plan.in_flight(), 3u); // only holder 1's span is left in flight
    auto again = plan.next(0);
    ASSERT_TRUE(again);
    EXPECT_EQ(*again, (BlockSpan{4, 2}));
}

TEST(RangePlan, StreamModeFetchesFromTheBlockAskedFor) {
    RangePlan plan(BlockMap(100), 1, 2);
    plan.want(40);
    auto a = plan.next(0);
    ASSERT_TRUE(a);
    EXPECT_EQ(*a, (BlockSpan{40, 2}));
    plan.verified(0, 40);
    plan.verified(0, 41);
    plan.want(98);
    auto b = plan.next(0);
    ASSERT_TRUE(b);
    EXPECT_EQ(*b, (BlockSpan{98, 2}));
    plan.verified(0, 98);
    plan.verified(0, 99);
    auto c = plan.next(0); // past the end: wraps to the first missing block
    ASSERT_TRUE(c);
    EXPECT_EQ(*c, (BlockSpan{0, 2}));
}

TEST(ConnectionSlots, BoundPerPeerAndInTotal) {
    ConnectionSlots slots(2, 3);
    auto a1 = slots.take("a");
    auto a2 = slots.take("a");
    EXPECT_TRUE(a1 && a2);
    EXPECT_FALSE(slots.take("a")); // per peer
    auto b1 = slots.take("b");
    EXPECT_TRUE(b1);
    EXPECT_FALSE(slots.take("c")); // in total
    EXPECT_EQ(slots.used(), 3u);
    a1.reset();
    EXPECT_EQ(slots.used_by("a"), 1u);
    auto c1 = slots.take("c");
    EXPECT_TRUE(c1);
    EXPECT_FALSE(slots.take("a"));
    {
        auto moved = std::move(*c1);
        c1.reset();
        EXPECT_EQ(slots.used(), 3u); // a moved-from slot gives nothing back
    }
    EXPECT_EQ(slots.used(), 2u);
    EXPECT_EQ(slots.used_by("c"), 0u);
}

namespace {

using namespace std::chrono_literals;
const mcast::MonoTime t0{std::chrono::seconds(1000)};

mcast::Digest root_n(std::uint8_t n) {
    mcast::Digest d{};
    d.fill(n);
    return d;
}

mcast::NodeId node_n(std::uint8_t n) {
    mcast::NodeId id;
    id.digest.fill(n);
    return id;
}

} // namespace

TEST(ServeTable, OneStreamPerFileAndClientAcrossKeepAliveRequests) {
    ServeTable t(3s, 2s);
    // A fetcher's Range requests one after another on one connection: one stream.
    for (int i = 0; i < 4; ++i) {
        auto at = t0 + std::chrono::milliseconds(500 * i);
        auto k = t.begin(root_n(1), node_n(7), "10.0.0.7", at);
        t.sent(k, 500'000, at + 100ms);
        t.end(k, at + 200ms);
    }
    // Another client of the same file, without a certificate, and still writing.
    auto k2 = t.begin(root_n(1), std::nullopt, "::ffff:10.0.0.9", t0 + 1s);
    t.sent(k2, 100'000, t0 + 1500ms);

    auto now = t.current(t0 + 2s);
    ASSERT_EQ(now.size(), 2u);
    const mcast::Serving* a = nullptr;
    const mcast::Serving* b = nullptr;
    for (const auto& s : now)
        (s.client.node ? a : b) = &s;
    ASSERT_TRUE(a && b);
    EXPECT_EQ(a->root, root_n(1));
    EXPECT_EQ(*a->client.node, node_n(7));
    EXPECT_EQ(a->client.bytes, 2'000'000u);
    EXPECT_EQ(a->client.age_ms, 2000);
    // 2 MB over the 2 s window: 8 Mbit/s.
    EXPECT_EQ(a->client.rate_bps, 8'000'000u);
    EXPECT_EQ(b->client.address, "10.0.0.9");
    EXPECT_EQ(b->client.bytes, 100'000u);
    EXPECT_EQ(b->client.age_ms, 1000);
    EXPECT_EQ(b->client.rate_bps, 800'000u); // 100 kB over its one second

    // Quiet past the linger: the finished one is gone, the open one stays (rate 0 now).
    now = t.current(t0 + 1700ms + 3s + 1ms);
    ASSERT_EQ(now.size(), 1u);
    EXPECT_EQ(now[0].client.address, "10.0.0.9");
    EXPECT_EQ(now[0].client.rate_bps, 0u);
    t.end(k2, t0 + 5s);
    EXPECT_TRUE(t.current(t0 + 8s + 1ms).empty());

    // The same client again later: a new stream, counted from zero.
    auto k3 = t.begin(root_n(1), node_n(7), "10.0.0.7", t0 + 20s);
    t.sent(k3, 10, t0 + 20s);
    now = t.current(t0 + 20s);
    ASSERT_EQ(now.size(), 1u);
    EXPECT_EQ(now[0].client.bytes, 10u);
    EXPECT_EQ(now[0].client.age_ms, 0);
}

TEST(SendPacer, FullSpeedWhenClearAndTheAdvisedRateWhenYielding) {
    EXPECT_EQ(paced_rate(std::nullopt, 256000), std::nullopt); // no weather: full speed
    EXPECT_EQ(paced_rate(mcast::Advice{}, 256000), std::nullopt);
    mcast::Advice yield{true, 4'000'000, "media-pc live-stream (priority 6)"};
    EXPECT_EQ(paced_rate(yield, 256000), 4'000'000u);
    yield.rate_bps.reset(); // yield, no rate: the floor, never a stop
    EXPECT_EQ(paced_rate(yield, 256000), 256000u);

    SendPacer p(100ms);
    auto now = t0;
    // Clear: never a wait, whatever is written.
    for (int i = 0; i < 100; ++i) {
        EXPECT_EQ(p.wait(now), 0ns);
        p.spent(64 * 1024, now);
    }

    // A sender that writes 64 KiB pieces as fast as the pacer lets it, for `secs`: the bytes it
    // gets out.
    auto run = [&](double secs) {
        std::uint64_t bytes = 0;
        auto end = now + std::chrono::duration_cast<std::chrono::nanoseconds>(
                             std::chrono::duration<double>(secs));
        while (true) {
            now += p.wait(now);
            if (now >= end) break;
            p.spent(64 * 1024, now);
            bytes += 64 * 1024;
        }
        now = end;
        return bytes;
    };
    p.set_rate(8'000'000, now); // 1 MB/s
    auto sent = run(10);
    // 10 s at 1 MB/s, plus the first burst (100 ms, 100 kB) and at most one piece over.
    EXPECT_GE(sent, 10'000'000u);
    EXPECT_LE(sent, 10'000'000u + 100'000 + 2 * 64 * 1024);

    p.set_rate(800'000, now); // a slower advice: 100 kB/s from now on
    sent = run(10);
    EXPECT_GE(sent, 1'000'000u - 64 * 1024);
    EXPECT_LE(sent, 1'000'000u + 2 * 64 * 1024);

    p.set_rate(std::nullopt, now); // the weather cleared: at once full speed
    EXPECT_EQ(p.wait(now), 0ns);
    p.spent(10'000'000, now);
    EXPECT_EQ(p.wait(now), 0ns);

    // After a quiet spell the credit is one burst, not the whole spell.
    p.set_rate(8'000'000, now);
    now += 60s;
    p.spent(64 * 1024, now);
    EXPECT_EQ(p.wait(now), 0ns);
    p.spent(1'000'000, now);
    auto w = p.wait(now);
    EXPECT_GT(w, 900ms); // about a megabyte owed at 1 MB/s
    EXPECT_LT(w, 1100ms);
}
