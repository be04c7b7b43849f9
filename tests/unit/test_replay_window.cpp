// Replay window semantics of docs/protocol.md section 6.1, driven with an explicit clock.
#include "protocol/replay_window.hpp"

#include <gtest/gtest.h>

#include <cstring>

using namespace mcast;
using namespace std::chrono_literals;

namespace {

PublicKeyBytes key(std::uint8_t b) {
    PublicKeyBytes k{};
    k.fill(b);
    return k;
}

constexpr std::int64_t sec = 1'000'000'000;

struct Clocked {
    explicit Clocked(ReplayConfig cfg = {}) : w(cfg) {}
    ReplayWindow w;
    MonoTime now{};
    ReplayVerdict offer(const PublicKeyBytes& k, std::uint64_t inc, std::uint64_t seq,
                        std::int64_t ts = 100 * sec) {
        auto v = w.check(k, inc, seq, ts, now);
        if (v == ReplayVerdict::fresh) w.accept(k, inc, seq, ts, now);
        return v;
    }
};

} // namespace

TEST(ReplayWindow, NewSequencesAcceptedOnce) {
    Clocked c;
    auto k = key(1);
    EXPECT_EQ(c.offer(k, 1, 1), ReplayVerdict::fresh);
    EXPECT_EQ(c.offer(k, 1, 2), ReplayVerdict::fresh);
    EXPECT_EQ(c.offer(k, 1, 2), ReplayVerdict::duplicate);
    c.now += 3s;
    EXPECT_EQ(c.offer(k, 1, 2), ReplayVerdict::replay);
}

TEST(ReplayWindow, OutOfOrderInsideTheWindow) {
    Clocked c;
    auto k = key(2);
    EXPECT_EQ(c.offer(k, 1, 10), ReplayVerdict::fresh);
    EXPECT_EQ(c.offer(k, 1, 5), ReplayVerdict::fresh);
    EXPECT_EQ(c.offer(k, 1, 7), ReplayVerdict::fresh);
    EXPECT_EQ(c.offer(k, 1, 5), ReplayVerdict::duplicate);
    EXPECT_EQ(c.offer(k, 1, 6), ReplayVerdict::fresh);
}

TEST(ReplayWindow, TheOtherFamilysCopiesOfALongRunAreDuplicates) {
    // A receiver that reads one family's backlog of a burst before the other's sees each second
    // copy up to 255 datagrams behind the highest accepted: still a duplicate (within 2 s), as the
    // copies 256 behind, whose time of acceptance is no longer kept, are replays.
    Clocked c;
    auto k = key(9);
    for (std::uint64_t seq = 1; seq <= 300; ++seq)
        ASSERT_EQ(c.offer(k, 1, seq), ReplayVerdict::fresh);
    c.now += 2s;
    EXPECT_EQ(c.offer(k, 1, 300 - 255), ReplayVerdict::duplicate);
    EXPECT_EQ(c.offer(k, 1, 300), ReplayVerdict::duplicate);
    EXPECT_EQ(c.offer(k, 1, 300 - 256), ReplayVerdict::replay);
    c.now += 1ns;
    EXPECT_EQ(c.offer(k, 1, 300), ReplayVerdict::replay);
}

TEST(ReplayWindow, TooOldIsReplay) {
    Clocked c;
    auto k = key(3);
    EXPECT_EQ(c.offer(k, 1, 5000), ReplayVerdict::fresh);
    EXPECT_EQ(c.offer(k, 1, 5000 - ReplayWindow::window_size + 1), ReplayVerdict::fresh);
    EXPECT_EQ(c.offer(k, 1, 5000 - ReplayWindow::window_size), ReplayVerdict::replay);
}

TEST(ReplayWindow, LargeJumpClearsTheWindow) {
    Clocked c;
    auto k = key(4);
    c.offer(k, 1, 1);
    EXPECT_EQ(c.offer(k, 1, 100000), ReplayVerdict::fresh);
    EXPECT_EQ(c.offer(k, 1, 99999), ReplayVerdict::fresh);
}

TEST(ReplayWindow, OnlyAcceptChangesState) {
    // A datagram that is checked but never accepted (it failed verification) leaves no trace:
    // the same seq, a higher seq and a new incarnation are all still fresh afterwards.
    Clocked c;
    auto k = key(5);
    c.offer(k, 1, 10, 100 * sec);
    EXPECT_EQ(c.w.check(k, 1, 11, 100 * sec, c.now), ReplayVerdict::fresh);
    EXPECT_EQ(c.w.check(k, 1, 5000, 900 * sec, c.now),
              ReplayVerdict::fresh); // forged, not accepted
    EXPECT_EQ(c.w.check(k, 2, 1, 900 * sec, c.now), ReplayVerdict::fresh);
    // Had the forged seq 5000 / timestamp 900 s been recorded, these would now be replays:
    EXPECT_EQ(c.offer(k, 1, 11, 100 * sec), ReplayVerdict::fresh);
    EXPECT_EQ(c.offer(k, 3, 1, 101 * sec), ReplayVerdict::fresh);
}

TEST(ReplayWindow, RestartWithNewIncarnationAccepted) {
    Clocked c;
    auto k = key(6);
    EXPECT_EQ(c.offer(k, 1, 50, 100 * sec), ReplayVerdict::fresh);
    EXPECT_EQ(c.offer(k, 2, 1, 101 * sec), ReplayVerdict::fresh);
    // the old incarnation is still tracked: its window still works
    EXPECT_EQ(c.offer(k, 1, 51, 102 * sec), ReplayVerdict::fresh);
}

TEST(ReplayWindow, OldIncarnationReplayRejected) {
    Clocked c;
    auto k = key(7);
    EXPECT_EQ(c.offer(k, 9, 1, 200 * sec), ReplayVerdict::fresh);
    // an incarnation never seen, 10 s older than the newest: a replay of an old run
    EXPECT_EQ(c.offer(k, 8, 3, 190 * sec), ReplayVerdict::replay);
    // within the 5 s tolerance: accepted (clock jitter between restarts)
    EXPECT_EQ(c.offer(k, 10, 1, 196 * sec), ReplayVerdict::fresh);
}

TEST(ReplayWindow, AtMostFourIncarnationsPerKeyLeastRecentlyUsedEvicted) {
    Clocked c;
    auto k = key(8);
    for (std::uint64_t inc = 1; inc <= 4; ++inc) {
        c.now += 1s;
        EXPECT_EQ(c.offer(k, inc, 5, 100 * sec), ReplayVerdict::fresh);
    }
    c.now += 1s;
    EXPECT_EQ(c.offer(k, 1, 6, 100 * sec), ReplayVerdict::fresh); // 1 is now the most recent
    c.now += 1s;
    EXPECT_EQ(c.offer(k, 5, 1, 100 * sec), ReplayVerdict::fresh); // evicts 2, the least recent
    // Incarnation 1 is still tracked: its seq 5 is remembered (replay, past the dup window).
    c.now += 3s;
    EXPECT_EQ(c.offer(k, 1, 5, 100 * sec), ReplayVerdict::replay);
    // Incarnation 2 was retired: the key's floor (its newest timestamp) rejects what it sent,
    // while a later run is new.
    EXPECT_EQ(c.offer(k, 2, 5, 100 * sec), ReplayVerdict::replay);
    EXPECT_EQ(c.offer(k, 6, 1, 101 * sec), ReplayVerdict::fresh);
}

TEST(ReplayWindow, FiveShortRunsReplayedInRotationAreNeverFreshAgain) {
    // Six messages from each of five `mcast send` runs of one key within 5 s, all heard; then
    // the capture is replayed three times, past the duplicate window: nothing is fresh.
    Clocked c;
    auto k = key(11);
    auto ts = [](std::uint64_t run, std::uint64_t seq) {
        return 100 * sec + static_cast<std::int64_t>(run) * sec / 2 +
               static_cast<std::int64_t>(seq) * 10'000'000;
    };
    for (std::uint64_t run = 1; run <= 5; ++run)
        for (std::uint64_t seq = 1; seq <= 6; ++seq) {
            c.now += 10ms;
            ASSERT_EQ(c.offer(k, 1000 + run, seq, ts(run, seq)), ReplayVerdict::fresh);
        }
    for (int round = 0; round < 3; ++round)
        for (std::uint64_t run = 1; run <= 5; ++run)
            for (std::uint64_t seq = 1; seq <= 6; ++seq) {
                c.now += 3s;
                EXPECT_EQ(c.offer(k, 1000 + run, seq, ts(run, seq)), ReplayVerdict::replay)
                    << "round " << round << " run " << run << " seq " << seq;
            }
    // A sixth run, later, is still heard.
    EXPECT_EQ(c.offer(k, 1006, 1, ts(6, 1)), ReplayVerdict::fresh);
}

TEST(ReplayWindow, ARelearnedIncarnationDoesNotTakeItsOldDatagramsAgain) {
    // A long-lived sender, then four short runs of its key while it is quiet: it is retired.
    // When it speaks again it is learned anew, with a floor: none of its 2000 old datagrams
    // (captured, replayed at any age) is fresh, while its new ones are.
    Clocked c;
    auto k = key(12);
    const std::uint64_t live = 77;
    for (std::uint64_t seq = 1; seq <= 2000; ++seq) {
        c.now += 1ms;
        ASSERT_EQ(c.offer(k, live, seq, 100 * sec + static_cast<std::int64_t>(seq) * 1'000'000),
                  ReplayVerdict::fresh);
    }
    for (std::uint64_t run = 1; run <= 4; ++run) {
        c.now += 1s;
        ASSERT_EQ(c.offer(k, run, 1, 103 * sec + static_cast<std::int64_t>(run) * sec),
                  ReplayVerdict::fresh);
    }
    c.now += 1s;
    EXPECT_EQ(c.offer(k, live, 2001, 108 * sec), ReplayVerdict::fresh); // learned again
    for (std::uint64_t seq = 1; seq <= 2000; ++seq) {
        c.now += 1ms;
        EXPECT_EQ(c.offer(k, live, seq, 100 * sec + static_cast<std::int64_t>(seq) * 1'000'000),
                  ReplayVerdict::replay)
            << seq;
    }
    EXPECT_EQ(c.offer(k, live, 2002, 108 * sec + 1), ReplayVerdict::fresh);
}

TEST(ReplayWindow, AKeyEvictedByAFloodOfFreshKeysDoesNotTakeItsHistoryBack) {
    // A real sender's datagrams were heard; an attacker with thousands of fresh keys makes the
    // receiver forget it, then replays its capture (in seq order, as often as it likes): the
    // evicted key's newest timestamp was kept, so nothing of it is fresh; its next run is.
    ReplayConfig cfg;
    cfg.max_keys = 64;
    Clocked c(cfg);
    auto real = key(13);
    for (std::uint64_t seq = 1; seq <= 100; ++seq)
        ASSERT_EQ(c.offer(real, 5, seq, 100 * sec + static_cast<std::int64_t>(seq)),
                  ReplayVerdict::fresh);
    for (int round = 0; round < 3; ++round) {
        for (std::uint32_t i = 0; i < 100; ++i) {
            PublicKeyBytes k{};
            std::memcpy(k.data(), &i, sizeof i);
            k[31] = static_cast<std::uint8_t>(round + 1);
            c.offer(k, 1, 1, 200 * sec);
        }
        ASSERT_FALSE(c.w.knows(real));
        for (std::uint64_t seq = 1; seq <= 100; ++seq)
            EXPECT_EQ(c.offer(real, 5, seq, 100 * sec + static_cast<std::int64_t>(seq)),
                      ReplayVerdict::replay)
                << "round " << round << " seq " << seq;
    }
    EXPECT_EQ(c.offer(real, 6, 1, 101 * sec), ReplayVerdict::fresh);
    EXPECT_EQ(c.offer(real, 5, 50, 100 * sec + 50), ReplayVerdict::replay);
}

TEST(ReplayWindow, KeyTableIsBounded) {
    ReplayConfig cfg;
    cfg.max_keys = 16;
    ReplayWindow w(cfg);
    MonoTime now{};
    for (int i = 0; i < 1000; ++i) {
        PublicKeyBytes k{};
        k[0] = static_cast<std::uint8_t>(i);
        k[1] = static_cast<std::uint8_t>(i >> 8);
        w.accept(k, 1, 1, 0, now);
    }
    EXPECT_EQ(w.key_count(), 16u);
}

TEST(ReplayWindow, HundredThousandIdentitiesStayBoundedAndFriendsAreKept) {
    ReplayWindow w; // default bound: 4096 keys
    PublicKeyBytes friend_key{};
    friend_key.fill(0xfe);
    w.set_protect([&](const PublicKeyBytes& k) { return k == friend_key; });
    MonoTime now{};
    w.accept(friend_key, 1, 1, 0, now);
    for (std::uint32_t i = 0; i < 100000; ++i) {
        PublicKeyBytes k{};
        std::memcpy(k.data(), &i, sizeof i);
        w.accept(k, 1, 1, 0, now);
    }
    EXPECT_EQ(w.key_count(), 4096u);
    EXPECT_TRUE(w.knows(friend_key)); // never the one evicted
}
