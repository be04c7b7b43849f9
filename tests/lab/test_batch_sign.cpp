// Lab tests of batch signing (docs/protocol.md section 3.4) with the real binary: a fast
// `send --rate` stream and a `send --lines` burst arrive whole, in order, with a fraction of
// the verifications; --batch-delay 0 signs each message alone; ping --speed data is
// batch-signed and every datagram counted by the responders.
#include "lab_fixture.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <regex>

using namespace mcast::testlab;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

// What a loaded CI host may lose of a 20 000/s stream (as test_ping.cpp allows).
constexpr double load_margin_percent = 10.0;

class BatchSign : public LabTest {
protected:
    void SetUp() override { make_lab(3, "bsig"); }

    Process listener(int host, std::vector<std::string> extra) {
        std::vector<std::string> args{"listen", "-v", "--identity", key(host)};
        args.insert(args.end(), extra.begin(), extra.end());
        auto p = lab_->spawn_mcast(host, args);
        auto ready = p.wait_for_line(Stream::err, std::regex("listening on .* via eth0"), 5s);
        EXPECT_TRUE(ready) << "listener never got ready: " << p.err();
        return p;
    }

    int send(int host, std::vector<std::string> extra) {
        std::vector<std::string> args{Paths::mcast(), "send", "--identity", key(host)};
        args.insert(args.end(), extra.begin(), extra.end());
        return lab_->run(host, args);
    }

    // Every message once, seq 1..n in order, nothing dropped for a batch reason.
    static json::object expect_whole(Process& l, std::int64_t n) {
        auto msgs = records(l, "message");
        EXPECT_EQ(static_cast<std::int64_t>(msgs.size()), n);
        for (std::size_t i = 0; i < msgs.size(); ++i)
            if (msgs[i].at("seq").as_int64() != static_cast<std::int64_t>(i) + 1) {
                ADD_FAILURE() << "message " << i << " has seq " << msgs[i].at("seq").as_int64();
                break;
            }
        auto stats = records(l, "stats");
        EXPECT_EQ(stats.size(), 1u);
        if (stats.empty()) return {};
        const auto& d = stats[0].at("dropped");
        for (auto reason : {"bad_batch", "bad_index", "bad_path", "forged_root", "bad_signature",
                            "bad_flags", "bad_length"})
            EXPECT_EQ(d.at(reason).as_int64(), 0) << reason;
        EXPECT_EQ(stats[0].at("delivered").as_int64(), n);
        return stats[0];
    }
};

TEST_F(BatchSign, AFastStreamArrivesWholeWithABatchOfMessagesPerVerification) {
    auto l = listener(1, {"-4", "--json", "--stats", "--count", "3000", "--timeout", "30s"});
    ASSERT_EQ(send(2, {"-4", "--rate", "30000", "--repeat", "3000", "bulk"}), 0);
    ASSERT_EQ(l.wait(40s), 0) << l.err();
    auto stats = expect_whole(l, 3000);
    ASSERT_FALSE(stats.empty());
    // 30 messages a millisecond: batches of up to 32 within the 1 ms delay. Pacing on a loaded
    // host makes some batches smaller, but far fewer than one verification a message remains.
    const auto v = stats.at("verifications").as_int64();
    EXPECT_GE(v, 3000 / 32);
    EXPECT_LE(v, 3000 / 4) << "batching did not happen";
}

TEST_F(BatchSign, BatchDelayZeroSignsEveryMessageAlone) {
    auto l = listener(1, {"-4", "--json", "--stats", "--count", "500", "--timeout", "30s"});
    ASSERT_EQ(send(2, {"-4", "--rate", "30000", "--repeat", "500", "--batch-delay", "0", "x"}), 0);
    ASSERT_EQ(l.wait(40s), 0) << l.err();
    auto stats = expect_whole(l, 500);
    ASSERT_FALSE(stats.empty());
    EXPECT_EQ(stats.at("verifications").as_int64(), 500);
}

TEST_F(BatchSign, ABurstOfLinesIsBatchSignedAndNothingWaitsAtTheEnd) {
    auto l = listener(1, {"--json", "--stats", "--count", "400", "--timeout", "30s"});
    auto s = lab_->spawn(2, {Paths::mcast(), "send", "--identity", key(2), "--lines"}, true);
    std::string lines;
    for (int i = 1; i <= 400; ++i)
        lines += "line " + std::to_string(i) + "\n";
    s.write_stdin(lines);
    s.close_stdin();
    ASSERT_EQ(s.wait(20s), 0) << s.err();
    ASSERT_EQ(l.wait(30s), 0) << l.err();
    auto stats = expect_whole(l, 400);
    ASSERT_FALSE(stats.empty());
    // Both families: each message arrives twice, the copy dropped as a duplicate before any
    // hashing or verification.
    EXPECT_EQ(stats.at("dropped").at("duplicate").as_int64(), 400);
    EXPECT_LE(stats.at("verifications").as_int64(), 400 / 4);
    auto msgs = records(l, "message");
    ASSERT_EQ(msgs.size(), 400u);
    EXPECT_EQ(json::serialize(msgs[399].at("values")), R"(["line 400"])");
}

TEST_F(BatchSign, ASingleMessageBetweenStreamsIsNotDelayed) {
    // A lone send (no --rate) is signed alone and goes at once: the listener gets it well
    // within the run, whatever the batch delay.
    auto l = listener(1, {"-4", "--json", "--stats", "--count", "1", "--timeout", "10s"});
    ASSERT_EQ(send(2, {"-4", "--batch-delay", "100ms", "alone"}), 0);
    ASSERT_EQ(l.wait(10s), 0) << l.err();
    auto stats = expect_whole(l, 1);
    ASSERT_FALSE(stats.empty());
    EXPECT_EQ(stats.at("verifications").as_int64(), 1);
}

TEST_F(BatchSign, SpeedTestDataIsBatchSignedAndFullyCounted) {
    auto responder = lab_->spawn_mcast(2, {"ping", "--respond", "-v", "--identity", key(2)});
    ASSERT_TRUE(responder.wait_for_line(Stream::err, std::regex("answering"), 5s))
        << responder.err();
    auto r = mcast(1, {"ping", "--speed", "-4", "--rate", "20000", "--duration", "1s", "--expect",
                       "1", "--json"});
    ASSERT_EQ(r.code, 0) << r.err << r.out;
    auto s = records(r.out, "speed");
    ASSERT_EQ(s.size(), 1u);
    const auto& rx = s[0].at("receivers").as_array();
    ASSERT_EQ(rx.size(), 1u);
    const auto sent = s[0].at("sent").as_int64();
    EXPECT_GT(sent, 15000);
    EXPECT_GE(static_cast<double>(rx[0].at("received").as_int64()),
              static_cast<double>(sent) * (1 - load_margin_percent / 100));
}

} // namespace
