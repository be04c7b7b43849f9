// Lab test: a hostile host floods the LAN, as fast as it can, with truncated, oversized,
// bit-flipped, wrong-version, too deeply nested, invalid-UTF-8, forged and replayed datagrams
// while a real sender keeps sending. The listener must not crash, must keep delivering every real
// message (the failure ration stops verifying the flood's forgeries), must print nothing else
// but the one genuine hostile message, once, and its counters must account for the junk.
#include "lab_fixture.hpp"

#include <regex>

using namespace mcast::testlab;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

class Hostile : public LabTest {
protected:
    void SetUp() override { make_lab(3, "ho"); }
};

TEST_F(Hostile, ListenerSurvivesAFloodAndKeepsDeliveringRealMessages) {
    auto l = lab_->spawn_mcast(
        1, {"listen", "-4", "-v", "--json", "--stats", "--timeout", "6s", "--identity", key(1)});
    ASSERT_TRUE(l.wait_for_line(Stream::err, std::regex("listening on"), 5s));
    auto flood = lab_->spawn(3, {MCAST_HOSTILE_PATH, "eth0", "239.255.77.67", "7767", "3", "0"});
    auto real = lab_->spawn_mcast(2, {"send", "-4", "--topic", "real", "--repeat", "20",
                                      "--interval", "100ms", "--identity", key(2), "tick"});
    // Read the listener while the others run (with -v it reports every drop; an unread pipe
    // would stall it): the last real message must come through.
    // Read the listener while the others run (an unread pipe would stall it).
    l.wait_for_line(Stream::out, std::regex(R"("topic":"real".*"seq":20,)"), 6s);
    ASSERT_EQ(real.wait(15s), 0) << real.err();
    ASSERT_EQ(flood.wait(15s), 0) << flood.err();
    ASSERT_EQ(l.wait(20s), 0) << l.err(); // exit 0: no crash, something received

    std::map<std::string, long> sent;
    for (const auto& line : flood.out_lines()) {
        auto sp = line.find(' ');
        sent[line.substr(0, sp)] = std::stol(line.substr(sp + 1));
    }
    ASSERT_GT(sent["forged"], 1000) << flood.out();

    auto msgs = records(l, "message");
    int real_count = 0, hostile_count = 0;
    for (const auto& m : msgs) {
        if (m.at("topic").as_string() == "real")
            ++real_count;
        else if (json::serialize(m.at("values")) == R"(["once"])")
            ++hostile_count;
        else
            ADD_FAILURE() << "printed a bad message: " << json::serialize(m);
    }
    auto stats = records(l, "stats").at(0);
    // Nothing real was lost to the flood once read: the lab LAN is lossless, and what listen
    // reads it sorts out. A flood as fast as the sender goes can fill the socket's receive queue,
    // and what the kernel drops there (counted, SO_RXQ_OVFL) no reader can have, so a real
    // message may be missing only as far as the kernel dropped datagrams.
    const auto kernel_drops = stats.at("kernel_drops").as_int64();
    EXPECT_LE(real_count, 20);
    EXPECT_LE(20 - real_count, kernel_drops) << json::serialize(stats);
    EXPECT_EQ(hostile_count, 1); // the one genuine hostile message, never its replays

    const auto& d = stats.at("dropped");
    for (auto reason : {"too_short", "too_long", "bad_version", "too_deep", "bad_utf8",
                        "bad_signature", "noncanonical_s", "duplicate"})
        EXPECT_GT(d.at(reason).as_int64(), 0) << reason << " in " << json::serialize(stats);
    // Every datagram is accounted for: delivered plus dropped equals received.
    EXPECT_EQ(stats.at("received").as_int64(),
              stats.at("delivered").as_int64() + stats.at("dropped_total").as_int64());
    // No forged datagram slipped through as delivered: what was delivered is exactly the messages
    // checked above. (How many forgeries were received is not known: a flood as fast as the
    // sender can go loses datagrams in the listener's socket buffer, often half of them, so the
    // counts are not compared with what was sent.) Forgeries were refused by the signature
    // check, by the ration, or, with S >= L, by the strict checks before either.
    EXPECT_EQ(stats.at("delivered").as_int64(), real_count + hostile_count)
        << json::serialize(stats) << "\n"
        << flood.out();
    EXPECT_GT(d.at("bad_signature").as_int64() + d.at("rate_limited").as_int64(), 0);
    // And the ration did cut in: far fewer verifications failed than forgeries arrived.
    EXPECT_GT(d.at("rate_limited").as_int64(), 0);
    EXPECT_LT(d.at("bad_signature").as_int64(), sent["forged"]);
}

TEST_F(Hostile, AValidlySignedFloodFromOneHostDoesNotCrowdOutOthers) {
    // h3 signs and sends as fast as one core allows, more than the listener can verify; when
    // the listener falls behind, h3 gets no more than its fair share of verifications.
    auto l = lab_->spawn_mcast(1, {"listen", "-4", "-v", "--json", "--stats", "--topic", "real",
                                   "--timeout", "7s", "--identity", key(1)});
    ASSERT_TRUE(l.wait_for_line(Stream::err, std::regex("listening on"), 5s));
    auto flood =
        lab_->spawn(3, {MCAST_HOSTILE_PATH, "eth0", "239.255.77.67", "7767", "4", "valid"});
    std::this_thread::sleep_for(500ms); // let the flood build a backlog first
    auto real = lab_->spawn_mcast(2, {"send", "-4", "--topic", "real", "--repeat", "20",
                                      "--interval", "100ms", "--identity", key(2), "tick"});
    // Read the listener while the others run (an unread pipe would stall it).
    l.wait_for_line(Stream::out, std::regex(R"("topic":"real".*"seq":20,)"), 6s);
    ASSERT_EQ(real.wait(15s), 0) << real.err();
    ASSERT_EQ(flood.wait(15s), 0) << flood.err();
    ASSERT_EQ(l.wait(20s), 0) << l.err();
    // What fair sharing promises is that the flood's backlog is skipped (rate_limited, below)
    // and the real sender still gets through. How many of its 20 arrive depends on the kernel
    // dropping datagrams while both cores are saturated: 12-20 in 11 runs on this 2-core lab on
    // 2026-11-30, 10-11 in session 1 without fair sharing. So the count asserts only that the
    // real sender is not crowded out (at least half arrive), and the mechanism is asserted by
    // the skipped backlog, which without fair sharing is zero.
    EXPECT_GE(records(l, "message").size(), 10u);
    auto stats = records(l, "stats").at(0);
    EXPECT_GT(stats.at("dropped").at("rate_limited").as_int64(), 0) << json::serialize(stats);
}

} // namespace
