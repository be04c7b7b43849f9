// The ping verdict (ping_verdict.hpp): which path fails a responder, and when a run fails. Counters
// are built by hand, so each bound is tested at its edge.
#include <mcast/ping_verdict.hpp>

#include <gtest/gtest.h>

namespace mcast {
namespace {

const PingPath v4{4, false}, v6{6, false}, v4u{4, true};

PingBounds bounds(std::optional<double> max_loss, std::optional<double> max_rtt_ms,
                  std::size_t expect = 0) {
    PingBounds b;
    b.max_loss_percent = max_loss;
    b.max_rtt_ms = max_rtt_ms;
    b.expect = expect;
    return b;
}

PathStats path(std::uint64_t sent, std::uint64_t received, double mean_ms = 1.0) {
    PathStats s;
    s.sent = sent;
    s.received = received;
    s.min_ms = s.max_ms = s.mean_ms = mean_ms;
    return s;
}

TEST(PingVerdict, WithinBounds) {
    const PingBounds b = bounds(20, 2.0);
    auto v = judge_responder("aa", {{v4, path(10, 8, 2.0)}, {v6, path(10, 10, 1.5)}}, b);
    EXPECT_TRUE(v.ok()); // 20 % is not more than 20 %, 2.0 ms not longer than 2.0 ms
    EXPECT_TRUE(v.answered());
    EXPECT_EQ(v.id, "aa");
}

TEST(PingVerdict, NoBoundsNoFailureButSilence) {
    EXPECT_TRUE(judge_responder("aa", {{v4, path(10, 1, 500)}}, {}).ok());
    auto silent = judge_responder("aa", {{v4, path(10, 0)}, {v6, path(10, 0)}}, {});
    EXPECT_EQ(silent.failure, PingFailure::no_reply);
    EXPECT_FALSE(silent.answered());
}

TEST(PingVerdict, TheWorstLossNamesThePath) {
    const PingBounds b = bounds(5, std::nullopt);
    auto v = judge_responder("aa", {{v4, path(10, 8)}, {v6, path(10, 5)}}, b);
    EXPECT_EQ(v.failure, PingFailure::loss);
    EXPECT_EQ(v.failed_path, v6);
    EXPECT_DOUBLE_EQ(v.figure, 50.0);
}

TEST(PingVerdict, TheSlowestAverageNamesThePath) {
    const PingBounds b = bounds(std::nullopt, 10);
    auto v = judge_responder("aa",
                             {{v4, path(5, 5, 30)}, {v4u, path(5, 5, 12)}, {v6, path(5, 5, 3)}}, b);
    EXPECT_EQ(v.failure, PingFailure::rtt);
    EXPECT_EQ(v.failed_path, v4);
    EXPECT_DOUBLE_EQ(v.figure, 30.0);
}

TEST(PingVerdict, LossOutranksRoundTrips) {
    // v4 is slow, v6 loses: the loss decides, whichever path comes first.
    const PingBounds b = bounds(10, 10);
    auto v = judge_responder("aa", {{v4, path(10, 10, 50)}, {v6, path(10, 5, 1)}}, b);
    EXPECT_EQ(v.failure, PingFailure::loss);
    EXPECT_EQ(v.failed_path, v6);
    // A path that lost everything has no average to judge.
    auto w = judge_responder("aa", {{v4, path(10, 0, 0)}, {v6, path(10, 10, 1)}},
                             bounds(std::nullopt, 10));
    EXPECT_TRUE(w.ok());
}

TEST(PingVerdict, FamiliesNotAnnouncedAreNotCharged) {
    std::map<PingPath, PathStats> paths{{v4, path(5, 5)}, {v6, path(5, 0)}};
    drop_unannounced_families(paths, {4});
    EXPECT_EQ(paths.size(), 1u);
    EXPECT_TRUE(paths.count(v4));
    // A family it does not announce but answered on stays; nothing known drops nothing.
    std::map<PingPath, PathStats> answered{{v4, path(5, 5)}, {v6, path(5, 2)}};
    drop_unannounced_families(answered, {4});
    EXPECT_EQ(answered.size(), 2u);
    std::map<PingPath, PathStats> unknown{{v4, path(5, 0)}, {v6, path(5, 0)}};
    drop_unannounced_families(unknown, {});
    EXPECT_EQ(unknown.size(), 2u);
}

TEST(PingVerdict, SilentPeerIsChargedOnMulticastPaths) {
    auto v = silent_peer("4f13", {v4, v4u, v6}, 7);
    EXPECT_EQ(v.failure, PingFailure::no_reply);
    EXPECT_EQ(v.id, "4f13");
    ASSERT_EQ(v.paths.size(), 2u);
    EXPECT_EQ(v.paths.at(v4).sent, 7u);
    EXPECT_EQ(v.paths.at(v6).received, 0u);
}

TEST(PingRunVerdict, Cases) {
    const auto ok = judge_responder("a", {{v4, path(5, 5)}}, {});
    const auto silent = judge_responder("b", {{v4, path(5, 0)}}, {});

    auto run = judge_run({ok, ok}, {});
    EXPECT_TRUE(run.ok);
    EXPECT_EQ(run.why, PingRunVerdict::Why::none);
    EXPECT_EQ(run.answered, 2u);

    run = judge_run({}, {});
    EXPECT_FALSE(run.ok);
    EXPECT_EQ(run.why, PingRunVerdict::Why::nobody);

    run = judge_run({ok, silent}, {});
    EXPECT_FALSE(run.ok);
    EXPECT_EQ(run.why, PingRunVerdict::Why::out_of_bounds);
    EXPECT_EQ(run.responders, 2u);
    EXPECT_EQ(run.answered, 1u);

    // Too few outranks the rest, and fails even when each one is fine.
    run = judge_run({ok, ok}, bounds(std::nullopt, std::nullopt, 3));
    EXPECT_FALSE(run.ok);
    EXPECT_EQ(run.why, PingRunVerdict::Why::too_few);
    EXPECT_EQ(run.expected, 3u);
    run = judge_run({ok, silent, ok}, bounds(std::nullopt, std::nullopt, 2));
    EXPECT_EQ(run.why, PingRunVerdict::Why::out_of_bounds);
}

} // namespace
} // namespace mcast
