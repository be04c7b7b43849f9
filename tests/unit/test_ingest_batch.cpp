// Receiver::ingest_batch against ingest() one by one (issue 15, verification on several cores):
// the same mixed traffic (single-signed and batch-signed datagrams of several senders, forged
// signatures and roots, bad paths, duplicates, replays, untrusted and own datagrams) gives the
// same delivered sequence, drop reasons and counters whether its signatures are checked in
// turn, ahead on this thread, or ahead on four; each sender's order is kept; a flood of
// unverified roots costs one verification per root; nothing is checked ahead that its turn
// would not check. And the worker pool runs every task once.
#include "protocol/batcher.hpp"
#include "protocol/merkle.hpp"
#include "protocol/receiver.hpp"
#include "protocol/sender.hpp"
#include "test_keys.hpp"
#include "verify_pool.hpp"
#include <mcast/tuple_codec.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <map>
#include <random>
#include <string>

using namespace mcast;
using namespace std::chrono_literals;

namespace {

using test_keys::key;

constexpr std::int64_t t0 = 1'700'000'000'000'000'000;
constexpr std::uint64_t my_incarnation = 77;

struct Traffic {
    std::vector<ByteBuffer> datagrams;
    std::vector<std::uint64_t> sources;
    void add(ByteBuffer d, std::uint64_t source) {
        datagrams.push_back(std::move(d));
        sources.push_back(source);
    }
};

std::vector<ByteBuffer> batch_of(Sender& s, const Identity& id, std::size_t n,
                                 std::string_view tag) {
    std::vector<ByteBuffer> bodies;
    for (std::size_t i = 0; i < n; ++i)
        bodies.push_back(s.body(1, "bulk", {std::string(tag) + std::to_string(i)}, t0));
    return seal_batch(std::move(bodies), id);
}

std::size_t batch_at(const ByteBuffer& d) {
    auto hp = parse_header(d);
    return static_cast<std::size_t>(hp.parsed.payload.data() + hp.parsed.payload.size() - d.data());
}

// `n` batch-signed datagrams under `victim`'s key, each a batch of one whose root is its own
// leaf, carrying a canonical signature of another root: every path checks, no root verifies.
std::vector<ByteBuffer> forged_roots(const Identity& victim, std::uint64_t incarnation, int n) {
    Sender s(victim, incarnation);
    auto sample = batch_of(s, victim, 2, "f");
    const auto at = batch_at(sample[0]);
    std::vector<ByteBuffer> out;
    for (int i = 0; i < n; ++i) {
        auto d = sample[0];
        d.resize(at + 34);
        d[at] = 1;
        d[at + 1] = 0;
        const std::uint64_t seq = 1000 + static_cast<std::uint64_t>(i);
        for (int b = 0; b < 8; ++b) // the seq, big-endian: a new leaf, a new root
            d[48 + static_cast<std::size_t>(b)] = static_cast<std::uint8_t>(seq >> (56 - 8 * b));
        auto leaf = merkle_leaf(ByteView(d.data(), at + 2));
        std::memcpy(d.data() + at + 2, leaf.data(), 32);
        d.insert(d.end(), sample[0].end() - 64, sample[0].end());
        out.push_back(std::move(d));
    }
    return out;
}

const Identity& me() {
    static auto k = key(1);
    return k;
}
const Identity& untrusted() {
    static auto k = key(5);
    return k;
}

// Every kind of datagram the receive path meets, each sender's own in its sending order, the
// senders interleaved at random (fixed seed), copies of some datagrams later.
Traffic mixed() {
    auto a = key(2), b = key(3), c = key(4);
    Sender sa(a, 11), sb(b, 12), sc(c, 13), su(untrusted(), 14), mine(me(), my_incarnation);
    std::vector<std::vector<std::pair<ByteBuffer, std::uint64_t>>> queues(6);
    for (int i = 0; i < 40; ++i) {
        auto d = sa.seal(1, "chat", {"a" + std::to_string(i)}, t0 + i);
        if (i % 9 == 4) d[60] ^= 1; // a forged signature: the timestamp altered
        queues[0].emplace_back(std::move(d), 1);
    }
    for (std::size_t n : {32u, 20u, 7u, 17u}) {
        auto batch = batch_of(sb, b, n, "b" + std::to_string(n) + "-");
        if (n == 7) batch[0][batch_at(batch[0]) + 40] ^= 1;  // a bad path, first of its root
        if (n == 20) batch[5][batch_at(batch[5]) + 40] ^= 1; // a bad path, root known
        if (n == 17) // the whole batch under a forged root signature: another batch's
            for (auto& d : batch)
                std::memcpy(d.data() + d.size() - 64,
                            queues[1].front().first.data() + queues[1].front().first.size() - 64,
                            64);
        for (auto& d : batch)
            queues[1].emplace_back(std::move(d), 2);
    }
    for (int i = 0; i < 10; ++i)
        queues[2].emplace_back(sc.seal(1, "c", {std::int64_t{i}}, t0 + i), 3);
    for (int i = 0; i < 6; ++i)
        queues[3].emplace_back(su.seal(1, "u", {std::int64_t{i}}, t0 + i), 4);
    for (int i = 0; i < 4; ++i)
        queues[4].emplace_back(mine.seal(1, "own", {std::int64_t{i}}, t0 + i), 5);
    for (auto& d : forged_roots(c, 13, 12)) {
        queues[5].emplace_back(d, 6);
        queues[5].emplace_back(d, 6); // each forged root claimed twice
    }
    std::mt19937 rng(15);
    Traffic t;
    std::vector<std::size_t> at(queues.size());
    std::vector<ByteBuffer> sent;
    for (;;) {
        std::vector<std::size_t> left;
        for (std::size_t q = 0; q < queues.size(); ++q)
            if (at[q] < queues[q].size()) left.push_back(q);
        if (left.empty()) break;
        auto q = left[rng() % left.size()];
        auto& [d, source] = queues[q][at[q]++];
        t.add(d, source);
        sent.push_back(d);
        if (rng() % 8 == 0) t.add(sent[rng() % sent.size()], 7); // a copy, from elsewhere
    }
    // Copies long after (replays, by then) and a few right away (duplicates).
    for (int i = 0; i < 20; ++i)
        t.add(sent[rng() % sent.size()], 8);
    return t;
}

enum class Mode { one_by_one, ahead_inline, ahead_pool };

struct Outcome {
    std::vector<std::string> log; // per datagram: "ok SENDER SEQ VALUES" or "drop REASON"
    DropCounters counters;
    std::uint64_t ahead = 0, wasted = 0;
};

std::string entry(const IngestResult& r) {
    if (r.dropped) return "drop " + std::string(to_string(*r.dropped));
    ByteBuffer values;
    encode_tuple(r.message.values, values);
    return "ok " + r.message.sender_id.short_form() + " " + std::to_string(r.message.header.seq) +
           " " + r.message.header.topic + " " + std::string(values.begin(), values.end());
}

// Feeds `t` to a fresh receiver in wake-ups of `per_read` datagrams, the clock moving `step`
// per wake-up (so that late copies are replays, not duplicates).
Outcome run(const Traffic& t, Mode mode, unsigned threads = 1, std::size_t per_read = 32,
            std::size_t min_signatures = 2, std::chrono::milliseconds step = 400ms) {
    Receiver r(me().public_key(), my_incarnation);
    const auto refused = NodeId::of(untrusted().public_key());
    r.set_accept([refused](const NodeId& id) { return !(id == refused); });
    detail::VerifyPool pool(threads);
    if (mode == Mode::ahead_pool)
        r.set_parallel([&](std::size_t n, const auto& fn) { pool.run(n, fn); }, min_signatures);
    else if (mode == Mode::ahead_inline)
        r.set_parallel({}, min_signatures);
    Outcome out;
    for (std::size_t from = 0, k = 0; from < t.datagrams.size(); from += per_read, ++k) {
        const auto now = MonoTime{} + k * step;
        const auto to = std::min(t.datagrams.size(), from + per_read);
        if (mode == Mode::one_by_one) {
            for (auto i = from; i < to; ++i)
                out.log.push_back(entry(r.ingest(t.datagrams[i], now, t.sources[i])));
            continue;
        }
        std::vector<Arrived> read;
        for (auto i = from; i < to; ++i)
            read.push_back({t.datagrams[i], t.sources[i], {}});
        std::size_t expect = 0;
        r.ingest_batch(read, now, [&](std::size_t i, IngestResult& res) {
            EXPECT_EQ(i, expect++) << "results in arrival order";
            out.log.push_back(entry(res));
            return true;
        });
        EXPECT_EQ(expect, read.size());
    }
    out.counters = r.counters();
    out.ahead = r.checked_ahead();
    out.wasted = r.wasted_ahead();
    return out;
}

void expect_same(const Outcome& a, const Outcome& b, const std::string& what) {
    ASSERT_EQ(a.log.size(), b.log.size()) << what;
    for (std::size_t i = 0; i < a.log.size(); ++i)
        EXPECT_EQ(a.log[i], b.log[i]) << what << ": datagram " << i;
    EXPECT_EQ(a.counters.received, b.counters.received) << what;
    EXPECT_EQ(a.counters.delivered, b.counters.delivered) << what;
    EXPECT_EQ(a.counters.verifications, b.counters.verifications) << what;
    for (std::size_t r = 0; r < drop_reason_count; ++r)
        EXPECT_EQ(a.counters.dropped[r], b.counters.dropped[r])
            << what << ": " << to_string(static_cast<DropReason>(r));
}

} // namespace

TEST(IngestBatch, MixedTrafficGivesTheSameResultsOnOneThreadAndOnFour) {
    const auto t = mixed();
    const auto base = run(t, Mode::one_by_one);
    // The mix holds every case it is meant to.
    const auto& c = base.counters;
    for (auto r :
         {DropReason::bad_signature, DropReason::forged_root, DropReason::bad_path,
          DropReason::duplicate, DropReason::replay, DropReason::untrusted, DropReason::own})
        EXPECT_GT(c[r], 0u) << to_string(r);
    EXPECT_GT(c.delivered, 80u);
    EXPECT_LT(c.verifications, c.delivered) << "batch roots verified once each";

    expect_same(base, run(t, Mode::ahead_inline), "ahead, inline");
    for (int round = 0; round < 5; ++round) {
        auto pooled = run(t, Mode::ahead_pool, 4);
        expect_same(base, pooled, "ahead on 4 threads, round " + std::to_string(round));
        EXPECT_GT(pooled.ahead, 0u) << "the pool was used";
        EXPECT_EQ(pooled.wasted, 0u) << "nothing checked ahead that its turn did not use";
    }
    // Any grouping into reads (the clock moves per read: one by one alike), any threshold.
    expect_same(run(t, Mode::one_by_one, 1, 7), run(t, Mode::ahead_pool, 2, 7, 1),
                "reads of 7, threshold 1");
    expect_same(run(t, Mode::one_by_one, 1, 64), run(t, Mode::ahead_pool, 3, 64, 1),
                "reads of 64, threshold 1");
}

TEST(IngestBatch, EachSendersMessagesComeOutInTheirOrder) {
    const auto t = mixed();
    auto out = run(t, Mode::ahead_pool, 4, 32, 1);
    std::map<std::string, std::uint64_t> last;
    std::size_t delivered = 0;
    for (const auto& e : out.log) {
        if (e.rfind("ok ", 0) != 0) continue;
        ++delivered;
        auto sp = e.find(' ', 3);
        auto sender = e.substr(3, sp - 3);
        auto seq = std::stoull(e.substr(sp + 1));
        EXPECT_GT(seq, last[sender]) << sender << " out of order";
        last[sender] = seq;
    }
    EXPECT_GT(delivered, 80u);
    EXPECT_GE(last.size(), 3u);
}

TEST(IngestBatch, AFloodOfUnverifiedRootsCostsOneVerificationPerRootOnAnyNumberOfThreads) {
    auto victim = key(2);
    Traffic t;
    // One forged root claimed by a whole batch of 32 (the attacker's tree, the victim's key).
    {
        auto attacker = key(6);
        Sender real(victim, 5);
        std::vector<ByteBuffer> bodies;
        for (int i = 0; i < 32; ++i)
            bodies.push_back(real.body(1, "bulk", {"forged"}, t0));
        auto forged = seal_batch(std::move(bodies), attacker);
        for (auto& d : forged)
            std::memcpy(d.data() + 8, victim.public_key().data(), 32);
        std::vector<MerkleHash> leaves;
        for (auto& d : forged)
            leaves.push_back(merkle_leaf(ByteView(d.data(), batch_at(d) + 2)));
        MerkleTree tree(leaves);
        for (std::size_t i = 0; i < forged.size(); ++i) {
            auto at = batch_at(forged[i]);
            std::memcpy(forged[i].data() + at + 2, tree.root().data(), 32);
            auto path = tree.path(i);
            std::memcpy(forged[i].data() + at + 34, path.data(), path.size());
            t.add(forged[i], 9);
        }
    }
    // Then 300 distinct forged roots, each claimed three times: beyond the ration of 100.
    for (auto& d : forged_roots(victim, 7, 300))
        for (int copy = 0; copy < 3; ++copy)
            t.add(d, 9);
    // The clock stands still: no failure is forgiven during the flood.
    const auto base = run(t, Mode::one_by_one, 1, 32, 2, 0ms);
    EXPECT_EQ(base.counters.verifications, 100u) << "one for the batch's root, 99 more, rationed";
    EXPECT_GT(base.counters[DropReason::rate_limited], 0u);
    for (unsigned threads : {1u, 2u, 4u}) {
        auto out = run(t, Mode::ahead_pool, threads, 32, 1, 0ms);
        expect_same(base, out, std::to_string(threads) + " threads");
        EXPECT_LE(out.ahead, out.counters.verifications);
        EXPECT_EQ(out.wasted, 0u) << "no root checked ahead beyond the ration";
    }
}

TEST(VerifyPool, RunsEveryTaskOnceAndReturnsWhenAllHaveRun) {
    for (unsigned threads : {1u, 2u, 4u}) {
        detail::VerifyPool pool(threads);
        EXPECT_EQ(pool.threads(), threads);
        for (std::size_t n : {0u, 1u, 2u, 3u, 64u, 1000u}) {
            for (int round = 0; round < 20; ++round) {
                std::vector<std::atomic<int>> hits(n);
                pool.run(n, [&](std::size_t i) { hits[i].fetch_add(1); });
                for (std::size_t i = 0; i < n; ++i)
                    ASSERT_EQ(hits[i].load(), 1) << threads << " threads, task " << i << "/" << n;
            }
        }
    }
}
