// Lab tests for `mcast ping`: three responders (two nodes, one bare responder) summarised with
// every field; --expect beyond them exits 1; loss on one responder shows on that one, near the
// injected rate, and on the others no more than a loaded machine may lose; an unknown --peer is
// listed silent; forged and foreign replies are not counted; unicast next to multicast.
#include "lab_fixture.hpp"

#include "protocol/sender.hpp"
#include <mcast/ping.hpp>

#include <algorithm>
#include <csignal>
#include <map>
#include <regex>
#include <set>
#include <thread>

using namespace mcast::testlab;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

// What a loaded machine may lose without a fault: ctest runs two lab tests at once on two cores,
// and a receiver starved of CPU loses datagrams in its socket buffer (950-986 of 987 have been
// seen). The product promises that every responder reports, that counts add up (received + lost
// = sent) and that injected loss shows where it was injected; it does not promise that a busy
// machine loses nothing. Responders without injected loss may lose up to this much.
constexpr double load_margin_percent = 10.0;

class Ping : public LabTest {
protected:
    void SetUp() override {
        make_lab(5, "pg");
        if (IsSkipped()) return;
        for (int h : {2, 3}) {
            responders_.emplace(
                h, lab_->spawn_mcast(h, {"announce", "-v", "--name", "node" + std::to_string(h),
                                         "--identity", key(h)}));
            ASSERT_TRUE(responders_.at(h).wait_for_line(Stream::err, std::regex("announcing"), 5s));
        }
        responders_.emplace(
            4, lab_->spawn_mcast(4, {"ping", "--respond", "-v", "--identity", key(4)}));
        ASSERT_TRUE(responders_.at(4).wait_for_line(Stream::err, std::regex("answering"), 5s));
    }

    std::map<std::string, json::object> summaries(const std::string& out) {
        std::map<std::string, json::object> m;
        for (auto& s : records(out, "summary"))
            m[std::string(s.at("responder").as_string())] = s;
        return m;
    }

    static const json::object& path(const json::object& summary, int family, bool unicast) {
        for (const auto& p : summary.at("paths").as_array())
            if (p.at("family").as_int64() == family && p.at("unicast").as_bool() == unicast)
                return p.as_object();
        throw std::runtime_error("no such path in " + json::serialize(summary));
    }

    std::map<int, Process> responders_;
};

TEST_F(Ping, ThreeRespondersFoundAndSummarised) {
    auto r = mcast(1, {"ping", "--count", "3", "--interval", "100ms", "--json"});
    ASSERT_EQ(r.code, 0) << r.err << r.out;
    auto s = summaries(r.out);
    ASSERT_EQ(s.size(), 3u) << r.out;
    for (int h : {2, 3, 4}) {
        ASSERT_TRUE(s.count(ids_[h])) << "host " << h;
        const auto& sum = s.at(ids_[h]);
        EXPECT_TRUE(sum.at("ok").as_bool());
        for (int fam : {4, 6}) {
            const auto& p = path(sum, fam, false);
            EXPECT_EQ(p.at("sent").as_int64(), 3);
            EXPECT_EQ(p.at("received").as_int64(), 3);
            EXPECT_EQ(p.at("loss_percent").as_double(), 0.0);
            EXPECT_EQ(p.at("duplicates").as_int64(), 0);
            EXPECT_GE(p.at("rtt_min_ms").to_number<double>(), 0.0);
            EXPECT_LE(p.at("rtt_min_ms").to_number<double>(),
                      p.at("rtt_avg_ms").to_number<double>());
            EXPECT_LE(p.at("rtt_avg_ms").to_number<double>(),
                      p.at("rtt_max_ms").to_number<double>());
            EXPECT_LT(p.at("rtt_max_ms").to_number<double>(), 50.0);
            // A round trip through veth, a bridge and two process wake-ups takes well over
            // 5 us here; less meant the responder's hold (its seal estimate) was overestimated.
            EXPECT_GT(p.at("rtt_min_ms").to_number<double>(), 0.005) << "host " << h << r.err;
        }
    }
    EXPECT_EQ(s.at(ids_[2]).at("name").as_string(), "node2");
    auto replies = records(r.out, "reply");
    EXPECT_EQ(replies.size(), 3u * 3u * 2u); // 3 responders x 3 probes x 2 families
    for (auto& rep : replies) {
        int fam = static_cast<int>(rep.at("family").as_int64());
        auto src = std::string(rep.at("source").as_string());
        bool known = false;
        for (int h : {2, 3, 4})
            known = known || src == lab_->addr(h, fam);
        EXPECT_TRUE(known) << src;
        EXPECT_EQ(rep.at("interface").as_string(), "eth0");
    }
}

TEST_F(Ping, HumanOutputHasReplyLinesAndSummaries) {
    auto r = mcast(1, {"ping", "--count", "2", "--interval", "100ms", "-4"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_TRUE(std::regex_search(
        r.out,
        std::regex(R"(from node2 \([0-9a-f]{12}\) 10\.77\.0\.2%eth0: seq=1 time=[0-9.]+ ms)")))
        << r.out;
    EXPECT_NE(r.out.find("--- node3 ("), std::string::npos);
    EXPECT_NE(r.out.find("IPv4 multicast: 2 sent, 2 received, 0.0% loss"), std::string::npos)
        << r.out;
}

TEST_F(Ping, ExpectMoreRespondersThanThereAreExitsOne) {
    auto r = mcast(1, {"ping", "--count", "2", "--interval", "100ms", "--expect", "4"});
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("3 responders answered, 4 expected"), std::string::npos) << r.err;
    auto j = mcast(1, {"ping", "--count", "1", "--expect", "4", "--json"});
    EXPECT_EQ(j.code, 1);
    auto result = records(j.out, "result").at(0);
    EXPECT_FALSE(result.at("ok").as_bool());
    EXPECT_EQ(result.at("answered").as_int64(), 3);
    EXPECT_EQ(result.at("expected").as_int64(), 4);
}

TEST_F(Ping, LossOnOneResponderShowsOnThatOneOnly) {
    lab_->loss(3, 30, "in");
    auto r = mcast(
        1, {"ping", "--count", "60", "--interval", "100ms", "--json", "--max-loss", "10", "-4"});
    EXPECT_EQ(r.code, 1); // node3 is over the bound
    auto s = summaries(r.out);
    auto lossy = path(s.at(ids_[3]), 4, false).at("loss_percent").to_number<double>();
    EXPECT_GT(lossy, 10.0);
    EXPECT_LT(lossy, 55.0);
    EXPECT_FALSE(s.at(ids_[3]).at("ok").as_bool());
    for (int h : {2, 4}) {
        const auto& p = path(s.at(ids_[h]), 4, false);
        double loss = p.at("loss_percent").to_number<double>();
        EXPECT_LE(loss, load_margin_percent) << "host " << h;
        EXPECT_LT(loss, lossy) << "host " << h;
        // ok exactly when within --max-loss 10.
        EXPECT_EQ(s.at(ids_[h]).at("ok").as_bool(), loss <= 10.0) << "host " << h;
        EXPECT_EQ(p.at("sent").as_int64(), 60) << "host " << h;
        EXPECT_LE(p.at("received").as_int64(), 60) << "host " << h;
    }
}

TEST_F(Ping, UnicastTooComparesSideBySide) {
    auto r =
        mcast(1, {"ping", "--count", "3", "--interval", "100ms", "--unicast-too", "--json", "-4"});
    ASSERT_EQ(r.code, 0) << r.err;
    auto s = summaries(r.out);
    for (int h : {2, 3}) {
        const auto& u = path(s.at(ids_[h]), 4, true);
        EXPECT_GE(u.at("received").as_int64(), 2); // unicast starts after the first multicast reply
        EXPECT_EQ(u.at("received").as_int64(), u.at("sent").as_int64());
    }
    // A bare responder announces no address: a reply's source is only a claim, so it is never
    // probed by unicast (docs/security.md, Ping).
    for (const auto& p : s.at(ids_[4]).at("paths").as_array())
        if (p.at("unicast").as_bool()) {
            EXPECT_EQ(p.at("sent").as_int64(), 0) << json::serialize(p);
        }
}

TEST_F(Ping, UnknownPeerIsListedSilentAndFails) {
    auto r = mcast(1, {"ping", "--count", "2", "--interval", "100ms", "--json", "--peer",
                       "00000000", "--peer", ids_[2].substr(0, 8)});
    EXPECT_EQ(r.code, 1);
    auto s = summaries(r.out);
    ASSERT_EQ(s.size(), 2u) << r.out; // node2 and the silent one; the others filtered out
    EXPECT_TRUE(s.at(ids_[2]).at("ok").as_bool());
    EXPECT_FALSE(s.at("00000000").at("ok").as_bool());
    EXPECT_EQ(s.at("00000000").at("why").as_string(), "no reply");
}

TEST_F(Ping, InterruptPrintsTheSummarySoFar) {
    auto p = lab_->spawn_mcast(
        1, {"ping", "--count", "0", "--interval", "100ms", "--json", "-4", "--identity", key(1)});
    ASSERT_TRUE(p.wait_for_line(Stream::out, std::regex("\"type\":\"reply\""), 5s)) << p.err();
    std::this_thread::sleep_for(300ms);
    p.signal(SIGINT);
    ASSERT_EQ(p.wait(5s), 0) << p.err();
    auto s = summaries(p.out());
    EXPECT_EQ(s.size(), 3u);
    EXPECT_GE(path(s.at(ids_[2]), 4, false).at("received").as_int64(), 2);
}

TEST_F(Ping, ProbesInFlightAtCtrlCAreNotCountedLost) {
    // node2 stops answering (SIGSTOP: the probes wait in its socket) 600 ms before Ctrl-C: about
    // six probes to it (100 ms apart, --timeout 1s) are still in flight then. They are neither
    // sent nor lost; only probes that timed out unanswered would be.
    auto p = lab_->spawn_mcast(1, {"ping", "--count", "0", "--interval", "100ms", "--timeout", "1s",
                                   "--json", "-4", "--peer", ids_[2].substr(0, 12), "--identity",
                                   key(1)});
    ASSERT_TRUE(p.wait_for_line(Stream::out, std::regex("\"type\":\"reply\""), 5s)) << p.err();
    std::this_thread::sleep_for(1500ms);
    responders_.at(2).signal(SIGSTOP);
    std::this_thread::sleep_for(600ms);
    p.signal(SIGINT);
    const auto code = p.wait(5s);
    responders_.at(2).signal(SIGCONT);
    ASSERT_EQ(code, 0) << p.out() << p.err();
    const auto s = summaries(p.out());
    ASSERT_TRUE(s.count(ids_[2])) << p.out();
    const auto& m4 = path(s.at(ids_[2]), 4, false);
    const auto sent = m4.at("sent").as_int64(), received = m4.at("received").as_int64();
    EXPECT_GE(received, 10) << json::serialize(m4);
    // Counted lost, the six in flight would be over 20 %; a loaded machine may lose a little.
    EXPECT_LE(static_cast<double>(sent - received),
              load_margin_percent / 100 * static_cast<double>(sent))
        << json::serialize(m4);
}

TEST_F(Ping, ForgedAndForeignRepliesAreNotCounted) {
    // Replies from a key of the test's own: one to a run that is not the pinger's, one with a
    // broken signature. Neither may show up as a responder.
    auto id = mcast::Identity::generate();
    mcast::Sender snd(id, 3);
    auto wall = std::chrono::duration_cast<std::chrono::nanoseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
    std::vector<std::string> hex;
    for (std::int64_t seq = 1; seq <= 3; ++seq) {
        mcast::Reply rep{{}, seq, 4, false, 0, "forger"};
        rep.run.fill(0x11);
        hex.push_back(mcast::to_hex(snd.seal(mcast::type_byte(mcast::MessageType::ping_reply), "",
                                             mcast::encode_reply(rep), wall)));
        auto broken = snd.seal(mcast::type_byte(mcast::MessageType::ping_reply), "",
                               mcast::encode_reply(rep), wall);
        broken.back() ^= 1;
        hex.push_back(mcast::to_hex(broken));
    }
    auto p = lab_->spawn_mcast(
        1, {"ping", "--count", "3", "--interval", "200ms", "--json", "-4", "--identity", key(1)});
    std::this_thread::sleep_for(150ms);
    std::vector<std::string> argv{MCAST_INJECT_PATH, "eth0", "239.255.77.67", "7767"};
    argv.insert(argv.end(), hex.begin(), hex.end());
    ASSERT_EQ(lab_->run(5, argv), 0);
    ASSERT_EQ(p.wait(15s), 0) << p.err();
    EXPECT_EQ(p.out().find("forger"), std::string::npos);
    EXPECT_EQ(p.out().find(id.id().full()), std::string::npos);
    EXPECT_EQ(summaries(p.out()).size(), 3u);
}

} // namespace

namespace {

TEST_F(Ping, TwoInterfacesOnOneLanAreNotCountedAsLoss) {
    lab_->link(1, "eth1"); // the prober reaches the same LAN twice
    std::this_thread::sleep_for(300ms);
    auto r = mcast(
        1, {"ping", "--count", "3", "--interval", "100ms", "--json", "-4", "--max-loss", "0"});
    ASSERT_EQ(r.code, 0) << r.err << r.out;
    for (int h : {2, 3, 4})
        EXPECT_EQ(
            path(summaries(r.out).at(ids_[h]), 4, false).at("loss_percent").to_number<double>(),
            0.0);
}

TEST_F(Ping, AMulticastProbeAskingForUnicastGetsNoReply) {
    // A signed probe sent to the group with unicast=true: answering it would let one datagram
    // make every node send to a spoofable source. Nobody may answer.
    auto id = mcast::Identity::generate();
    mcast::Sender snd(id, 8);
    mcast::Probe p;
    p.run.fill(0x5a);
    p.seq = 1;
    p.family = 4;
    p.unicast = true;
    auto wall = std::chrono::duration_cast<std::chrono::nanoseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
    auto d = snd.seal(mcast::type_byte(mcast::MessageType::ping_probe), "", mcast::encode_probe(p),
                      wall);
    ASSERT_EQ(lab_->run(1, {MCAST_INJECT_PATH, "eth0", "239.255.77.67", "7767", mcast::to_hex(d)}),
              0);
    std::this_thread::sleep_for(300ms);
    // The bare responder on h4 says how many probes it answered when it stops.
    auto& responder = responders_.at(4);
    responder.signal(SIGINT);
    ASSERT_EQ(responder.wait(5s), 0);
    EXPECT_NE(responder.err().find("answered 0 probes"), std::string::npos) << responder.err();
}

TEST_F(Ping, AnIpv4OnlyNodeIsNotChargedWithIpv6Loss) {
    responders_.emplace(
        5, lab_->spawn_mcast(5, {"announce", "-4", "-v", "--name", "node5", "--identity", key(5)}));
    ASSERT_TRUE(responders_.at(5).wait_for_line(Stream::err, std::regex("announcing"), 5s));
    auto r = mcast(1, {"ping", "--count", "3", "--interval", "100ms", "--json", "--max-loss", "0"});
    ASSERT_EQ(r.code, 0) << r.err << r.out;
    auto s = summaries(r.out).at(ids_[5]);
    EXPECT_TRUE(s.at("ok").as_bool());
    EXPECT_EQ(s.at("paths").as_array().size(), 1u); // IPv4 multicast only
}

TEST_F(Ping, SpeedTestEveryResponderReports) {
    auto r = mcast(1, {"ping", "--speed", "--rate", "1000", "--duration", "1s", "--json"});
    ASSERT_EQ(r.code, 0) << r.err;
    auto s = records(r.out, "speed");
    ASSERT_EQ(s.size(), 1u);
    EXPECT_EQ(s[0].at("size").as_int64(), 512);
    EXPECT_NEAR(s[0].at("sent").to_number<double>(), 1000, 20);
    EXPECT_FALSE(s[0].at("sender_limited").as_bool());
    const auto& rx = s[0].at("receivers").as_array();
    ASSERT_EQ(rx.size(), 3u);
    std::set<std::string> ids;
    auto sent = s[0].at("sent").as_int64();
    for (const auto& v : rx) {
        ids.insert(std::string(v.at("id").as_string()));
        auto received = v.at("received").as_int64();
        EXPECT_EQ(received + v.at("lost").as_int64(), sent);
        EXPECT_LE(received, sent);
        EXPECT_LE(v.at("loss_percent").to_number<double>(), load_margin_percent);
        EXPECT_GE(static_cast<double>(received),
                  static_cast<double>(sent) * (1 - load_margin_percent / 100));
        EXPECT_LT(v.at("jitter_ms").to_number<double>(), 5.0);
        EXPECT_NEAR(v.at("rate_pps").to_number<double>(), 1000, 100 + 10 * load_margin_percent);
    }
    EXPECT_EQ(ids, (std::set<std::string>{ids_[2], ids_[3], ids_[4]}));
}

TEST_F(Ping, SpeedTestLossShowsOnTheLossyResponder) {
    lab_->loss(4, 20, "in");
    auto r = mcast(1, {"ping", "--speed", "--rate", "1000", "--duration", "1s", "--json"});
    ASSERT_EQ(r.code, 0) << r.err;
    auto s = records(r.out, "speed").at(0);
    auto sent = s.at("sent").as_int64();
    std::map<std::string, double> loss;
    for (const auto& v : s.at("receivers").as_array()) {
        loss[std::string(v.at("id").as_string())] = v.at("loss_percent").to_number<double>();
        EXPECT_EQ(v.at("received").as_int64() + v.at("lost").as_int64(), sent);
    }
    // Every responder reports, the lossy one too.
    ASSERT_EQ(loss.size(), 3u);
    ASSERT_TRUE(loss.count(ids_[4]));
    // 20 % injected of about 1000: 16-24 % within three standard deviations, plus what load
    // may add on top.
    EXPECT_GT(loss.at(ids_[4]), 12.0);
    EXPECT_LT(loss.at(ids_[4]), 30.0 + load_margin_percent);
    for (int h : {2, 3}) {
        ASSERT_TRUE(loss.count(ids_[h])) << "host " << h;
        EXPECT_LE(loss.at(ids_[h]), load_margin_percent) << "host " << h;
    }
    // The injected loss is the network's, not the receiver's kernel's.
    for (const auto& v : s.at("receivers").as_array()) {
        if (v.at("id").as_string() != ids_[4]) continue;
        EXPECT_FALSE(v.at("receiver_limited").as_bool()) << json::serialize(v);
        EXPECT_GT(v.at("network_loss_percent").to_number<double>(), 12.0);
        EXPECT_TRUE(v.at("kernel_drops").is_int64()) << json::serialize(v);
    }
    EXPECT_EQ(s.at("limited_by").as_string(), "network");
}

// A receiver too slow to read (here: stopped for 2 s of a 3 s stream, so its socket's receive
// queue overflows and what it holds is read late) loses datagrams itself: they are reported as
// its kernel's and its backlog's drops, not as the network's loss, and the stream as limited by
// the receiver (whatever this machine's load did to the sender's rate).
TEST_F(Ping, SpeedTestTellsAReceiversOwnDropsFromNetworkLoss) {
    auto p =
        lab_->spawn_mcast(1, {"ping", "--speed", "--rate", "5000", "--duration", "3s", "--json"});
    std::this_thread::sleep_for(500ms);
    responders_.at(4).signal(SIGSTOP);
    std::this_thread::sleep_for(2s);
    responders_.at(4).signal(SIGCONT);
    ASSERT_EQ(p.wait(30s), 0) << p.err();
    auto s = records(p, "speed").at(0);
    const auto sent = s.at("sent").as_int64();
    bool seen = false;
    for (const auto& v : s.at("receivers").as_array()) {
        if (v.at("id").as_string() != ids_[4]) continue;
        seen = true;
        SCOPED_TRACE(json::serialize(v));
        const auto lost = v.at("lost").as_int64();
        ASSERT_TRUE(v.at("kernel_drops").is_int64());
        ASSERT_TRUE(v.at("backlog_drops").is_int64());
        const auto own = v.at("kernel_drops").as_int64() + v.at("backlog_drops").as_int64();
        // About 2 s of the stream arrived while it was stopped, more than its queue holds; what
        // it held was read late (how much of each depends on the machine's load).
        EXPECT_GT(lost, sent / 10);
        EXPECT_GT(own, 0);
        // The drops count whatever its queues dropped (an end marker, another node's datagram
        // too: upper bounds, protocol.md section 10), so they may pass what this stream lost by
        // a few; the sender takes at most `lost` of them as the receiver's.
        EXPECT_LE(own, lost + sent / 100);
        EXPECT_EQ(v.at("network_lost").as_int64(), lost - std::min(own, lost));
        // Nothing lost them on the way: the lab's links do not (a loaded machine may lose a
        // few in its network stack, far fewer than the stopped receiver).
        EXPECT_TRUE(v.at("receiver_limited").as_bool());
        EXPECT_LT(v.at("network_lost").as_int64(), own / 10);
    }
    EXPECT_TRUE(seen) << p.out();
    EXPECT_EQ(s.at("limited_by").as_string(), "receiver");
}

TEST_F(Ping, SpeedFindMaxReportsARate) {
    auto r = mcast(1, {"ping", "--speed", "--find-max", "--duration", "200ms", "--json"}, 60s);
    ASSERT_EQ(r.code, 0) << r.err;
    auto m = records(r.out, "speed_max");
    ASSERT_EQ(m.size(), 1u);
    EXPECT_GE(m[0].at("rate_pps").to_number<double>(), 1000.0);
    EXPECT_GT(records(r.out, "speed").size(), 2u);
}

TEST_F(Ping, BadRateIsAUsageError) {
    auto r = mcast(1, {"ping", "--speed", "--rate", "fast"});
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("mcast ping: --rate: bad value 'fast'"), std::string::npos) << r.err;
}

} // namespace
