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
    // A path that lost everything has no average to judge: it fails as silent, not as slow.
    auto w = judge_responder("aa", {{v4, path(10, 0, 0)}, {v6, path(10, 10, 1)}},
                             bounds(std::nullopt, 10));
    EXPECT_EQ(w.failure, PingFailure::silent);
    EXPECT_EQ(w.failures.size(), 1u);
}

TEST(PingVerdict, OneFamilyDeadFailsWithoutBounds) {
    // IPv4 multicast dropped, IPv6 fine: a failure by default, not only under --max-loss.
    auto v = judge_responder("aa", {{v4, path(5, 0)}, {v6, path(5, 5)}}, {});
    EXPECT_FALSE(v.ok());
    EXPECT_EQ(v.failure, PingFailure::silent);
    EXPECT_EQ(v.failed_path, v4);
    EXPECT_DOUBLE_EQ(v.figure, 100.0);
    EXPECT_TRUE(v.answered());
    // Multicast dead, unicast fine: the snooping fault --unicast-too exists to show.
    auto u = judge_responder("aa", {{v4, path(5, 0)}, {v4u, path(4, 4)}}, {});
    EXPECT_EQ(u.failure, PingFailure::silent);
    EXPECT_EQ(u.failed_path, v4);
    // A path never probed (sent 0: unicast not started, or not sent from here) is not silent.
    EXPECT_TRUE(judge_responder("aa", {{v4, path(5, 5)}, {v4u, path(0, 0)}}, {}).ok());
    // Loss short of everything is still only judged against --max-loss.
    EXPECT_TRUE(judge_responder("aa", {{v4, path(5, 1)}, {v6, path(5, 5)}}, {}).ok());
}

TEST(PingVerdict, EveryFailingPathIsNamedWorstFirst) {
    const PingBounds b = bounds(10, 5);
    auto v = judge_responder("aa",
                             {{v4, path(10, 8, 1)},   // loss 20 %
                              {v6, path(10, 0)},      // silent
                              {v4u, path(10, 10, 9)}, // slow
                              {{6, true}, path(10, 6, 1)}},
                             b); // loss 40 %
    ASSERT_EQ(v.failures.size(), 4u);
    EXPECT_EQ(v.failures[0], (PathFailure{v6, PingFailure::silent, 100.0}));
    EXPECT_EQ(v.failures[1].failure, PingFailure::loss);
    EXPECT_EQ(v.failures[1].path, (PingPath{6, true}));
    EXPECT_DOUBLE_EQ(v.failures[1].figure, 40.0);
    EXPECT_EQ(v.failures[2].path, v4);
    EXPECT_EQ(v.failures[3], (PathFailure{v4u, PingFailure::rtt, 9.0}));
    EXPECT_EQ(v.failure, PingFailure::silent); // the worst is the headline
    EXPECT_EQ(v.failed_path, v6);
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
    EXPECT_EQ(run.ok_count, 2u);
    EXPECT_EQ(run.responders, 3u);
}

TEST(PingRunVerdict, ALocalSendFailureFailsTheRunWhateverAnswered) {
    // IPv4 refused here (EPERM): the IPv6 replies are fine, but the run is not, and the reason
    // is this host, not the network.
    const auto ok = judge_responder("a", {{v6, path(5, 5)}}, {});
    const LocalSendFailure eperm{v4, "eth0", 1, 5};
    auto run = judge_run({ok, ok}, {}, {eperm});
    EXPECT_FALSE(run.ok);
    EXPECT_EQ(run.why, PingRunVerdict::Why::local_send);
    ASSERT_EQ(run.local_failures.size(), 1u);
    EXPECT_EQ(run.local_failures[0], eperm);
    EXPECT_EQ(run.ok_count, 2u);
    // Nobody answered because nothing could be sent: still the local reason, not "nobody".
    run = judge_run({}, bounds(std::nullopt, std::nullopt, 3), {eperm});
    EXPECT_EQ(run.why, PingRunVerdict::Why::local_send);
}

} // namespace
} // namespace mcast
