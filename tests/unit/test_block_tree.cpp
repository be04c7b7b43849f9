// The block tree without files: block sizes by file size, hashing in pieces of any length, the
// root from the block hashes alone, and what a fetcher checks (consistency, one block).
#include <mcast/block_tree.hpp>

#include <gtest/gtest.h>

#include <openssl/sha.h>

using namespace mcast;

namespace {

ByteBuffer pattern(std::size_t n) {
    ByteBuffer b(n);
    for (std::size_t i = 0; i < n; ++i)
        b[i] = static_cast<std::uint8_t>((i * 131 + i / 977) & 0xff);
    return b;
}

Manifest hash_in_pieces(const ByteBuffer& data, std::size_t piece) {
    BlockHasher h(data.size());
    for (std::size_t off = 0; off < data.size(); off += piece)
        h.update(ByteView(data).subspan(off, std::min(piece, data.size() - off)));
    auto m = h.finish();
    EXPECT_TRUE(m);
    return *m;
}

} // namespace

TEST(BlockTree, BlockSizeFollowsSyncthing) {
    EXPECT_EQ(block_size_for(0), 128u * 1024);
    EXPECT_EQ(block_size_for(250ull * 1024 * 1024 - 1), 128u * 1024); // < 2000 × 128 KiB
    EXPECT_EQ(block_size_for(250ull * 1024 * 1024), 256u * 1024);     // = 2000 × 128 KiB
    EXPECT_EQ(block_size_for(4ull * 1024 * 1024 * 1024), 4u * 1024 * 1024);
    EXPECT_EQ(block_size_for(32000ull * 1024 * 1024 - 1), 16u * 1024 * 1024);
    EXPECT_EQ(block_size_for(1ull << 50), 16u * 1024 * 1024); // capped
}

TEST(BlockTree, BlockHashesArePlainSha256OfEachBlock) {
    auto data = pattern(3 * 128 * 1024 + 5);
    auto m = hash_in_pieces(data, 4096);
    ASSERT_EQ(m.blocks.size(), 4u);
    EXPECT_EQ(m.block_size, 128u * 1024);
    for (std::size_t i = 0; i < 4; ++i) {
        Digest d;
        SHA256(data.data() + m.block_offset(i), m.block_length(i), d.data());
        EXPECT_EQ(m.blocks[i], d) << i;
    }
    EXPECT_EQ(m.block_length(3), 5u);
}

TEST(BlockTree, PiecesOfAnyLengthGiveOneManifest) {
    auto data = pattern(2 * 128 * 1024 + 77);
    auto whole = hash_in_pieces(data, data.size());
    for (std::size_t piece : {1000u, 128u * 1024, 128u * 1024 + 1, 7u})
        EXPECT_EQ(hash_in_pieces(data, piece), whole) << piece;
}

TEST(BlockTree, RootIsComputableFromTheBlockHashesAlone) {
    auto m = hash_in_pieces(pattern(5 * 128 * 1024), 65536);
    EXPECT_EQ(tree_root(m.size, m.block_size, m.blocks), m.root);
    EXPECT_TRUE(m.consistent());
    // Each input of the root changes it: a block, the order, the size, the block size.
    auto other = m.blocks;
    other[2][0] ^= 1;
    EXPECT_NE(tree_root(m.size, m.block_size, other), m.root);
    other = m.blocks;
    std::swap(other[0], other[1]);
    EXPECT_NE(tree_root(m.size, m.block_size, other), m.root);
    EXPECT_NE(tree_root(m.size - 1, m.block_size, m.blocks), m.root);
    EXPECT_NE(tree_root(m.size, m.block_size * 2, m.blocks), m.root);
}

TEST(BlockTree, KnownRootsStayPut) {
    // Fixed answers, so that a change of the construction (docs/protocol.md 13.1) is seen.
    auto empty = BlockHasher(0).finish();
    ASSERT_TRUE(empty);
    EXPECT_TRUE(empty->blocks.empty());
    EXPECT_TRUE(empty->consistent());
    Digest a{}, b{}, c{};
    a.fill(0xaa);
    b.fill(0xbb);
    c.fill(0xcc);
    // Three leaves split as RFC 6962 does: ((a, b), c).
    auto three = tree_root(3 * 128 * 1024, 128 * 1024, {a, b, c});
    auto manual = [&] {
        auto node = [](const Digest& l, const Digest& r) {
            ByteBuffer m{0x01};
            m.insert(m.end(), l.begin(), l.end());
            m.insert(m.end(), r.begin(), r.end());
            return sha256(m);
        };
        auto top = node(node(a, b), c);
        const std::string_view prefix = "mcast-tree-v1";
        ByteBuffer m;
        m.reserve(prefix.size() + 1 + 8 + 4 + top.size()); // (and GCC 12 sees no overflow)
        m.insert(m.end(), prefix.begin(), prefix.end());
        m.push_back(0);
        for (int i = 7; i >= 0; --i)
            m.push_back(static_cast<std::uint8_t>((3ull * 128 * 1024) >> (8 * i)));
        for (int i = 3; i >= 0; --i)
            m.push_back(static_cast<std::uint8_t>((128u * 1024) >> (8 * i)));
        m.insert(m.end(), top.begin(), top.end());
        return sha256(m);
    }();
    EXPECT_EQ(three, manual);
}

TEST(BlockTree, ABlockIsVerifiedOnItsOwn) {
    auto data = pattern(2 * 128 * 1024 + 10);
    auto m = hash_in_pieces(data, 8192);
    ByteView v(data);
    EXPECT_TRUE(m.verify_block(0, v.subspan(0, 128 * 1024)));
    EXPECT_TRUE(m.verify_block(2, v.subspan(2 * 128 * 1024)));
    EXPECT_FALSE(m.verify_block(1, v.subspan(0, 128 * 1024)));     // another block's bytes
    EXPECT_FALSE(m.verify_block(2, v.subspan(2 * 128 * 1024, 9))); // short
    EXPECT_FALSE(m.verify_block(3, v.subspan(0, 1)));              // no such block
    auto bad = data;
    bad[128 * 1024 + 5] ^= 0x40;
    EXPECT_FALSE(m.verify_block(1, ByteView(bad).subspan(128 * 1024, 128 * 1024)));
}

TEST(BlockTree, InconsistentManifestsAreRefused) {
    auto m = hash_in_pieces(pattern(300000), 300000);
    auto x = m;
    x.blocks.pop_back();
    EXPECT_FALSE(x.consistent()); // count does not fit the size
    x = m;
    x.root[0] ^= 1;
    EXPECT_FALSE(x.consistent());
    x = m;
    x.block_size = 100000; // not a power of two
    EXPECT_FALSE(x.consistent());
}

TEST(BlockTree, AFileThatChangedLengthWhileReadIsNoManifest) {
    BlockHasher shorter(1000);
    shorter.update(ByteView(pattern(999)));
    EXPECT_FALSE(shorter.finish());
    BlockHasher longer(1000);
    longer.update(ByteView(pattern(1001)));
    EXPECT_FALSE(longer.finish());
}

TEST(BlockTree, DigestHexRoundTrips) {
    auto d = sha256(ByteView(pattern(10)));
    EXPECT_EQ(digest_from_hex(digest_hex(d)), d);
    EXPECT_FALSE(digest_from_hex("abc"));
}
