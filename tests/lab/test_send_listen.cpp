// Lab tests: the real `mcast` binary in network namespaces on one bridge. send -> listen over
// IPv4, IPv6 and both (delivered once), topic filters, --count/--timeout exit codes, typed
// values through JSON, forged/altered/replayed/malformed datagrams dropped and counted, and
// batch-signed streams (send --rate/--lines, ping --speed) delivered whole.
#include "lab_fixture.hpp"

#include "protocol/receiver.hpp"
#include "protocol/sender.hpp"
#include <mcast/wire.hpp>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <regex>

using namespace mcast::testlab;
using namespace std::chrono_literals;
namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

class SendListen : public LabTest {
protected:
    void SetUp() override { make_lab(3, "sl"); }

    // A listener in `host` that has joined its groups (it says so on stderr with -v).
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

TEST_F(SendListen, Ipv4MessageArrivesWithEveryField) {
    auto l = listener(1, {"-4", "--json", "--count", "1", "--timeout", "10s"});
    ASSERT_EQ(send(2, {"-4", "--topic", "greet", "hello", "42"}), 0);
    ASSERT_EQ(l.wait(10s), 0) << l.err();
    auto msgs = records(l, "message");
    ASSERT_EQ(msgs.size(), 1u);
    auto& m = msgs[0];
    EXPECT_EQ(m.at("sender").as_string(), ids_[2]);
    EXPECT_EQ(m.at("sender_short").as_string(), ids_[2].substr(0, 12));
    EXPECT_EQ(m.at("source").as_string(), lab_->addr(2, 4));
    EXPECT_EQ(m.at("interface").as_string(), "eth0");
    EXPECT_EQ(m.at("family").as_int64(), 4);
    EXPECT_EQ(m.at("topic").as_string(), "greet");
    EXPECT_EQ(m.at("seq").as_int64(), 1);
    EXPECT_EQ(m.at("incarnation").as_string().size(), 16u);
    EXPECT_EQ(json::serialize(m.at("values")), R"(["hello","42"])");
    EXPECT_EQ(m.at("sender_key").as_string().size(), 64u);
    EXPECT_TRUE(std::regex_match(std::string(m.at("received_at").as_string()),
                                 std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z)")));
}

TEST_F(SendListen, Ipv6MessageArrivesFromLinkLocal) {
    auto l = listener(1, {"-6", "--json", "--count", "1", "--timeout", "10s"});
    ASSERT_EQ(send(3, {"-6", "over six"}), 0);
    ASSERT_EQ(l.wait(10s), 0) << l.err();
    auto msgs = records(l, "message");
    ASSERT_EQ(msgs.size(), 1u);
    EXPECT_EQ(msgs[0].at("family").as_int64(), 6);
    EXPECT_EQ(msgs[0].at("source").as_string(), lab_->addr(3, 6));
    EXPECT_EQ(msgs[0].at("sender").as_string(), ids_[3]);
}

TEST_F(SendListen, DualStackDeliversOnceAndCountsTheCopy) {
    auto l = listener(1, {"--json", "--stats", "--timeout", "2s"});
    ASSERT_EQ(send(2, {"once"}), 0);
    ASSERT_EQ(l.wait(10s), 0) << l.err();
    EXPECT_EQ(records(l, "message").size(), 1u);
    auto stats = records(l, "stats");
    ASSERT_EQ(stats.size(), 1u);
    EXPECT_EQ(stats[0].at("received").as_int64(), 2);
    EXPECT_EQ(stats[0].at("delivered").as_int64(), 1);
    EXPECT_EQ(stats[0].at("dropped").at("duplicate").as_int64(), 1);
}

TEST_F(SendListen, TwoReceiversOneSenderBothFamilies) {
    auto a = listener(1, {"--json", "--count", "3", "--timeout", "10s"});
    auto b = listener(3, {"--json", "--count", "3", "--timeout", "10s"});
    ASSERT_EQ(send(2, {"--repeat", "3", "--interval", "50ms", "x"}), 0);
    ASSERT_EQ(a.wait(10s), 0);
    ASSERT_EQ(b.wait(10s), 0);
    for (auto* p : {&a, &b}) {
        auto msgs = records(*p, "message");
        ASSERT_EQ(msgs.size(), 3u);
        for (int i = 0; i < 3; ++i)
            EXPECT_EQ(msgs[static_cast<std::size_t>(i)].at("seq").as_int64(), i + 1);
    }
}

TEST_F(SendListen, TopicFilter) {
    auto l =
        listener(1, {"--json", "--topic", "a", "--topic", "c", "--count", "2", "--timeout", "10s"});
    ASSERT_EQ(send(2, {"--topic", "b", "not me"}), 0);
    ASSERT_EQ(send(2, {"--topic", "a", "me"}), 0);
    ASSERT_EQ(send(2, {"--topic", "c", "me too"}), 0);
    ASSERT_EQ(l.wait(10s), 0);
    auto msgs = records(l, "message");
    ASSERT_EQ(msgs.size(), 2u);
    EXPECT_EQ(msgs[0].at("topic").as_string(), "a");
    EXPECT_EQ(msgs[1].at("topic").as_string(), "c");
}

TEST_F(SendListen, InterfaceThatAppearsLaterIsJoinedWithoutRestart) {
    auto l = listener(1, {"-4", "--json", "--stats", "--timeout", "8s"});
    lab_->link(1, "eth1");
    auto joined = l.wait_for_line(Stream::err, std::regex("listening on .* via eth0, eth1"), 5s);
    ASSERT_TRUE(joined) << l.err();
    ASSERT_EQ(send(2, {"-4", "both ways"}), 0);
    ASSERT_EQ(l.wait(15s), 0) << l.err();
    auto msgs = records(l, "message");
    ASSERT_EQ(msgs.size(), 1u); // arrived on eth0 and eth1, delivered once
    auto stats = records(l, "stats").at(0);
    EXPECT_EQ(stats.at("received").as_int64(), 2);
    EXPECT_EQ(stats.at("dropped").at("duplicate").as_int64(), 1);
}

TEST_F(SendListen, NamedInterfaceThatDoesNotExistIsAnError) {
    auto r = run_command(lab_->exec_argv(
        1, {Paths::mcast(), "listen", "-i", "eth9", "--timeout", "1s", "--identity", key(1)}));
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("mcast listen: interface 'eth9' does not exist"), std::string::npos)
        << r.err;
}

TEST_F(SendListen, ClosedPipeExitsZeroQuietly) {
    // head exits after one line; the listener's next write meets a closed pipe.
    std::string cmd = "set -o pipefail; " + Paths::mcast() +
                      " listen -v --count 5 --timeout 10s --identity " + key(1) +
                      " | head -n 1 >/dev/null";
    auto l = lab_->spawn(1, {"bash", "-c", cmd});
    ASSERT_TRUE(l.wait_for_line(Stream::err, std::regex("listening on"), 5s)) << l.err();
    ASSERT_EQ(send(2, {"--repeat", "3", "--interval", "100ms", "x"}), 0);
    EXPECT_EQ(l.wait(10s), 0) << l.err();
    EXPECT_EQ(l.err().find("Broken pipe"), std::string::npos) << l.err();
    EXPECT_EQ(l.err().find("error"), std::string::npos) << l.err();
}

TEST_F(SendListen, SignalEndsALongPacedSendAtOnce) {
    auto l = listener(1, {"-4", "--json", "--timeout", "10s", "--count", "1"});
    auto s = lab_->spawn_mcast(
        2, {"send", "-4", "--identity", key(2), "--repeat", "100", "--interval", "1h", "x"});
    ASSERT_EQ(l.wait(10s), 0); // the first message went out at once
    s.signal(SIGINT);
    EXPECT_EQ(s.wait(3s), 0) << "send did not stop on SIGINT: " << s.err();
}

TEST_F(SendListen, TimeoutWithNothingExitsOne) {
    auto l = listener(1, {"--timeout", "300ms"});
    EXPECT_EQ(l.wait(5s), 1);
    EXPECT_EQ(l.out(), "");
}

TEST_F(SendListen, HumanOutputNamesSenderSourceTopicAndValues) {
    auto l = listener(1, {"-4", "--count", "1", "--timeout", "10s"});
    ASSERT_EQ(send(2, {"-4", "--topic", "room", "--json-values",
                       R"(["hi", 3, 2.0, null, {"bytes":"AAE="}])"}),
              0);
    ASSERT_EQ(l.wait(10s), 0);
    auto line = l.out_lines().at(0);
    EXPECT_NE(line.find(ids_[2].substr(0, 12)), std::string::npos) << line;
    EXPECT_NE(line.find(lab_->addr(2, 4) + "%eth0"), std::string::npos) << line;
    EXPECT_NE(line.find("[room]"), std::string::npos) << line;
    EXPECT_NE(line.find(R"("hi", 3, 2.0, null, b64:AAE=)"), std::string::npos) << line;
}

TEST_F(SendListen, TypedValuesSurviveExactly) {
    const std::string values =
        R"([-9223372036854775808,9223372036854775807,2.5E-1,{"float":"nan"},{"float":"-inf"},true,false,null,"grüß",{"bytes":""},{"bytes":"AAEC/w=="},[1,[2,[]]]])";
    auto l = listener(1, {"-4", "--json", "--count", "1", "--timeout", "10s"});
    ASSERT_EQ(send(2, {"-4", "--json-values", values}), 0);
    ASSERT_EQ(l.wait(10s), 0);
    auto msgs = records(l, "message");
    ASSERT_EQ(msgs.size(), 1u);
    EXPECT_EQ(msgs[0].at("values"), json::parse(values));
}

TEST_F(SendListen, LinesFromStdinOneMessageEach) {
    auto l = listener(1, {"-4", "--json", "--count", "3", "--timeout", "10s"});
    auto s = lab_->spawn(2, {Paths::mcast(), "send", "-4", "--identity", key(2), "--lines"}, true);
    s.write_stdin("one\ntwo\nthree\n");
    s.close_stdin();
    ASSERT_EQ(s.wait(10s), 0) << s.err();
    ASSERT_EQ(l.wait(10s), 0);
    auto msgs = records(l, "message");
    ASSERT_EQ(msgs.size(), 3u);
    EXPECT_EQ(json::serialize(msgs[2].at("values")), R"(["three"])");
}

TEST_F(SendListen, LinesThatCannotBeSentAreReportedAndSkipped) {
    // A stream must outlive one bad line: too long, then not UTF-8, between good ones.
    auto l = listener(1, {"-4", "--json", "--count", "3", "--timeout", "10s"});
    auto s = lab_->spawn(2, {Paths::mcast(), "send", "-4", "--identity", key(2), "--lines"}, true);
    s.write_stdin("one\n" + std::string(65001, 'x') + "\ntwo\n\xff\xfe\nthree\n");
    s.close_stdin();
    EXPECT_EQ(s.wait(10s), 2) << s.err();
    EXPECT_NE(s.err().find("mcast send: stdin line 2: 65"), std::string::npos) << s.err();
    EXPECT_NE(s.err().find("mcast send: stdin line 4: not valid UTF-8"), std::string::npos)
        << s.err();
    ASSERT_EQ(l.wait(10s), 0);
    auto msgs = records(l, "message");
    ASSERT_EQ(msgs.size(), 3u);
    EXPECT_EQ(json::serialize(msgs[1].at("values")), R"(["two"])");
    EXPECT_EQ(json::serialize(msgs[2].at("values")), R"(["three"])");
}

TEST_F(SendListen, TooLargeMessageRefusedAtTheSender) {
    auto r = run_command(lab_->exec_argv(
        2, {Paths::mcast(), "send", "--identity", key(2), std::string(65001, 'x')}));
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("mcast send: message payload is"), std::string::npos) << r.err;
}

TEST_F(SendListen, ForgedAlteredReplayedAndMalformedAreDroppedAndCounted) {
    // A valid datagram from a key of our own making, then its tampered variants.
    auto id = mcast::Identity::generate();
    mcast::Sender s(id, 99);
    auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
    auto good = s.seal(1, "t", {"genuine"}, now);
    auto forged = good;
    forged.back() ^= 1;
    auto altered = good;
    altered[altered.size() - 70] ^= 0x01; // a payload byte; signature unchanged
    auto second = s.seal(1, "t", {"second"}, now);
    mcast::ByteBuffer junk(200, 0xab);
    auto hex = [](const mcast::ByteBuffer& b) { return mcast::to_hex(b); };

    auto l = listener(1, {"-4", "--json", "--stats", "--timeout", "6s"});
    auto inject = [&](std::vector<std::string> datagrams) {
        std::vector<std::string> argv{MCAST_INJECT_PATH, "eth0", "239.255.77.67", "7767"};
        argv.insert(argv.end(), datagrams.begin(), datagrams.end());
        ASSERT_EQ(lab_->run(2, argv), 0);
    };
    inject({hex(forged), hex(altered), hex(junk), hex(good)});
    std::this_thread::sleep_for(2500ms); // past the duplicate window: a resend is a replay
    inject({hex(good), hex(second)});
    ASSERT_EQ(l.wait(15s), 0) << l.err();

    auto msgs = records(l, "message");
    ASSERT_EQ(msgs.size(), 2u);
    EXPECT_EQ(json::serialize(msgs[0].at("values")), R"(["genuine"])");
    EXPECT_EQ(json::serialize(msgs[1].at("values")), R"(["second"])");
    auto stats = records(l, "stats").at(0);
    const auto& d = stats.at("dropped");
    EXPECT_EQ(d.at("bad_signature").as_int64(), 2);
    EXPECT_EQ(d.at("bad_magic").as_int64(), 1);
    EXPECT_EQ(d.at("replay").as_int64(), 1);
    EXPECT_EQ(stats.at("delivered").as_int64(), 2);
}

// -i naming an interface that is down says so, rather than "none is up... name one with -i".
TEST_F(SendListen, AnInterfaceNamedWithDashIThatIsDownIsSaidToBeDown) {
    lab_->link(2, "eth2", "up");
    lab_->link(2, "eth2", "down");
    auto down = run_command(
        lab_->exec_argv(2, {Paths::mcast(), "send", "--identity", key(2), "-i", "eth2", "x"}));
    EXPECT_EQ(down.code, 2);
    EXPECT_NE(down.err.find("no usable interface: eth2 is down"), std::string::npos) << down.err;
    EXPECT_EQ(down.err.find("name one with -i"), std::string::npos) << down.err;
    // The same for -i=eth2, which is the interface eth2 (not one called "=eth2").
    auto eq = run_command(
        lab_->exec_argv(2, {Paths::mcast(), "send", "--identity", key(2), "-i=eth2", "x"}));
    EXPECT_NE(eq.err.find("eth2 is down"), std::string::npos) << eq.err;
    auto gone = run_command(
        lab_->exec_argv(2, {Paths::mcast(), "send", "--identity", key(2), "-i", "eth9", "x"}));
    EXPECT_EQ(gone.code, 2);
    EXPECT_NE(gone.err.find("eth9"), std::string::npos) << gone.err;
    EXPECT_NE(gone.err.find("does not exist"), std::string::npos) << gone.err;
    // discover says the same, with the same status, at once: not "no node found" (1) after
    // waiting out its --timeout as if the network were empty.
    auto d = run_command(lab_->exec_argv(2, {Paths::mcast(), "discover", "--identity", key(2), "-i",
                                             "eth2", "--timeout", "2s", "--json"}));
    EXPECT_EQ(d.code, 2) << d.err;
    EXPECT_NE(d.err.find("mcast discover: no usable interface: eth2 is down"), std::string::npos)
        << d.err;
    EXPECT_EQ(d.err.find("no node found"), std::string::npos) << d.err;
    auto errors = records(d.out, "error");
    ASSERT_EQ(errors.size(), 1u) << d.out;
    EXPECT_EQ(errors[0].at("message").as_string(), "no usable interface: eth2 is down");
}

// A --group of one family alone isolates the run: the other family's default group is not
// used, so a node on the defaults hears nothing of it, and one on the same group everything.
TEST_F(SendListen, OneFamilyGroupKeepsTheRunApartFromTheDefaultGroups) {
    auto on_defaults = listener(1, {"--json", "--timeout", "3s"});
    auto on_group =
        listener(3, {"--json", "--group", "239.1.2.3", "--count", "1", "--timeout", "10s"});
    auto r = run_command(lab_->exec_argv(
        2, {Paths::mcast(), "send", "--identity", key(2), "--group", "239.1.2.3", "apart"}));
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.err.find("IPv6 is off"), std::string::npos) << r.err; // the note says why
    ASSERT_EQ(on_group.wait(10s), 0) << on_group.err();
    EXPECT_EQ(records(on_group, "message").size(), 1u);
    EXPECT_EQ(on_defaults.wait(10s), 1) << on_defaults.out(); // nothing arrived
    EXPECT_TRUE(records(on_defaults, "message").empty());
}

} // namespace

// Batch signing (docs/protocol.md section 3.4): bulk streams arrive whole, in order, with a
// fraction of the verifications; --batch-delay 0 signs each message alone; a lone send is not
// delayed; ping --speed data is batch-signed and counted.

// What a loaded CI host may lose of a 20 000/s stream (as test_ping.cpp allows).
constexpr double batch_load_margin_percent = 10.0;

TEST_F(SendListen, ABatchSignedStreamArrivesWholeWithFewVerifications) {
    // 5 messages a millisecond (a rate a loaded listener printing JSON keeps up with): several
    // a batch within the 1 ms delay, more when a descheduled sender catches up. Without
    // batching every message would cost a verification.
    auto l = listener(1, {"-4", "--json", "--stats", "--count", "1000", "--timeout", "30s"});
    ASSERT_EQ(send(2, {"-4", "--rate", "5000", "--repeat", "1000", "bulk"}), 0);
    ASSERT_EQ(l.wait(40s), 0) << l.err();
    auto stats = expect_whole(l, 1000);
    ASSERT_FALSE(stats.empty());
    const auto v = stats.at("verifications").as_int64();
    EXPECT_GE(v, 1000 / 32);
    EXPECT_LE(v, 1000 / 2) << "batching did not happen";
}

TEST_F(SendListen, BatchDelayZeroSignsEveryMessageAlone) {
    auto l = listener(1, {"-4", "--json", "--stats", "--count", "500", "--timeout", "30s"});
    ASSERT_EQ(send(2, {"-4", "--rate", "5000", "--repeat", "500", "--batch-delay", "0", "x"}), 0);
    ASSERT_EQ(l.wait(40s), 0) << l.err();
    auto stats = expect_whole(l, 500);
    ASSERT_FALSE(stats.empty());
    EXPECT_EQ(stats.at("verifications").as_int64(), 500);
}

TEST_F(SendListen, ABurstOfLinesIsBatchSignedAndNothingWaitsAtTheEnd) {
    auto l = listener(1, {"--json", "--stats", "--count", "200", "--timeout", "30s"});
    auto s = lab_->spawn(2, {Paths::mcast(), "send", "--identity", key(2), "--lines"}, true);
    std::string lines;
    for (int i = 1; i <= 200; ++i)
        lines += "line " + std::to_string(i) + "\n";
    s.write_stdin(lines);
    s.close_stdin();
    ASSERT_EQ(s.wait(20s), 0) << s.err();
    ASSERT_EQ(l.wait(30s), 0) << l.err();
    auto stats = expect_whole(l, 200);
    ASSERT_FALSE(stats.empty());
    // Both families: each message arrives twice, the copy (those read before --count ended
    // the listener) dropped as a duplicate before any hashing or verification.
    EXPECT_EQ(stats.at("received").as_int64(), 200 + stats.at("dropped").at("duplicate").as_int64())
        << json::serialize(stats);
    EXPECT_LE(stats.at("verifications").as_int64(), 200 / 2);
    auto msgs = records(l, "message");
    ASSERT_EQ(msgs.size(), 200u);
    EXPECT_EQ(json::serialize(msgs[199].at("values")), R"(["line 200"])");
}

TEST_F(SendListen, ASingleMessageBetweenStreamsIsNotDelayed) {
    // A lone send (no --rate) is signed alone and goes at once: the listener gets it well
    // within the run, whatever the batch delay.
    auto l = listener(1, {"-4", "--json", "--stats", "--count", "1", "--timeout", "10s"});
    ASSERT_EQ(send(2, {"-4", "--batch-delay", "100ms", "alone"}), 0);
    ASSERT_EQ(l.wait(10s), 0) << l.err();
    auto stats = expect_whole(l, 1);
    ASSERT_FALSE(stats.empty());
    EXPECT_EQ(stats.at("verifications").as_int64(), 1);
}

TEST_F(SendListen, SpeedTestDataIsBatchSignedAndFullyCounted) {
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
    EXPECT_GT(sent, 1000); // a loaded host signs and sends less than asked: what was sent counts
    EXPECT_GE(static_cast<double>(rx[0].at("received").as_int64()),
              static_cast<double>(sent) * (1 - batch_load_margin_percent / 100));
}
