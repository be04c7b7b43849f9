// The failure ration: forgeries from one source, or from many, stop being verified once their
// buckets are empty, whatever keys they claim; keys that verified before keep being served;
// buckets refill with time; a fast honest sender never spends.
#include "protocol/failure_limiter.hpp"
#include "protocol/receiver.hpp"
#include "protocol/sender.hpp"

#include <gtest/gtest.h>

#include <cstring>

using namespace mcast;
using namespace std::chrono_literals;

namespace {

PublicKeyBytes key(std::uint32_t n) {
    PublicKeyBytes k{};
    std::memcpy(k.data(), &n, sizeof n);
    return k;
}

} // namespace

TEST(FailureLimiter, OneSourceRandomKeysIsCutOffButKnownKeysAreServed) {
    FailureLimitConfig cfg;
    cfg.burst = 10;
    cfg.refill_per_second = 2;
    FailureLimiter f(cfg);
    MonoTime now{};
    int allowed = 0;
    for (std::uint32_t i = 0; i < 50; ++i) {
        if (f.allow(7, key(i), false, now)) {
            ++allowed;
            f.failed(7, key(i), now);
        }
    }
    EXPECT_EQ(allowed, 10);
    EXPECT_FALSE(f.allow(7, key(999), false, now));
    EXPECT_TRUE(f.allow(7, key(1000), true, now));      // a key that verified before
    EXPECT_TRUE(f.allow(8, key(999), false, now));      // another source
    EXPECT_TRUE(f.allow(7, key(999), false, now + 1s)); // refilled: 2 per second
}

TEST(FailureLimiter, ManySourcesDrainTheGlobalBucket) {
    FailureLimitConfig cfg;
    cfg.global_burst = 100;
    cfg.global_refill_per_second = 0;
    FailureLimiter f(cfg);
    MonoTime now{};
    for (std::uint64_t s = 0; s < 100; ++s) {
        ASSERT_TRUE(f.allow(s, key(1), false, now));
        f.failed(s, key(1), now);
    }
    EXPECT_FALSE(f.allow(5000, key(2), false, now)); // a fresh source, an unknown key
    EXPECT_TRUE(f.allow(5000, key(3), true, now));   // a known key still goes through
}

TEST(FailureLimiter, ForgeriesUnderFiveHundredKnownKeysCostOneSourceBucket) {
    // Each key verified once here; one source then forges under all of them, ten each. Before,
    // every key's own pair bucket let all of them through (5000 verifications at once).
    FailureLimiter f;
    MonoTime now{};
    int allowed = 0;
    for (int round = 0; round < 10; ++round)
        for (std::uint32_t k = 0; k < 500; ++k)
            if (f.allow(7, key(k), true, now)) {
                ++allowed;
                f.failed(7, key(k), now, true);
            }
    EXPECT_EQ(allowed, 100); // the default burst of one source
    // A second later, the source's refill only.
    allowed = 0;
    for (std::uint32_t k = 0; k < 500; ++k)
        if (f.allow(7, key(k), true, now + 1s)) {
            ++allowed;
            f.failed(7, key(k), now + 1s, true);
        }
    EXPECT_EQ(allowed, 20);
    // Another source claiming the same known keys has its own bucket (a real sender there).
    EXPECT_TRUE(f.allow(8, key(3), true, now + 1s));
    // And forgeries under unknown keys from source 7 left its bucket for them untouched.
    EXPECT_TRUE(f.allow(7, key(9999), false, now + 1s));
}

TEST(FailureLimiter, APairThatTakesOverAUsedSlotKeepsItsTokens) {
    // One slot: every pair and every source collides. Draining it with one pair must not
    // leave a full bucket for the next pair that lands there.
    FailureLimitConfig cfg;
    cfg.slots = 1;
    cfg.burst = 10;
    cfg.refill_per_second = 1;
    FailureLimiter f(cfg);
    MonoTime now{};
    int allowed = 0;
    for (int i = 0; i < 50; ++i)
        if (f.allow(7, key(1), true, now)) {
            ++allowed;
            f.failed(7, key(1), now, true);
        }
    EXPECT_EQ(allowed, 10);
    for (std::uint32_t k = 2; k < 100; ++k) // new pairs from new sources, all in that slot
        EXPECT_FALSE(f.allow(k, key(k), true, now)) << k;
    EXPECT_TRUE(f.allow(5, key(5), true, now + 1s)); // refilled by one
}

TEST(Receiver, ForgeryFloodIsRationedAndARealSenderStillGetsThrough) {
    std::array<std::uint8_t, 32> me{}, real{};
    me.fill(1);
    real.fill(2);
    Receiver r(Identity::from_seed(me).public_key(), 1);
    auto real_id = Identity::from_seed(real);
    Sender honest(real_id, 5);
    MonoTime now{};
    ASSERT_FALSE(r.ingest(honest.seal(1, "t", {"hello"}, 1), now, 42).dropped); // now known
    // 500 forgeries claiming fresh keys, from the real sender's address.
    for (int i = 0; i < 500; ++i) {
        auto forger = Identity::generate();
        Sender s(forger, 9);
        auto d = s.seal(1, "t", {"x"}, 1);
        d.back() ^= 1;
        r.ingest(d, now, 42);
    }
    EXPECT_EQ(r.counters()[DropReason::bad_signature], 100u); // the default burst
    EXPECT_EQ(r.counters()[DropReason::rate_limited], 400u);
    EXPECT_FALSE(r.ingest(honest.seal(1, "t", {"still here"}, 1), now, 42).dropped);
}

TEST(Receiver, AFastHonestSenderNeverSpends) {
    std::array<std::uint8_t, 32> me{}, real{};
    me.fill(3);
    real.fill(4);
    Receiver r(Identity::from_seed(me).public_key(), 1);
    auto real_id = Identity::from_seed(real);
    Sender honest(real_id, 5);
    MonoTime now{};
    for (int i = 0; i < 3000; ++i)
        ASSERT_FALSE(r.ingest(honest.seal(1, "t", {}, 1), now, 1).dropped);
    EXPECT_EQ(r.counters()[DropReason::rate_limited], 0u);
}

#include "protocol/fair_share.hpp"

TEST(FairShare, EveryoneIsVerifiedUntilTheReceiverFallsBehind) {
    FairShare f;
    MonoTime now{};
    for (int i = 0; i < 10000; ++i)
        ASSERT_TRUE(f.admit(1, std::chrono::milliseconds(1), now));
}

TEST(FairShare, UnderOverloadAHeavySourceYieldsToALightOne) {
    FairShare f;
    MonoTime now{};
    auto behind = std::chrono::milliseconds(50);
    int heavy_admitted = 0, light_admitted = 0;
    for (int i = 0; i < 10000; ++i) {
        heavy_admitted += f.admit(1, behind, now);
        if (i % 100 == 0) light_admitted += f.admit(2, behind, now);
    }
    EXPECT_EQ(light_admitted, 100); // the light source is never refused
    EXPECT_LT(heavy_admitted, 10000);
    // A new window starts everyone afresh.
    EXPECT_TRUE(f.admit(1, behind, now + std::chrono::seconds(1)));
}

TEST(FairShare, SlotsAreKeyedPerProcessSoNobodyCanChooseACollision) {
    // Two slots, two sources. When they share a slot they are counted as one and the heavy
    // one is never held back; apart, it is. With a per-instance seed which happens differs
    // from instance to instance (32 alike by chance: 2^-31); with an unkeyed hash, never.
    FairShareConfig cfg;
    cfg.slots = 2;
    int apart = 0;
    for (int instance = 0; instance < 32; ++instance) {
        FairShare f(cfg);
        MonoTime now{};
        auto behind = std::chrono::milliseconds(50);
        int heavy = 0;
        for (int i = 0; i < 1000; ++i) {
            heavy += f.admit(1, behind, now);
            if (i % 100 == 0) f.admit(2, behind, now);
        }
        apart += heavy < 1000;
    }
    EXPECT_GT(apart, 0);
    EXPECT_LT(apart, 32);
}
