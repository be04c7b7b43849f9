// Batch signing without sockets (docs/protocol.md section 3.4): the Merkle tree and its paths,
// the Batcher's closing rules, the bounded root cache, and the receiver's checks of
// batch-signed datagrams: every bit flip, another batch's path, a forged root, a wrong index, a
// truncated path, a replayed datagram, loss of any subset, and floods of unverified roots.
#include "protocol/batcher.hpp"
#include "protocol/merkle.hpp"
#include "protocol/receiver.hpp"
#include "protocol/root_cache.hpp"
#include "protocol/sender.hpp"
#include "test_keys.hpp"

#include <gtest/gtest.h>

#include <cstring>

using namespace mcast;
using namespace std::chrono_literals;

namespace {

using test_keys::key;

constexpr std::int64_t t0 = 1'700'000'000'000'000'000;

// A batch of `n` data messages from `s`, sealed together.
std::vector<ByteBuffer> batch_of(Sender& s, const Identity& id, std::size_t n,
                                 std::string_view tag = "m") {
    std::vector<ByteBuffer> bodies;
    for (std::size_t i = 0; i < n; ++i)
        bodies.push_back(s.body(1, "bulk", {std::string(tag) + std::to_string(i)}, t0));
    return seal_batch(std::move(bodies), id);
}

MerkleHash hash_of(std::uint8_t v) {
    MerkleHash h{};
    h.fill(v);
    return h;
}

// Offsets in a batch-signed datagram: the payload's end, then size, index, root, path, signature.
std::size_t batch_at(const ByteBuffer& d) {
    auto hp = parse_header(d);
    return static_cast<std::size_t>(hp.parsed.payload.data() + hp.parsed.payload.size() - d.data());
}

} // namespace

TEST(Merkle, DepthIsCeilLog2) {
    EXPECT_EQ(merkle_depth(1), 0u);
    EXPECT_EQ(merkle_depth(2), 1u);
    EXPECT_EQ(merkle_depth(3), 2u);
    EXPECT_EQ(merkle_depth(4), 2u);
    EXPECT_EQ(merkle_depth(5), 3u);
    EXPECT_EQ(merkle_depth(17), 5u);
    EXPECT_EQ(merkle_depth(32), 5u);
}

TEST(Merkle, EveryPathOfEveryTreeLeadsToTheRootAndNoOtherLeafDoes) {
    for (std::size_t n = 1; n <= max_batch_size; ++n) {
        std::vector<MerkleHash> leaves;
        for (std::size_t i = 0; i < n; ++i)
            leaves.push_back(merkle_leaf(ByteView(hash_of(static_cast<std::uint8_t>(i)))));
        MerkleTree tree(leaves);
        ASSERT_EQ(tree.depth(), merkle_depth(n));
        for (std::size_t i = 0; i < n; ++i) {
            auto path = tree.path(i);
            ASSERT_EQ(path.size(), 32 * merkle_depth(n));
            EXPECT_EQ(merkle_root_from_path(leaves[i], i, path), tree.root()) << n << " " << i;
            if (n > 1) {
                auto other = (i + 1) % n;
                EXPECT_NE(merkle_root_from_path(leaves[other], i, path), tree.root());
                EXPECT_NE(merkle_root_from_path(leaves[i], other, path), tree.root());
            }
        }
    }
}

TEST(Merkle, LeavesAndNodesAreHashedApart) {
    // A node's two children, taken as one 64-byte leaf, do not hash to the node.
    auto l = hash_of(1), r = hash_of(2);
    ByteBuffer both(l.begin(), l.end());
    both.insert(both.end(), r.begin(), r.end());
    EXPECT_NE(merkle_leaf(both), merkle_node(l, r));
}

TEST(BatchSeal, ABatchOfOneIsAnOrdinarySignedDatagram) {
    auto peer = key(2);
    Sender s(peer, 5);
    auto out = batch_of(s, peer, 1);
    ASSERT_EQ(out.size(), 1u);
    auto d = decode_datagram(out[0]);
    ASSERT_FALSE(d.error);
    EXPECT_EQ(d.header.flags, 0);
    EXPECT_EQ(out[0], encode_datagram(d.header, d.values, peer))
        << "byte for byte as send makes it";
}

TEST(BatchSeal, EachDatagramOfABatchDecodesOnItsOwn) {
    auto peer = key(2);
    Sender s(peer, 5);
    auto out = batch_of(s, peer, 5);
    ASSERT_EQ(out.size(), 5u);
    for (std::size_t i = 0; i < out.size(); ++i) {
        auto hp = parse_header(out[i]);
        ASSERT_FALSE(hp.error);
        ASSERT_TRUE(hp.parsed.batch);
        EXPECT_EQ(hp.parsed.batch->size, 5);
        EXPECT_EQ(hp.parsed.batch->index, i);
        EXPECT_EQ(hp.parsed.batch->path.size(), 3 * 32u);
        EXPECT_EQ(hp.parsed.header.seq, i + 1);
        auto d = decode_datagram(out[i]);
        ASSERT_FALSE(d.error) << to_string(*d.error);
        EXPECT_EQ(d.header.flags, batch_flag);
        EXPECT_EQ(d.values, Tuple{"m" + std::to_string(i)});
    }
}

TEST(Batcher, ClosesWhenFull) {
    auto peer = key(2);
    Sender s(peer, 5);
    Batcher b(peer, {.max_size = 32, .delay = 1ms});
    MonoTime now{};
    EXPECT_FALSE(b.next_wakeup());
    for (int i = 0; i < 31; ++i)
        EXPECT_TRUE(b.add(s.body(1, "t", {i}, t0), now).empty());
    EXPECT_EQ(b.pending(), 31u);
    auto out = b.add(s.body(1, "t", {31}, t0), now);
    ASSERT_EQ(out.size(), 32u);
    EXPECT_EQ(b.pending(), 0u);
    EXPECT_FALSE(b.next_wakeup());
    for (std::size_t i = 0; i < out.size(); ++i)
        EXPECT_EQ(parse_header(out[i]).parsed.header.seq, i + 1) << "in order";
}

TEST(Batcher, ClosesWhenItsFirstDatagramHasWaitedTheDelay) {
    auto peer = key(2);
    Sender s(peer, 5);
    Batcher b(peer, {.max_size = 32, .delay = 1ms});
    MonoTime start{};
    EXPECT_TRUE(b.add(s.body(1, "t", {1}, t0), start).empty());
    ASSERT_TRUE(b.next_wakeup());
    EXPECT_EQ(*b.next_wakeup(), start + 1ms);
    EXPECT_TRUE(b.add(s.body(1, "t", {2}, t0), start + 600us).empty());
    EXPECT_EQ(*b.next_wakeup(), start + 1ms) << "the first datagram's wait sets the bound";
    EXPECT_TRUE(b.wake(start + 999us).empty());
    auto out = b.wake(start + 1ms);
    EXPECT_EQ(out.size(), 2u);
    EXPECT_FALSE(b.next_wakeup());
    // A datagram added after the bound passed (a late timer) closes the batch with it at once.
    EXPECT_TRUE(b.add(s.body(1, "t", {3}, t0), start + 2ms).empty());
    EXPECT_EQ(b.add(s.body(1, "t", {4}, t0), start + 3ms).size(), 2u);
}

TEST(Batcher, DelayZeroSealsEveryDatagramAloneAtOnce) {
    auto peer = key(2);
    Sender s(peer, 5);
    Batcher b(peer, {.max_size = 32, .delay = 0ns});
    for (int i = 0; i < 3; ++i) {
        auto out = b.add(s.body(1, "t", {i}, t0), MonoTime{});
        ASSERT_EQ(out.size(), 1u);
        auto d = decode_datagram(out[0]);
        ASSERT_FALSE(d.error);
        EXPECT_EQ(d.header.flags, 0) << "per-datagram signature, as without batching";
    }
}

TEST(Batcher, FlushClosesNowAndABodyTooLargeGoesAloneAfterTheBatch) {
    auto peer = key(2);
    Sender s(peer, 5);
    Batcher b(peer);
    EXPECT_TRUE(b.add(s.body(1, "t", {1}, t0), MonoTime{}).empty());
    EXPECT_TRUE(b.add(s.body(1, "t", {2}, t0), MonoTime{}).empty());
    // T + P = 100 + 65000: more than the 65061 a full batch's trailer leaves room for.
    auto big = s.body(1, std::string(100, 't'), {std::string(65000 - 9, 'x')}, t0);
    EXPECT_FALSE(fits_in_batch(big.size()));
    auto out = b.add(std::move(big), MonoTime{});
    ASSERT_EQ(out.size(), 3u);
    EXPECT_EQ(parse_header(out[0]).parsed.header.flags, batch_flag);
    EXPECT_EQ(parse_header(out[2]).parsed.header.flags, 0);
    EXPECT_FALSE(decode_datagram(out[2]).error);
    EXPECT_TRUE(b.flush().empty());
    EXPECT_TRUE(b.add(s.body(1, "t", {3}, t0), MonoTime{}).empty());
    EXPECT_EQ(b.flush().size(), 1u);
}

TEST(RootCache, BoundedPerSenderAndInAll) {
    RootCache c({.max_verified = 8, .per_sender = 3, .max_failed = 4});
    auto a = key(1).public_key(), b = key(2).public_key();
    Signature sig{};
    auto root = [](int i) { return hash_of(static_cast<std::uint8_t>(i)); };
    for (int i = 0; i < 5; ++i)
        c.verified(a, root(i).data(), sig.data());
    EXPECT_EQ(c.sender_count(a), 3u) << "a sender's oldest roots go first";
    EXPECT_EQ(c.lookup(a, root(1).data(), sig.data()), RootCache::Verdict::unknown);
    EXPECT_EQ(c.lookup(a, root(4).data(), sig.data()), RootCache::Verdict::verified);
    EXPECT_EQ(c.lookup(b, root(4).data(), sig.data()), RootCache::Verdict::unknown)
        << "per sender key";
    auto other = sig;
    other[0] ^= 1;
    EXPECT_EQ(c.lookup(a, root(4).data(), other.data()), RootCache::Verdict::unknown)
        << "the signature bytes are part of the entry";
    // Eight more senders with one root each: the total stays 8, the oldest root of all out.
    for (int k = 10; k < 18; ++k)
        c.verified(key(static_cast<std::uint8_t>(k)).public_key(), root(k).data(), sig.data());
    EXPECT_EQ(c.verified_count(), 8u);
    EXPECT_EQ(c.sender_count(a), 0u);
    for (int i = 0; i < 10; ++i)
        c.failed(b, root(i).data(), sig.data());
    EXPECT_EQ(c.failed_count(), 4u);
    EXPECT_EQ(c.lookup(b, root(9).data(), sig.data()), RootCache::Verdict::failed);
    EXPECT_EQ(c.lookup(b, root(0).data(), sig.data()), RootCache::Verdict::unknown);
}

TEST(BatchReceiver, OneVerificationForAWholeBatch) {
    auto me = key(1), peer = key(2);
    Receiver r(me.public_key(), 77);
    Sender s(peer, 5);
    auto out = batch_of(s, peer, 32);
    for (std::size_t i = 0; i < out.size(); ++i) {
        auto res = r.ingest(out[i], MonoTime{});
        ASSERT_FALSE(res.dropped) << i << ": " << to_string(*res.dropped);
        EXPECT_EQ(res.message.values, Tuple{"m" + std::to_string(i)});
        EXPECT_EQ(res.message.header.flags, batch_flag);
    }
    EXPECT_EQ(r.verifications(), 1u);
    EXPECT_EQ(r.counters().delivered, 32u);
    // Per-datagram signed ones from the same sender still cost one each.
    EXPECT_FALSE(r.ingest(s.seal(1, "t", {}, t0), MonoTime{}).dropped);
    EXPECT_EQ(r.verifications(), 2u);
}

TEST(BatchReceiver, EverySingleBitFlipIsRejectedWithTheRootKnownOrNot) {
    auto me = key(1), peer = key(2);
    Sender s(peer, 5);
    auto out = batch_of(s, peer, 5);
    const auto& target = out[3];
    for (bool warm : {false, true}) {
        for (std::size_t bit = 0; bit < target.size() * 8; ++bit) {
            Receiver r(me.public_key(), 77);
            if (warm) {
                ASSERT_FALSE(r.ingest(out[0], MonoTime{}).dropped);
            }
            auto d = target;
            d[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
            auto res = r.ingest(d, MonoTime{});
            ASSERT_TRUE(res.dropped) << "bit " << bit << (warm ? " (root verified)" : "");
        }
    }
}

TEST(BatchReceiver, AFlipAfterThePayloadCostsNoVerificationOnceTheRootIsKnown) {
    auto me = key(1), peer = key(2);
    Sender s(peer, 5);
    auto out = batch_of(s, peer, 5);
    const auto at = batch_at(out[3]);
    Receiver r(me.public_key(), 77);
    ASSERT_FALSE(r.ingest(out[0], MonoTime{}).dropped);
    auto d = out[3];
    d[at + 2 + 32 + 5] ^= 0x10; // in the path
    EXPECT_EQ(r.ingest(d, MonoTime{}).dropped, DropReason::bad_path);
    d = out[3];
    d[at - 3] ^= 0x01; // in the payload
    EXPECT_NE(r.ingest(d, MonoTime{}).dropped, std::nullopt);
    d = out[3];
    d[at + 2 + 7] ^= 0x01; // in the root
    EXPECT_EQ(r.ingest(d, MonoTime{}).dropped, DropReason::bad_path);
    EXPECT_EQ(r.verifications(), 1u) << "altered paths are found by hashes alone";
    EXPECT_FALSE(r.ingest(out[3], MonoTime{}).dropped) << "and changed no state";
}

TEST(BatchReceiver, AnotherBatchsPathIsRejected) {
    auto me = key(1), peer = key(2);
    Sender s(peer, 5);
    auto a = batch_of(s, peer, 4, "a"), b = batch_of(s, peer, 4, "b");
    const auto at = batch_at(a[1]);
    const std::size_t trailer = 2 + 32 + 64 + 64; // fields, root, path of 2, signature
    // a[1] with b[1]'s root, path and signature: the leaf is not in b's tree.
    auto mixed = a[1];
    std::memcpy(mixed.data() + at + 2, b[1].data() + batch_at(b[1]) + 2, trailer - 2);
    Receiver r(me.public_key(), 77);
    EXPECT_FALSE(r.ingest(b[0], MonoTime{}).dropped);
    EXPECT_EQ(r.ingest(mixed, MonoTime{}).dropped, DropReason::bad_path);
    // a[1] with only b[1]'s path: its leaf and b's path do not make a's root.
    auto path_only = a[1];
    std::memcpy(path_only.data() + at + 34, b[1].data() + batch_at(b[1]) + 34, 64);
    EXPECT_EQ(r.ingest(path_only, MonoTime{}).dropped, DropReason::bad_path);
    EXPECT_EQ(r.verifications(), 1u);
    EXPECT_FALSE(r.ingest(a[1], MonoTime{}).dropped);
}

TEST(BatchReceiver, WrongIndexIsRejected) {
    auto me = key(1), peer = key(2);
    Sender s(peer, 5);
    auto out = batch_of(s, peer, 5);
    const auto at = batch_at(out[2]);
    Receiver r(me.public_key(), 77);
    auto d = out[2];
    d[at + 1] = 5; // not below the size
    EXPECT_EQ(r.ingest(d, MonoTime{}).dropped, DropReason::bad_index);
    d[at + 1] = 255;
    EXPECT_EQ(r.ingest(d, MonoTime{}).dropped, DropReason::bad_index);
    d[at + 1] = 3; // in range, but the leaf covers the index: the path leads elsewhere
    EXPECT_EQ(r.ingest(d, MonoTime{}).dropped, DropReason::bad_path);
    EXPECT_EQ(r.verifications(), 0u);
    EXPECT_EQ(r.counters()[DropReason::bad_index], 2u);
}

TEST(BatchReceiver, MalformedBatchFieldsAndTruncatedPathsAreRejected) {
    auto me = key(1), peer = key(2);
    Sender s(peer, 5);
    auto out = batch_of(s, peer, 5);
    const auto at = batch_at(out[2]);
    Receiver r(me.public_key(), 77);
    auto d = out[2];
    d[at] = 0;
    EXPECT_EQ(r.ingest(d, MonoTime{}).dropped, DropReason::bad_batch);
    d[at] = 33;
    EXPECT_EQ(r.ingest(d, MonoTime{}).dropped, DropReason::bad_batch);
    d[at] = 4; // a path of 2 hashes expected, 3 carried
    EXPECT_EQ(r.ingest(d, MonoTime{}).dropped, DropReason::bad_batch);
    d[at] = 9; // 4 expected
    EXPECT_EQ(r.ingest(d, MonoTime{}).dropped, DropReason::bad_batch);
    // The last path hash cut out.
    d = out[2];
    d.erase(d.end() - 64 - 32, d.end() - 64);
    EXPECT_EQ(r.ingest(d, MonoTime{}).dropped, DropReason::bad_batch);
    // Cut inside the root: the batch fields do not fit.
    d = out[2];
    d.resize(at + 2 + 20);
    d.insert(d.end(), 64, 0x01);
    EXPECT_EQ(r.ingest(d, MonoTime{}).dropped, DropReason::bad_length);
    // The batch flag cleared: a per-datagram datagram whose lengths do not add up.
    d = out[2];
    d[7] &= static_cast<std::uint8_t>(~batch_flag);
    EXPECT_EQ(r.ingest(d, MonoTime{}).dropped, DropReason::bad_length);
    EXPECT_EQ(r.verifications(), 0u);
    EXPECT_FALSE(r.ingest(out[2], MonoTime{}).dropped);
}

TEST(BatchReceiver, AForgedRootIsRejectedAndVerifiedOnlyOnce) {
    auto me = key(1), peer = key(2), attacker = key(3);
    Sender real(peer, 5);
    // The attacker builds a batch under the peer's key but signs the root with its own key.
    std::vector<ByteBuffer> bodies;
    for (int i = 0; i < 8; ++i)
        bodies.push_back(real.body(1, "bulk", {"forged"}, t0));
    auto forged = seal_batch(std::move(bodies), attacker);
    for (auto& d : forged) // the attacker's key replaced by the peer's, as a forger would
        std::memcpy(d.data() + 8, peer.public_key().data(), 32);
    // Rebuilding the tree over the changed leaves: the path checks, the signature cannot.
    std::vector<ByteBuffer> leaves;
    for (auto& d : forged)
        leaves.emplace_back(d.begin(), d.begin() + static_cast<std::ptrdiff_t>(batch_at(d) + 2));
    std::vector<MerkleHash> hashes;
    for (auto& l : leaves)
        hashes.push_back(merkle_leaf(l));
    MerkleTree tree(hashes);
    for (std::size_t i = 0; i < forged.size(); ++i) {
        auto& d = forged[i];
        auto at = batch_at(d);
        std::memcpy(d.data() + at + 2, tree.root().data(), 32);
        auto path = tree.path(i);
        std::memcpy(d.data() + at + 34, path.data(), path.size());
    }
    Receiver r(me.public_key(), 77);
    for (auto& d : forged)
        EXPECT_EQ(r.ingest(d, MonoTime{}, 42).dropped, DropReason::forged_root);
    EXPECT_EQ(r.verifications(), 1u) << "one verification for the forged root";
    EXPECT_EQ(r.counters()[DropReason::forged_root], forged.size());
    // The real sender is not hurt.
    Sender s(peer, 6);
    for (auto& d : batch_of(s, peer, 4))
        EXPECT_FALSE(r.ingest(d, MonoTime{}, 7).dropped);
}

TEST(BatchReceiver, AFloodOfUnverifiedRootsCostsOneVerificationEachAndIsRationed) {
    auto me = key(1), peer = key(2);
    Receiver r(me.public_key(), 77);
    Sender s(peer, 5);
    auto sample = batch_of(s, peer, 2);
    const auto at = batch_at(sample[0]);
    // Each forged datagram: a batch of one (no path) whose root is its own leaf, a random
    // signature: every path checks, every root is new and none verifies.
    std::uint64_t sent = 0;
    for (int i = 0; i < 1000; ++i) {
        auto d = sample[0];
        d.resize(at + 34);
        d[at] = 1;
        d[at + 1] = 0;
        d[59] = static_cast<std::uint8_t>(i); // the timestamp: a new leaf, a new root
        d[58] = static_cast<std::uint8_t>(i >> 8);
        std::memcpy(d.data() + 48, &i, sizeof i); // a new seq (not a duplicate)
        d[55] |= 1;
        auto leaf = merkle_leaf(ByteView(d.data(), at + 2));
        std::memcpy(d.data() + at + 2, leaf.data(), 32);
        auto sig = sample[0].end() - 64; // a valid-looking (canonical) signature of another root
        d.insert(d.end(), sig, sample[0].end());
        for (int copy = 0; copy < 3; ++copy) { // each root claimed three times
            auto res = r.ingest(d, MonoTime{}, 99);
            ASSERT_TRUE(res.dropped);
            ++sent;
        }
    }
    EXPECT_EQ(r.counters().received, sent);
    EXPECT_LE(r.verifications(), 1000u) << "never more than one per distinct root";
    // The ration of forgeries applies: 100 failures at once from one source, then rationed.
    EXPECT_EQ(r.verifications(), 100u);
    EXPECT_EQ(r.counters()[DropReason::forged_root], 100u * 3);
    EXPECT_GT(r.counters()[DropReason::rate_limited], 0u);
    // A real batch from another source still gets through (its key never failed there).
    Sender real(peer, 8);
    for (auto& d : batch_of(real, peer, 4))
        EXPECT_FALSE(r.ingest(d, MonoTime{}, 5).dropped);
}

TEST(BatchReceiver, AReplayedDatagramOfAVerifiedBatchIsRejected) {
    auto me = key(1), peer = key(2);
    Receiver r(me.public_key(), 77);
    Sender s(peer, 5);
    auto out = batch_of(s, peer, 6);
    for (auto& d : out)
        ASSERT_FALSE(r.ingest(d, MonoTime{}).dropped);
    EXPECT_EQ(r.ingest(out[4], MonoTime{} + 1ms).dropped, DropReason::duplicate);
    EXPECT_EQ(r.ingest(out[4], MonoTime{} + 10s).dropped, DropReason::replay);
    EXPECT_EQ(r.verifications(), 1u);
}

TEST(BatchReceiver, LossOfAnySubsetLeavesTheRestVerifiable) {
    auto me = key(1), peer = key(2);
    Sender s(peer, 5);
    auto out = batch_of(s, peer, 7);
    for (unsigned mask = 0; mask < (1u << out.size()); ++mask) {
        Receiver r(me.public_key(), 77);
        std::size_t got = 0;
        for (std::size_t i = out.size(); i-- > 0;) { // backwards: order does not matter either
            if (!(mask & (1u << i))) continue;       // lost
            auto res = r.ingest(out[i], MonoTime{});
            ASSERT_FALSE(res.dropped) << "mask " << mask << " datagram " << i;
            ++got;
        }
        EXPECT_EQ(r.counters().delivered, got);
        EXPECT_EQ(r.verifications(), got ? 1u : 0u);
    }
}

TEST(BatchReceiver, BatchAndDatagramSignaturesAreNeverInterchangeable) {
    auto me = key(1), peer = key(2);
    Sender s(peer, 5);
    // A batch of one: its root is its leaf. The batch signature moved onto the same body as a
    // per-datagram datagram does not verify, since the messages' domains differ.
    std::vector<ByteBuffer> one;
    one.push_back(s.body(1, "t", {"x"}, t0));
    auto body = one[0];
    body[7] |= static_cast<std::uint8_t>(batch_flag);
    body.push_back(1);
    body.push_back(0);
    auto leaf = merkle_leaf(body);
    auto root_sig = peer.sign(ByteView(batch_root_message(1, leaf.data())));
    auto batched = body;
    batched.insert(batched.end(), leaf.begin(), leaf.end());
    batched.insert(batched.end(), root_sig.begin(), root_sig.end());
    Receiver r(me.public_key(), 77);
    ASSERT_FALSE(r.ingest(batched, MonoTime{}).dropped) << "a well-made batch of one is valid";

    auto single = seal_batch(std::move(one), peer)[0]; // the same body, per-datagram signed
    auto swapped = single;
    std::memcpy(swapped.data() + swapped.size() - 64, root_sig.data(), 64);
    Receiver r2(me.public_key(), 77);
    EXPECT_EQ(r2.ingest(swapped, MonoTime{}).dropped, DropReason::bad_signature);
    // And the datagram's signature carried as a batch root's does not verify either.
    auto other = batched;
    std::memcpy(other.data() + other.size() - 64, single.data() + single.size() - 64, 64);
    Receiver r3(me.public_key(), 77);
    EXPECT_EQ(r3.ingest(other, MonoTime{}).dropped, DropReason::forged_root);
}

TEST(BatchReceiver, UntrustedSendersCostNoVerification) {
    auto me = key(1), peer = key(2);
    Receiver r(me.public_key(), 77);
    r.set_accept([](const NodeId&) { return false; });
    Sender s(peer, 5);
    for (auto& d : batch_of(s, peer, 8))
        EXPECT_EQ(r.ingest(d, MonoTime{}).dropped, DropReason::untrusted);
    EXPECT_EQ(r.verifications(), 0u);
}

TEST(BatchReceiver, AnUnknownCriticalFlagBesideTheBatchFlagIsStillRefused) {
    auto peer = key(2);
    Sender s(peer, 5);
    auto d = batch_of(s, peer, 2)[0];
    d[7] |= 0x02;
    EXPECT_EQ(parse_header(d).error, DropReason::bad_flags);
}
