// The transfer layer's sans-IO pieces: the verified-block map and its sidecar codec, the range
// plan across holders, the connection bounds.
#include "transfer/block_map.hpp"
#include "transfer/connection_slots.hpp"
#include "transfer/range_plan.hpp"

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
