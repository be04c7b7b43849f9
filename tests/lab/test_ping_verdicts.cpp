// Lab tests for the verdicts of `mcast ping` that must not pass (issue #14): one family dropped
// by a firewall inside the lab fails the run without any bound, and --unicast-too then still
// probes that family by unicast; a node killed with SIGKILL and named with --peer NAME is listed
// silent; --speed honours --expect, --peer and --max-loss and refuses what a stream cannot
// honour; a probe this host's own firewall refuses (EPERM) fails the run with that reason; -q
// --json prints no replies, summaries come sorted and the node on this host is marked; send and
// discover say what a local EPERM kept from going out; listen shows the sender's announced name.
#include "lab_fixture.hpp"

#include <csignal>
#include <map>
#include <regex>

using namespace mcast::testlab;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

class PingVerdicts : public LabTest {
protected:
    void SetUp() override {
        make_lab(4, "pv");
        if (IsSkipped()) return;
        for (int h : {2, 3})
            nodes_.emplace(h, node(h, "node" + std::to_string(h)));
    }

    // Drops one family's multicast arriving at `host` (its own firewall, inside the lab), all of
    // it or `percent` % at random.
    void drop_multicast_in(int host, int family, int percent = 100) {
        std::vector<std::string> rule{family == 4 ? "iptables" : "ip6tables", "-A", "INPUT", "-d",
                                      family == 4 ? "224.0.0.0/4" : "ff00::/8"};
        if (percent < 100)
            rule.insert(rule.end(), {"-m", "statistic", "--mode", "random", "--probability",
                                     std::to_string(percent / 100.0)});
        rule.insert(rule.end(), {"-j", "DROP"});
        ASSERT_EQ(lab_->run(host, rule), 0);
    }

    std::map<std::string, json::object> summaries(const std::string& out) {
        std::map<std::string, json::object> m;
        for (auto& s : records(out, "summary"))
            m[std::string(s.at("responder").as_string())] = s;
        return m;
    }

    static const json::object* path(const json::object& summary, int family, bool unicast) {
        for (const auto& p : summary.at("paths").as_array())
            if (p.at("family").as_int64() == family && p.at("unicast").as_bool() == unicast)
                return &p.as_object();
        return nullptr;
    }

    std::map<int, Process> nodes_;
};

TEST_F(PingVerdicts, OneFamilyDeadFailsWithoutAnyBound) {
    drop_multicast_in(3, 4); // IPv4 multicast into node3 dropped, IPv6 fine
    auto r = mcast(1, {"ping", "--count", "3", "--interval", "100ms", "--json"});
    EXPECT_EQ(r.code, 1) << r.err << r.out;
    auto s = summaries(r.out);
    ASSERT_TRUE(s.count(ids_[3])) << r.out;
    const auto& bad = s.at(ids_[3]);
    EXPECT_FALSE(bad.at("ok").as_bool());
    ASSERT_NE(path(bad, 4, false), nullptr) << json::serialize(bad);
    EXPECT_EQ(path(bad, 4, false)->at("received").as_int64(), 0);
    EXPECT_EQ(path(bad, 6, false)->at("received").as_int64(), 3);
    const auto& failures = bad.at("failures").as_array();
    ASSERT_EQ(failures.size(), 1u) << json::serialize(bad);
    EXPECT_EQ(failures[0].at("family").as_int64(), 4);
    EXPECT_FALSE(failures[0].at("unicast").as_bool());
    EXPECT_EQ(failures[0].at("why").as_string(), "IPv4 multicast silent (100% loss)");
    EXPECT_TRUE(s.at(ids_[2]).at("ok").as_bool()) << json::serialize(s.at(ids_[2]));
    auto result = records(r.out, "result").at(0);
    EXPECT_FALSE(result.at("ok").as_bool());
    EXPECT_EQ(result.at("responders").as_int64(), 2);
    EXPECT_EQ(result.at("ok_responders").as_int64(), 1);
    EXPECT_EQ(records(r.out, "error").size(), 1u);

    // In text: the failing path named on the responder's line, and the closing count.
    auto t = mcast(1, {"ping", "--count", "2", "--interval", "100ms"});
    EXPECT_EQ(t.code, 1);
    EXPECT_TRUE(std::regex_search(
        t.out, std::regex(R"(--- node3 \([0-9a-f]{12}\) ---  FAIL: IPv4 multicast silent)")))
        << t.out;
    EXPECT_NE(t.out.find("2 responders, 1 ok"), std::string::npos) << t.out;
    EXPECT_NE(t.err.find("1 of 2 responders failed"), std::string::npos) << t.err;
}

TEST_F(PingVerdicts, UnicastTooProbesTheFamilyWhoseMulticastIsDead) {
    // "Multicast dead, unicast fine" is the snooping fault --unicast-too exists to show: node3
    // never answers an IPv4 multicast probe, so only its announced address (heard over IPv6)
    // can get it an IPv4 unicast probe.
    drop_multicast_in(3, 4);
    auto r = mcast(1, {"ping", "--count", "4", "--interval", "100ms", "--unicast-too", "--json"});
    EXPECT_EQ(r.code, 1) << r.err << r.out;
    const auto all = summaries(r.out);
    const auto& bad = all.at(ids_[3]);
    const auto* u4 = path(bad, 4, true);
    ASSERT_NE(u4, nullptr) << json::serialize(bad);
    EXPECT_GE(u4->at("sent").as_int64(), 3);
    EXPECT_EQ(u4->at("received").as_int64(), u4->at("sent").as_int64()) << json::serialize(bad);
    EXPECT_EQ(path(bad, 4, false)->at("received").as_int64(), 0);
    const auto& failures = bad.at("failures").as_array();
    ASSERT_EQ(failures.size(), 1u) << json::serialize(bad);
    EXPECT_EQ(failures[0].at("why").as_string(), "IPv4 multicast silent (100% loss)");
}

TEST_F(PingVerdicts, UnicastStartsInTheFirstRound) {
    auto r =
        mcast(1, {"ping", "--count", "3", "--interval", "150ms", "--unicast-too", "-4", "--json"});
    ASSERT_EQ(r.code, 0) << r.err << r.out;
    const auto all = summaries(r.out);
    for (int h : {2, 3}) {
        const auto* u = path(all.at(ids_[h]), 4, true);
        ASSERT_NE(u, nullptr);
        EXPECT_EQ(u->at("sent").as_int64(), 3) << "host " << h; // not an interval late
        EXPECT_EQ(u->at("received").as_int64(), 3) << "host " << h;
    }
}

TEST_F(PingVerdicts, AKilledNodeNamedWithPeerIsListedSilent) {
    // A discover here pins the names to their keys (known_names), as an admin's earlier look
    // around would: the dead node is then known by its id, not only by the name given.
    auto d = mcast(1, {"discover", "--timeout", "1s", "--json"});
    ASSERT_EQ(d.code, 0) << d.err;
    nodes_.at(3).kill(); // SIGKILL: no goodbye
    auto r = mcast(1, {"ping", "--count", "2", "--interval", "100ms", "--json", "--peer", "node3",
                       "--peer", "node2", "--peer", "nosuchnode"});
    EXPECT_EQ(r.code, 1) << r.err << r.out;
    auto s = summaries(r.out);
    ASSERT_EQ(s.size(), 3u) << r.out;
    ASSERT_TRUE(s.count(ids_[3])) << r.out;
    EXPECT_EQ(s.at(ids_[3]).at("name").as_string(), "node3");
    EXPECT_FALSE(s.at(ids_[3]).at("ok").as_bool());
    EXPECT_EQ(s.at(ids_[3]).at("why").as_string(), "no reply");
    EXPECT_EQ(path(s.at(ids_[3]), 4, false)->at("sent").as_int64(), 2);
    EXPECT_TRUE(s.at(ids_[2]).at("ok").as_bool());
    // A name this host never saw is listed as given.
    ASSERT_TRUE(s.count("nosuchnode")) << r.out;
    EXPECT_FALSE(s.at("nosuchnode").at("ok").as_bool());
    auto result = records(r.out, "result").at(0);
    EXPECT_EQ(result.at("responders").as_int64(), 3);
    EXPECT_EQ(result.at("ok_responders").as_int64(), 1);

    // Without a remembered name, the id prefix of the dead node works too.
    auto p = mcast(1, {"ping", "--count", "1", "--json", "--peer", ids_[3].substr(0, 10)});
    EXPECT_EQ(p.code, 1);
    EXPECT_FALSE(summaries(p.out).at(ids_[3]).at("ok").as_bool()) << p.out;
}

TEST_F(PingVerdicts, SpeedHonoursExpectPeerAndMaxLoss) {
    const std::vector<std::string> stream{"ping", "--speed",    "--rate",
                                          "500",  "--duration", "400ms"};
    auto with = [&](std::vector<std::string> more) {
        auto a = stream;
        a.insert(a.end(), more.begin(), more.end());
        return mcast(1, a);
    };
    // --expect 5 with two receivers: a CI check that must fail.
    auto e = with({"--expect", "5", "--json"});
    EXPECT_EQ(e.code, 1) << e.err << e.out;
    auto result = records(e.out, "result").at(0);
    EXPECT_FALSE(result.at("ok").as_bool());
    EXPECT_EQ(result.at("answered").as_int64(), 2);
    EXPECT_EQ(result.at("expected").as_int64(), 5);
    EXPECT_EQ(result.at("why").as_string(), "2 receivers reported, 5 expected");
    EXPECT_EQ(records(e.out, "error").size(), 1u);
    EXPECT_EQ(with({"--expect", "2"}).code, 0);

    // --peer keeps the one named, by name, and fails for one that did not report.
    auto p = with({"--peer", "node2", "--json"});
    ASSERT_EQ(p.code, 0) << p.err;
    const auto speed = records(p.out, "speed").at(0);
    const auto& rx = speed.at("receivers").as_array();
    ASSERT_EQ(rx.size(), 1u);
    EXPECT_EQ(rx[0].at("id").as_string(), ids_[2]);
    auto missing = with({"--peer", "node2", "--peer", "node9"});
    EXPECT_EQ(missing.code, 1);
    EXPECT_NE(missing.out.find("FAIL: node9 did not report"), std::string::npos) << missing.out;

    // --max-loss names the receiver over it, in text and in JSON, with --expect 2 as a CI check
    // would. The loss is the stream's (multicast into node3): loss of everything (netlab loss)
    // also drops the neighbour advertisements its unicast report needs, and three lost in a row
    // lose the report for good (CI saw it), which is not what this test is about.
    drop_multicast_in(3, 4, 40);
    drop_multicast_in(3, 6, 40);
    auto l = with({"--max-loss", "5", "--expect", "2"});
    EXPECT_EQ(l.code, 1) << l.err << l.out;
    EXPECT_TRUE(std::regex_search(l.out, std::regex(R"(FAIL: node3 lost [0-9.]+% > 5%)"))) << l.out;
    EXPECT_NE(l.out.find("2 receivers, 1 ok"), std::string::npos) << l.out;
    auto lj = with({"--max-loss", "5", "--expect", "2", "--json"});
    EXPECT_EQ(lj.code, 1);
    const auto lossy = records(lj.out, "speed").at(0);
    for (const auto& v : lossy.at("receivers").as_array())
        EXPECT_EQ(v.at("ok").as_bool(), v.at("id").as_string() != ids_[3]) << json::serialize(v);
    EXPECT_EQ(records(lj.out, "result").at(0).at("ok_responders").as_int64(), 1);
    ASSERT_EQ(records(lj.out, "error").size(), 1u);
    // The error names the receiver and why, as the text does.
    const std::string message(records(lj.out, "error").at(0).at("message").as_string());
    EXPECT_TRUE(std::regex_match(message, std::regex(R"(node3 lost [0-9.]+% > 5%)"))) << message;
    EXPECT_EQ(records(lj.out, "result").at(0).at("why").as_string(), message);
}

TEST_F(PingVerdicts, SpeedRefusesWhatAStreamCannotHonour) {
    for (auto other : std::vector<std::vector<std::string>>{
             {"--count", "3"}, {"--max-rtt", "5ms"}, {"--unicast-too"}, {"--interval", "1s"}}) {
        std::vector<std::string> a{"ping", "--speed"};
        a.insert(a.end(), other.begin(), other.end());
        auto r = mcast(1, a);
        EXPECT_EQ(r.code, 2) << other[0];
        EXPECT_NE(r.err.find("--speed: cannot be combined with " + other[0]), std::string::npos)
            << r.err;
    }
    auto s = mcast(1, {"ping", "--size", "20"});
    EXPECT_EQ(s.code, 2);
    EXPECT_NE(s.err.find("--size: bad value '20' (at least"), std::string::npos) << s.err;
}

// The same refusal under --speed is this host's fault too: named with its errno, not taken for
// a slow CPU or for receivers that did not report.
TEST_F(PingVerdicts, ALocalSendFailureFailsASpeedTestWithItsReason) {
    ASSERT_EQ(lab_->run(1, {"iptables", "-A", "OUTPUT", "-d", "224.0.0.0/4", "-j", "DROP"}), 0);
    auto r = mcast(1, {"ping", "--speed", "--rate", "200", "--duration", "300ms", "--json"});
    EXPECT_EQ(r.code, 1) << r.err << r.out;
    const auto speed = records(r.out, "speed").at(0);
    EXPECT_EQ(speed.at("limited_by").as_string(), "local_send") << json::serialize(speed);
    EXPECT_FALSE(speed.at("sender_limited").as_bool());
    const auto result = records(r.out, "result").at(0);
    const auto& local = result.at("local_failures").as_array();
    ASSERT_EQ(local.size(), 1u) << json::serialize(result);
    EXPECT_EQ(local[0].at("errno").as_int64(), EPERM);
    EXPECT_EQ(local[0].at("interface").as_string(), "eth0");
    const std::string why(result.at("why").as_string());
    EXPECT_NE(why.find("this host could not send"), std::string::npos) << why;
    EXPECT_NE(why.find("Operation not permitted"), std::string::npos) << why;
    auto text = mcast(1, {"ping", "--speed", "--rate", "200", "--duration", "300ms"});
    EXPECT_EQ(text.code, 1);
    EXPECT_EQ(text.err.find("CPU"), std::string::npos) << text.err;
    EXPECT_NE(text.out.find("FAIL: this host could not send"), std::string::npos) << text.out;
}

TEST_F(PingVerdicts, ALocalSendFailureFailsWithItsReason) {
    // This host's own firewall refuses IPv4 multicast: sendmsg fails with EPERM. That is not
    // the network's fault, and not "no responder answered".
    ASSERT_EQ(lab_->run(1, {"iptables", "-A", "OUTPUT", "-d", "224.0.0.0/4", "-j", "DROP"}), 0);
    auto r = mcast(1, {"ping", "--count", "3", "--interval", "100ms", "--json"});
    EXPECT_EQ(r.code, 1) << r.err << r.out;
    // Warned once, with the errno, however many probes were refused.
    const std::string warning =
        "warning: IPv4 multicast probes refused on eth0: Operation not permitted";
    auto at = r.err.find(warning);
    ASSERT_NE(at, std::string::npos) << r.err;
    EXPECT_EQ(r.err.find(warning, at + 1), std::string::npos) << r.err;
    auto result = records(r.out, "result").at(0);
    EXPECT_FALSE(result.at("ok").as_bool());
    const auto& local = result.at("local_failures").as_array();
    ASSERT_EQ(local.size(), 1u) << json::serialize(result);
    EXPECT_EQ(local[0].at("family").as_int64(), 4);
    EXPECT_EQ(local[0].at("errno").as_int64(), EPERM);
    EXPECT_EQ(local[0].at("interface").as_string(), "eth0");
    EXPECT_EQ(local[0].at("probes").as_int64(), 3);
    EXPECT_NE(std::string(result.at("why").as_string()).find("this host, not the network"),
              std::string::npos);
    // IPv6 went out and was answered: the responders are not charged with IPv4.
    const auto all = summaries(r.out);
    for (int h : {2, 3}) {
        const auto& s = all.at(ids_[h]);
        EXPECT_TRUE(s.at("ok").as_bool()) << json::serialize(s);
        EXPECT_EQ(path(s, 6, false)->at("received").as_int64(), 3);
    }
}

TEST_F(PingVerdicts, ALocalSendFailureIsSaidBySendAndDiscover) {
    // The same EPERM: send still reaches everyone over IPv6 but says what did not go out, -v or
    // not; discover lists what IPv6 found and fails, since its list may be incomplete.
    ASSERT_EQ(lab_->run(1, {"iptables", "-A", "OUTPUT", "-d", "224.0.0.0/4", "-j", "DROP"}), 0);
    const std::string refused =
        "IPv4 multicast refused on eth0: Operation not permitted (this host, not the network)";
    auto s = mcast(1, {"send", "--repeat", "3", "--interval", "10ms", "hello"});
    EXPECT_EQ(s.code, 0) << s.err;
    auto at = s.err.find("warning: " + refused);
    EXPECT_NE(at, std::string::npos) << s.err;
    EXPECT_EQ(s.err.find("warning:", at + 1), std::string::npos) << s.err; // once
    auto d = mcast(1, {"discover", "--timeout", "1s", "--json"});
    EXPECT_EQ(d.code, 1) << d.err;
    EXPECT_EQ(records(d.out, "node").size(), 2u) << d.out;
    auto errors = records(d.out, "error");
    ASSERT_EQ(errors.size(), 1u) << d.out;
    EXPECT_EQ(errors[0].at("message").as_string(),
              "the list may be incomplete: queries " + refused);
}

TEST_F(PingVerdicts, ListenShowsTheSendersAnnouncedName) {
    // node4 starts (and announces) while h1 listens: its messages carry its name. A sender this
    // host never heard announce and does not remember has none.
    auto l = lab_->spawn_mcast(
        1, {"listen", "-v", "--json", "--count", "2", "--timeout", "10s", "--identity", key(1)});
    ASSERT_TRUE(l.wait_for_line(Stream::err, std::regex("listening on"), 5s)) << l.err();
    auto n4 = node(4, "node4");
    ASSERT_EQ(mcast(4, {"send", "--topic", "t", "from four"}).code, 0);
    std::this_thread::sleep_for(200ms);
    const auto stranger = (dir_ / "stranger.pem").string(); // a key made here, no network
    ASSERT_EQ(run_command({Paths::mcast(), "id", "--new", "--identity", stranger}).code, 0);
    ASSERT_EQ(run_command(lab_->exec_argv(2, {Paths::mcast(), "send", "--topic", "t", "--identity",
                                              stranger, "from nobody"}))
                  .code,
              0);
    ASSERT_EQ(l.wait(10s), 0) << l.err();
    auto msgs = records(l, "message");
    ASSERT_EQ(msgs.size(), 2u) << l.out();
    EXPECT_EQ(msgs[0].at("sender").as_string(), ids_[4]);
    EXPECT_EQ(msgs[0].at("sender_name").as_string(), "node4");
    EXPECT_EQ(msgs[1].at("sender_name").as_string(), "");
}

TEST_F(PingVerdicts, QuietJsonSortedAndThisHostMarked) {
    // A node on the pinging host itself (its own key), named to sort first.
    auto here = node(1, "anode1", 4);
    auto r = mcast(1, {"ping", "--count", "2", "--interval", "100ms", "--json", "-q"});
    ASSERT_EQ(r.code, 0) << r.err << r.out;
    EXPECT_TRUE(records(r.out, "reply").empty()) << r.out; // -q: no reply records
    auto s = records(r.out, "summary");
    ASSERT_EQ(s.size(), 3u) << r.out;
    EXPECT_EQ(s[0].at("name").as_string(), "anode1");
    EXPECT_TRUE(s[0].at("local").as_bool());
    EXPECT_EQ(s[1].at("name").as_string(), "node2");
    EXPECT_FALSE(s[1].at("local").as_bool());
    EXPECT_EQ(s[2].at("name").as_string(), "node3");
    auto t = mcast(1, {"ping", "--count", "1", "-q"});
    EXPECT_NE(t.out.find("--- anode1 (" + ids_[4].substr(0, 12) + ", this host) ---"),
              std::string::npos)
        << t.out;
    EXPECT_EQ(t.out.find("seq="), std::string::npos) << t.out;
}

} // namespace
