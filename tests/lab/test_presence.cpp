// Lab tests for presence: real `mcast announce` nodes and `mcast discover` in namespaces.
// Found with every field, --expect and exit codes, quiet exit without --expect, filters,
// goodbye and expiry in --watch, conflicts, answers bound to their query, 20 nodes, and 20
// nodes under 30 % loss on the querier.
#include "lab_fixture.hpp"

#include "protocol/sender.hpp"
#include <mcast/peer_table.hpp>
#include <mcast/presence.hpp>

#include <csignal>
#include <regex>
#include <set>
#include <sstream>

using namespace mcast::testlab;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

class Presence : public LabTest {
protected:
    // Starts `mcast announce` on hosts [from, to] named nodeI; returns when each said it runs.
    void announce(int from, int to, std::vector<std::string> extra = {}) {
        for (int h = from; h <= to; ++h) {
            std::vector<std::string> args{"announce",   "-v",  "--name", "node" + std::to_string(h),
                                          "--identity", key(h)};
            args.insert(args.end(), extra.begin(), extra.end());
            nodes_.emplace(h, lab_->spawn_mcast(h, args));
        }
        for (int h = from; h <= to; ++h) {
            auto& p = nodes_.at(h);
            ASSERT_TRUE(p.wait_for_line(Stream::err, std::regex("announcing"), 5s))
                << "node " << h << ": " << p.err();
        }
    }

    std::set<std::string> names(const std::string& out) {
        std::set<std::string> s;
        for (auto& r : records(out, "node"))
            s.insert(std::string(r.at("name").as_string()));
        return s;
    }

    std::map<int, Process> nodes_;
};

class SmallLan : public Presence {
protected:
    void SetUp() override { make_lab(4, "pr"); }
};

TEST_F(SmallLan, DiscoverFindsEveryNodeWithAllItsAddresses) {
    announce(2, 4, {"--meta", "role=media", "--meta", "os=debian"});
    auto r = mcast(1, {"discover", "--expect", "3", "--timeout", "10s", "--json"});
    ASSERT_EQ(r.code, 0) << r.err;
    auto nodes = records(r.out, "node");
    ASSERT_EQ(nodes.size(), 3u);
    for (auto& n : nodes) {
        int h = std::stoi(std::string(n.at("name").as_string()).substr(4));
        EXPECT_EQ(n.at("id").as_string(), ids_[h]);
        EXPECT_EQ(n.at("short_id").as_string(), ids_[h].substr(0, 12));
        const auto& addrs = n.at("addresses").as_array();
        ASSERT_EQ(addrs.size(), 2u) << json::serialize(n);
        EXPECT_EQ(addrs[0].at("family").as_int64(), 4);
        EXPECT_EQ(addrs[0].at("address").as_string(), lab_->addr(h, 4));
        EXPECT_EQ(addrs[0].at("interface").as_string(), "eth0");
        EXPECT_EQ(addrs[1].at("family").as_int64(), 6);
        EXPECT_EQ(addrs[1].at("address").as_string(), lab_->addr(h, 6));
        EXPECT_EQ(n.at("meta").at("role").as_string(), "media");
        EXPECT_EQ(n.at("meta").at("os").as_string(), "debian");
        EXPECT_EQ(n.at("local").as_bool(), false);
        EXPECT_EQ(n.at("lifetime_ms").as_int64(), 90000);
    }
}

TEST_F(SmallLan, ExpectMoreThanThereAreExitsOneAtTheTimeout) {
    announce(2, 4);
    auto t0 = std::chrono::steady_clock::now();
    auto r = mcast(1, {"discover", "--expect", "4", "--timeout", "1500ms", "--json"});
    auto took = std::chrono::steady_clock::now() - t0;
    EXPECT_EQ(r.code, 1) << r.err;
    EXPECT_EQ(records(r.out, "node").size(), 3u);
    EXPECT_GE(took, 1400ms);
}

TEST_F(SmallLan, WithoutExpectItEndsSoonAfterTheAnswersStop) {
    announce(2, 4);
    auto t0 = std::chrono::steady_clock::now();
    auto r = mcast(1, {"discover", "--timeout", "10s"});
    auto took = std::chrono::steady_clock::now() - t0;
    ASSERT_EQ(r.code, 0) << r.err;
    // A table: header plus three rows, far sooner than the 10 s timeout.
    EXPECT_NE(r.out.find("NAME"), std::string::npos);
    for (auto n : {"node2", "node3", "node4"})
        EXPECT_NE(r.out.find(n), std::string::npos);
    EXPECT_LT(took, 3s);
}

TEST_F(SmallLan, NothingThereExitsOne) {
    auto r = mcast(1, {"discover", "--timeout", "5s"});
    EXPECT_EQ(r.code, 1);
    EXPECT_EQ(r.out, "");
    EXPECT_NE(r.err.find("no node found"), std::string::npos) << r.err;
}

TEST_F(SmallLan, WatchEndsAtItsTimeout) {
    auto t0 = std::chrono::steady_clock::now();
    auto r = mcast(1, {"discover", "--watch", "--timeout", "1s"});
    EXPECT_EQ(r.code, 1); // nothing joined
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
}

TEST_F(SmallLan, WatchTextLinesBeginWithTheLocalTime) {
    // A monitoring log of --watch needs to know when each event happened, as listen's lines do.
    announce(2, 2);
    auto r = mcast(1, {"discover", "--watch", "--timeout", "3s"});
    EXPECT_EQ(r.code, 0) << r.err;
    ASSERT_FALSE(r.out.empty()) << r.err;
    std::istringstream lines(r.out);
    std::string line;
    int joins = 0;
    while (std::getline(lines, line)) {
        EXPECT_TRUE(std::regex_search(line, std::regex(R"(^\d\d:\d\d:\d\d\.\d{6}  )"))) << line;
        if (std::regex_search(line, std::regex(R"(^\S+  join +node2 )"))) ++joins;
    }
    EXPECT_EQ(joins, 1) << r.out;
}

TEST_F(SmallLan, NameAndMetaFilters) {
    announce(2, 3, {"--meta", "role=media"});
    announce(4, 4, {"--meta", "role=printer"});
    auto byname = mcast(1, {"discover", "--name", "node[23]", "--json", "--timeout", "5s"});
    EXPECT_EQ(names(byname.out), (std::set<std::string>{"node2", "node3"}));
    auto bymeta = mcast(1, {"discover", "--meta", "role=printer", "--expect", "1", "--json"});
    EXPECT_EQ(bymeta.code, 0);
    EXPECT_EQ(names(bymeta.out), (std::set<std::string>{"node4"}));
}

TEST_F(SmallLan, GoodbyeLeavesAtOnceAndACrashAfterItsLifetime) {
    announce(2, 3, {"--interval", "1s", "--lifetime", "3s"});
    auto watch = lab_->spawn_mcast(
        1, {"discover", "--watch", "--json", "--timeout", "15s", "--identity", key(1)});
    // Joins come in any order: wait for two, then check who.
    for (int i = 0; i < 2; ++i)
        ASSERT_TRUE(watch.wait_for_line(Stream::out, std::regex("\"type\":\"join\""), 5s));
    ASSERT_NE(watch.out().find("\"name\":\"node2\""), std::string::npos);
    ASSERT_NE(watch.out().find("\"name\":\"node3\""), std::string::npos);

    auto t0 = std::chrono::steady_clock::now();
    nodes_.at(2).signal(SIGINT);
    EXPECT_EQ(nodes_.at(2).wait(5s), 0);
    // Ctrl-C ends announce promptly (#14 saw 1.3 s): the goodbye and the exit take milliseconds.
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 500ms);
    ASSERT_TRUE(
        watch.wait_for_line(Stream::out, std::regex("\"type\":\"leave\".*node2.*goodbye"), 2s))
        << watch.out();
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);

    t0 = std::chrono::steady_clock::now();
    nodes_.at(3).kill(); // SIGKILL: no goodbye
    ASSERT_TRUE(
        watch.wait_for_line(Stream::out, std::regex("\"type\":\"leave\".*node3.*expired"), 6s))
        << watch.out();
    auto took = std::chrono::steady_clock::now() - t0;
    EXPECT_LE(took, 3500ms); // at most the 3 s lifetime after the last announcement
}

TEST_F(SmallLan, TwoNodesWithOneKeyAreAConflict) {
    // Host 3 runs a node with host 2's key.
    nodes_.emplace(2,
                   lab_->spawn_mcast(2, {"announce", "-v", "--name", "a", "--identity", key(2)}));
    nodes_.emplace(3,
                   lab_->spawn_mcast(3, {"announce", "-v", "--name", "b", "--identity", key(2)}));
    auto& n = nodes_.at(2);
    EXPECT_TRUE(n.wait_for_line(Stream::err, std::regex("CONFLICT.*" + ids_[2].substr(0, 12)), 5s))
        << n.err();
    // discover, too, flags the identity both answer with.
    auto d = mcast(1, {"discover", "--timeout", "3s", "--json"});
    auto rows = records(d.out, "node");
    ASSERT_EQ(rows.size(), 1u) << d.out;
    EXPECT_TRUE(rows[0].at("conflict").as_bool());
}

TEST_F(SmallLan, AnnounceWarnsOnceOfWhatThisHostRefusesToSend) {
    // Host 2's own firewall drops its IPv6 multicast: sendmsg fails with EPERM. The node keeps
    // announcing over IPv4, and says, once, with the errno, that its IPv6 announcements do not
    // leave this host (it used to log "announced ... fe80::..." and nothing else).
    ASSERT_EQ(lab_->run(2, {"ip6tables", "-A", "OUTPUT", "-d", "ff00::/8", "-j", "DROP"}), 0);
    auto n = lab_->spawn_mcast(2, {"announce", "-v", "--name", "node2", "--interval", "200ms",
                                   "--timeout", "2s", "--identity", key(2)});
    ASSERT_EQ(n.wait(10s), 0) << n.err();
    const std::string warning = "warning: announcements IPv6 multicast refused on eth0: "
                                "Operation not permitted (this host, not the network)";
    auto at = n.err().find(warning);
    ASSERT_NE(at, std::string::npos) << n.err();
    EXPECT_EQ(n.err().find("warning:", at + 1), std::string::npos) << n.err(); // once
    EXPECT_EQ(n.err().find("IPv4 multicast refused"), std::string::npos) << n.err();
}

TEST_F(SmallLan, AClonedKeyShowsBothMachinesInDiscoverAndWatchAndWarnsOnBoth) {
    // One key file, used by announce on host 1 and host 2 (a cloned machine); host 3 watches.
    auto watch = lab_->spawn_mcast(3, {"discover", "--watch", "--json", "--identity", key(3)});
    nodes_.emplace(1, lab_->spawn_mcast(1, {"announce", "--identity", key(1)}));
    ASSERT_TRUE(watch.wait_for_line(Stream::out, std::regex("\"type\":\"join\""), 10s))
        << watch.out() << watch.err();
    // The clone starts after the original's first burst (0, 1 and 3 s), so that to the watcher
    // its first word looks like a restart: it must still come out as the conflict, not as an
    // update of the original.
    std::this_thread::sleep_for(4s);
    nodes_.emplace(2, lab_->spawn_mcast(2, {"announce", "--identity", key(1)}));
    // Both clones warn, each about the other's address: the one that hears first announces
    // at once, so the other hears its twin too.
    const auto id12 = ids_[1].substr(0, 12);
    for (int h : {1, 2}) {
        const int other = h == 1 ? 2 : 1;
        auto& n = nodes_.at(h);
        EXPECT_TRUE(n.wait_for_line(
            Stream::err,
            std::regex("CONFLICT.*" + id12 + ".*" +
                       std::regex_replace(lab_->addr(other, 4), std::regex("\\."), "\\.")),
            10s))
            << "host " << h << ": " << n.err();
    }
    // --watch emits the conflict, with both machines' addresses.
    ASSERT_TRUE(watch.wait_for_line(Stream::out, std::regex("\"type\":\"conflict\""), 10s))
        << watch.out() << watch.err();
    const auto has = [](const json::array& addrs, const std::string& a) {
        for (const auto& x : addrs)
            if (x.as_object().at("address").as_string() == a) return true;
        return false;
    };
    const auto both = [&](const json::object& rec) {
        if (rec.at("twin").is_null()) return false;
        const auto& mine = rec.at("addresses").as_array();
        const auto& twin = rec.at("twin").as_object().at("addresses").as_array();
        return (has(mine, lab_->addr(1, 4)) && has(twin, lab_->addr(2, 4))) ||
               (has(mine, lab_->addr(2, 4)) && has(twin, lab_->addr(1, 4)));
    };
    auto conflicts = records(watch.out(), "conflict");
    ASSERT_EQ(conflicts.size(), 1u) << watch.out();
    EXPECT_EQ(conflicts[0].at("id").as_string(), ids_[1]);
    EXPECT_TRUE(conflicts[0].at("conflict").as_bool());
    EXPECT_TRUE(both(conflicts[0])) << watch.out();
    // Nothing of the clone came as an update before (or after) the conflict.
    std::this_thread::sleep_for(mcast::PeerTable::restart_hold + 500ms);
    EXPECT_TRUE(records(watch.out(), "update").empty()) << watch.out();

    // discover lists the identity once, with both machines, in JSON and in the table.
    auto d = mcast(3, {"discover", "--timeout", "3s", "--json"});
    auto rows = records(d.out, "node");
    ASSERT_EQ(rows.size(), 1u) << d.out;
    EXPECT_TRUE(rows[0].at("conflict").as_bool());
    EXPECT_TRUE(both(rows[0])) << d.out;
    auto table = mcast(3, {"discover", "--timeout", "3s"});
    EXPECT_NE(table.out.find(lab_->addr(1, 4)), std::string::npos) << table.out;
    EXPECT_NE(table.out.find(lab_->addr(2, 4)), std::string::npos) << table.out;
    EXPECT_NE(table.out.find("CONFLICT"), std::string::npos) << table.out;
}

TEST_F(SmallLan, AReplayOfAnEarlierRunIsNoConflictATwinIsReportedOnce) {
    announce(2, 2);
    // Datagrams signed with node2's own key, as a capture of an earlier run (old timestamp) and
    // as a live twin (now), each injected three times.
    auto id = mcast::Identity::load(key(2));
    auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
    mcast::NodeInfo info;
    info.name = "node2";
    info.lifetime = 90s;
    mcast::Sender old_run(id, 111), twin(id, 222);
    auto type = mcast::type_byte(mcast::MessageType::announce);
    std::vector<std::string> hex;
    for (int i = 0; i < 3; ++i) {
        hex.push_back(mcast::to_hex(old_run.seal(type, "", mcast::encode_announce(info),
                                                 now - std::int64_t{3600} * 1'000'000'000)));
        hex.push_back(mcast::to_hex(twin.seal(type, "", mcast::encode_announce(info), now)));
    }
    std::vector<std::string> argv{MCAST_INJECT_PATH, "eth0", "239.255.77.67", "7767"};
    argv.insert(argv.end(), hex.begin(), hex.end());
    ASSERT_EQ(lab_->run(3, argv), 0);
    std::this_thread::sleep_for(300ms);
    auto& n = nodes_.at(2);
    n.signal(SIGINT);
    ASSERT_EQ(n.wait(5s), 0);
    auto err = n.err();
    std::size_t conflicts = 0;
    for (auto pos = err.find("CONFLICT"); pos != std::string::npos;
         pos = err.find("CONFLICT", pos + 1))
        ++conflicts;
    EXPECT_EQ(conflicts, 1u) << err;
}

TEST_F(SmallLan, AnAnswerToSomeoneElsesQueryIsNotListed) {
    // A validly signed answer whose nonce the querier never sent (as a captured answer would be).
    auto id = mcast::Identity::generate();
    mcast::Sender s(id, 5);
    mcast::Answer a;
    a.nonce.fill(0x42);
    a.info.name = "ghost";
    a.info.lifetime = 60s;
    auto wall = std::chrono::duration_cast<std::chrono::nanoseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
    auto d =
        s.seal(mcast::type_byte(mcast::MessageType::answer), "", mcast::encode_answer(a), wall);
    announce(2, 2);
    auto q =
        lab_->spawn_mcast(1, {"discover", "--timeout", "2s", "--json", "-4", "--identity", key(1)});
    std::this_thread::sleep_for(100ms);
    ASSERT_EQ(lab_->run(3, {MCAST_INJECT_PATH, "eth0", "239.255.77.67", "7767", mcast::to_hex(d)}),
              0);
    ASSERT_EQ(q.wait(10s), 0) << q.err();
    EXPECT_EQ(names(q.out()), (std::set<std::string>{"node2"}));
}

TEST_F(SmallLan, DiscoverSeesAnnounceOnItsOwnHostAsLocal) {
    announce(2, 2);
    auto r = mcast(2, {"discover", "--expect", "1", "--json"});
    ASSERT_EQ(r.code, 0) << r.err;
    auto n = records(r.out, "node");
    ASSERT_EQ(n.size(), 1u);
    EXPECT_TRUE(n[0].at("local").as_bool());
}

class TwentyNodes : public Presence {
protected:
    void SetUp() override { make_lab(21, "tw"); }
};

TEST_F(TwentyNodes, AllFoundAlsoWithThirtyPercentLossOnTheQuerier) {
    announce(2, 21);
    auto r = mcast(1, {"discover", "--expect", "20", "--timeout", "10s", "--json"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(names(r.out).size(), 20u);

    lab_->loss(1, 30, "in");
    auto lossy = mcast(1, {"discover", "--expect", "20", "--timeout", "15s", "--json"});
    EXPECT_EQ(lossy.code, 0) << lossy.err;
    EXPECT_EQ(names(lossy.out).size(), 20u);
}

} // namespace
