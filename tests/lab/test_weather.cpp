// Lab test of the network weather (#13): resident nodes on four hosts share signed reports; a
// declaration made on one host (mcast activity) shows up in every other host's `mcast weather` at
// once and leaves it when cleared or when its lease lapses; a host without a resident node hears
// the reports itself; forged, replayed, absurd and malformed reports change nothing and are
// counted; bad requests on the control socket get one-line errors and documented exit codes.
#include "lab_fixture.hpp"

#include <regex>
#include <thread>

using namespace mcast::testlab;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

class Weather : public LabTest {
protected:
    void SetUp() override { make_lab(4, "we"); }

    // A resident node that reports every second (the minimum), so that tests need not wait.
    Process weather_node(int host, const std::string& name, int key_host = 0) {
        auto p = lab_->spawn_mcast(host, {"announce", "-v", "--name", name, "--weather-interval",
                                          "1s", "--identity", key(key_host ? key_host : host)});
        EXPECT_TRUE(p.wait_for_line(Stream::err, std::regex("announcing"), 5s)) << p.err();
        return p;
    }

    // The weather record `mcast weather --json` prints on `host`.
    json::object weather(int host, std::vector<std::string> extra = {}) {
        std::vector<std::string> args{"weather", "--json"};
        args.insert(args.end(), extra.begin(), extra.end());
        auto r = mcast(host, args);
        EXPECT_EQ(r.code, 0) << r.err;
        auto recs = records(r.out, "weather");
        if (recs.empty()) return {};
        return recs.back();
    }

    static const json::object* node_named(const json::object& w, std::string_view name) {
        if (!w.contains("nodes")) return nullptr;
        for (const auto& n : w.at("nodes").as_array())
            if (n.as_object().at("name").as_string() == name) return &n.as_object();
        return nullptr;
    }

    static bool has_activity(const json::object* n, std::string_view cls) {
        if (!n) return false;
        for (const auto& a : n->at("activities").as_array())
            if (a.as_object().at("class").as_string() == cls) return true;
        return false;
    }

    // Polls `host`'s weather every 100 ms until `pred` holds; the time it took, or nullopt.
    std::optional<std::chrono::milliseconds>
    until(int host, std::chrono::milliseconds limit,
          const std::function<bool(const json::object&)>& pred) {
        auto start = std::chrono::steady_clock::now();
        while (std::chrono::steady_clock::now() - start < limit) {
            if (pred(weather(host)))
                return std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::steady_clock::now() - start);
            std::this_thread::sleep_for(100ms);
        }
        return std::nullopt;
    }
};

TEST_F(Weather, DeclarationsTravelAtOnceAndLeaveWhenCleared) {
    auto n1 = weather_node(1, "alpha");
    auto n2 = weather_node(2, "media-pc");
    auto n3 = weather_node(3, "nas");
    auto n4 = weather_node(4, "delta");

    ASSERT_TRUE(until(1, 10s, [](const json::object& w) {
        return w.contains("nodes") && w.at("nodes").as_array().size() == 4;
    })) << "h1 never saw four nodes";
    auto w = weather(1);
    EXPECT_TRUE(node_named(w, "alpha")->at("local").as_bool());
    EXPECT_FALSE(node_named(w, "nas")->at("local").as_bool());
    EXPECT_EQ(w.at("source").as_string(), "from the resident node");

    auto set = mcast(2, {"activity", "set", "live-stream", "--rate", "8Mbit", "--for", "1m",
                         "--label", "match", "--json"});
    ASSERT_EQ(set.code, 0) << set.err;
    auto decl = records(set.out, "activity").at(0);
    EXPECT_EQ(decl.at("class").as_string(), "live-stream");
    EXPECT_EQ(decl.at("priority").as_int64(), 6);
    EXPECT_EQ(decl.at("rate_bps").as_int64(), 8'000'000);
    const std::string id(decl.at("id").as_string());

    // A declaration goes out at once (debounced 200 ms), not at the next interval.
    auto seen = until(4, 3s, [](const json::object& now) {
        return has_activity(node_named(now, "media-pc"), "live-stream");
    });
    ASSERT_TRUE(seen) << "h4 never saw media-pc's live stream";
    EXPECT_LT(*seen, 2s);
    w = weather(1);
    const auto* media = node_named(w, "media-pc");
    ASSERT_TRUE(media);
    EXPECT_EQ(media->at("activities").as_array()[0].as_object().at("label").as_string(), "match");
    EXPECT_EQ(w.at("declared_bps").as_object().at("live-stream").as_int64(), 8'000'000);
    EXPECT_NE(w.at("verdict").as_string(), "clear") << json::serialize(w);

    auto list = mcast(2, {"activity", "list", "--json"});
    ASSERT_EQ(list.code, 0) << list.err;
    ASSERT_EQ(records(list.out, "activity").size(), 1u);

    auto clear = mcast(2, {"activity", "clear", id});
    ASSERT_EQ(clear.code, 0) << clear.err;
    auto gone = until(3, 3s, [](const json::object& now) {
        const auto* n = node_named(now, "media-pc");
        return n && n->at("activities").as_array().empty();
    });
    ASSERT_TRUE(gone) << "h3 still sees the live stream";
    EXPECT_LT(*gone, 2s);
}

TEST_F(Weather, ALeaseLapsesWithoutItsProgram) {
    auto n1 = weather_node(1, "alpha");
    auto n2 = weather_node(2, "beta");
    ASSERT_EQ(mcast(2, {"activity", "set", "backup", "--for", "2s"}).code, 0);
    ASSERT_TRUE(until(1, 3s, [](const json::object& w) {
        return has_activity(node_named(w, "beta"), "backup");
    }));
    // Nobody renews it: two seconds on, beta's own node drops it and tells the others.
    ASSERT_TRUE(until(1, 5s, [](const json::object& w) {
        const auto* n = node_named(w, "beta");
        return n && n->at("activities").as_array().empty();
    })) << "the lapsed declaration stayed";
    auto list = mcast(2, {"activity", "list", "--json"});
    EXPECT_EQ(list.code, 0) << list.err;
    EXPECT_TRUE(records(list.out, "activity").empty()) << list.out;
}

TEST_F(Weather, WithoutAResidentNodeItListensItself) {
    auto n1 = weather_node(1, "alpha");
    auto n2 = weather_node(2, "beta");
    auto r = mcast(3, {"weather", "--json", "--listen", "3s"});
    ASSERT_EQ(r.code, 0) << r.err;
    auto w = records(r.out, "weather").at(0);
    EXPECT_NE(std::string(w.at("source").as_string()).find("no resident node"), std::string::npos);
    EXPECT_TRUE(node_named(w, "alpha"));
    EXPECT_TRUE(node_named(w, "beta"));

    // Nothing at all on the network: exit 1, and it says why.
    n1.kill();
    n2.kill();
    std::this_thread::sleep_for(200ms);
    auto none = mcast(4, {"weather", "--listen", "1500ms"});
    EXPECT_EQ(none.code, 1) << none.out << none.err;
    EXPECT_NE(none.out.find("no weather reports"), std::string::npos) << none.out;
}

TEST_F(Weather, ForgedReplayedAndAbsurdReportsChangeNothingAndAreCounted) {
    auto n1 = weather_node(1, "alpha");
    auto n2 = weather_node(2, "media-pc");
    ASSERT_TRUE(
        until(1, 5s, [](const json::object& w) { return node_named(w, "media-pc") != nullptr; }));

    auto inject = [&](int host, const std::string& keyfile, const std::string& kind,
                      const std::string& age) {
        auto forged = run_command({MCAST_WEATHER_FORGE_PATH, keyfile, kind, age});
        ASSERT_EQ(forged.code, 0) << forged.err;
        std::string hex = forged.out.substr(0, forged.out.find('\n'));
        ASSERT_EQ(lab_->run(host, {MCAST_INJECT_PATH, "eth0", "239.255.77.67", "7767", hex}), 0);
    };
    // media-pc's own key, a live stream dated 3 s ago: newer than the replay window's 5 s, older
    // than media-pc's last report (1 s interval), as a captured report replayed after the
    // stream ended. And one a minute old, which the replay window already drops.
    inject(3, key(2), "old-live-stream", "3");
    inject(3, key(2), "old-live-stream", "60");
    inject(3, key(3), "absurd", "0");
    inject(3, key(4), "unknown-class", "0");
    inject(3, key(4), "bad-signature", "0");
    std::this_thread::sleep_for(500ms);

    auto w = weather(1);
    const auto* media = node_named(w, "media-pc");
    ASSERT_TRUE(media) << json::serialize(w);
    EXPECT_TRUE(media->at("activities").as_array().empty()) << json::serialize(*media);
    EXPECT_FALSE(node_named(w, "forged")) << json::serialize(w);
    EXPECT_EQ(w.at("nodes").as_array().size(), 2u) << json::serialize(w);
    const auto& counts = w.at("reports").as_object();
    EXPECT_GE(counts.at("stale").as_int64(), 1) << json::serialize(counts);
    EXPECT_GE(counts.at("absurd").as_int64(), 1) << json::serialize(counts);
    EXPECT_GE(counts.at("malformed").as_int64(), 1) << json::serialize(counts);
    // Not busy: the replayed live stream changed nothing. (The lab's hosts have no default
    // route, so no node measures a link: the weather is unknown, not clear.)
    EXPECT_EQ(w.at("verdict").as_string(), "unknown") << json::serialize(w);
}

TEST_F(Weather, BadRequestsGetOneLineErrorsAndKeepWhatIsDeclared) {
    // No resident node on h1: exit 1, saying so.
    auto none = mcast(1, {"activity", "list"});
    EXPECT_EQ(none.code, 1);
    EXPECT_NE(none.err.find("no resident node"), std::string::npos) << none.err;

    auto n1 = weather_node(1, "alpha");
    auto ok = mcast(1, {"activity", "set", "live-stream", "--json"});
    ASSERT_EQ(ok.code, 0) << ok.err;

    auto bad_class = mcast(1, {"activity", "set", "torrent"});
    EXPECT_EQ(bad_class.code, 2);
    EXPECT_NE(bad_class.err.find("unknown activity class 'torrent'"), std::string::npos)
        << bad_class.err;
    auto bad_rate = mcast(1, {"activity", "set", "backup", "--rate", "fast"});
    EXPECT_EQ(bad_rate.code, 2) << bad_rate.err;
    auto unknown = mcast(1, {"activity", "clear", "a99"});
    EXPECT_EQ(unknown.code, 1) << unknown.err;
    EXPECT_NE(unknown.err.find("no declaration a99"), std::string::npos) << unknown.err;

    auto list = mcast(1, {"activity", "list", "--json"});
    ASSERT_EQ(list.code, 0) << list.err;
    EXPECT_EQ(records(list.out, "activity").size(), 1u)
        << "a refused request changed what was declared";

    // A second node on the same host cannot take the socket the user chose for the first.
    auto path = std::string("/run/netlab/runtime/") + lab_->name() + "-h1/mcast/control";
    auto second = mcast(1, {"announce", "--name", "other", "--control", path, "--timeout", "2s"});
    EXPECT_EQ(second.code, 2);
    EXPECT_NE(second.err.find("another resident node"), std::string::npos) << second.err;
}

} // namespace

namespace {

// `activity run` holds its declaration exactly while CMD runs: gone when CMD ends, and gone when
// mcast itself is killed with SIGKILL (the node ends what a closed connection held).
TEST_F(Weather, ActivityRunHoldsItsDeclarationExactlyWhileCmdRuns) {
    auto n1 = weather_node(1, "alpha");
    auto n2 = weather_node(2, "beta");
    auto streaming = [](const json::object& w) {
        return has_activity(node_named(w, "beta"), "live-stream");
    };

    auto done = mcast(2, {"activity", "run", "live-stream", "--", "sh", "-c", "sleep 1; exit 3"});
    EXPECT_EQ(done.code, 3) << done.err; // CMD's status
    ASSERT_TRUE(until(1, 3s, [&](const json::object& w) { return !streaming(w); }));

    auto run = lab_->spawn_mcast(
        2, {"activity", "run", "live-stream", "--identity", key(2), "--", "sleep", "30"});
    ASSERT_TRUE(until(1, 3s, streaming)) << run.err();
    run.signal(SIGKILL); // mcast only: sleep lives on in its own group
    auto gone = until(1, 3s, [&](const json::object& w) { return !streaming(w); });
    EXPECT_TRUE(gone) << "the declaration outlived its killed holder";
    auto missing = mcast(2, {"activity", "run", "backup", "--", "/nonexistent/cmd"});
    EXPECT_EQ(missing.code, 127) << missing.err;
    auto list = mcast(2, {"activity", "list", "--json"});
    EXPECT_TRUE(records(list.out, "activity").empty()) << list.out;
}

// The whole chain: a declaration on one host makes `mcast yield` on another pause its job, and
// the clear lets it go on; the job's status comes back.
TEST_F(Weather, YieldPausesForANeighboursLiveStreamAndGoesOnWhenItClears) {
    auto n1 = weather_node(1, "laptop");
    auto n2 = weather_node(2, "media-pc");
    ASSERT_TRUE(
        until(1, 5s, [](const json::object& w) { return node_named(w, "media-pc") != nullptr; }));
    auto job = lab_->spawn_mcast(1, {"yield", "--priority", "low", "--json", "--identity", key(1),
                                     "--", "sh", "-c", "sleep 3; exit 5"});
    ASSERT_TRUE(job.wait_for_line(Stream::out, std::regex(R"("event":"start")"), 5s)) << job.err();
    auto set = mcast(2, {"activity", "set", "live-stream", "--rate", "8Mbit", "--json"});
    ASSERT_EQ(set.code, 0) << set.err;
    const auto t0 = std::chrono::steady_clock::now();
    ASSERT_TRUE(job.wait_for_line(Stream::out, std::regex(R"("event":"yield")"), 3s))
        << job.out() << job.err();
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s); // declared traffic: under 2 s
    // Paused: the job does not end while the stream lasts.
    EXPECT_FALSE(job.wait(4s).has_value()) << "the job ran on through the live stream";
    const std::string id(records(set.out, "activity").at(0).at("id").as_string());
    ASSERT_EQ(mcast(2, {"activity", "clear", id}).code, 0);
    ASSERT_TRUE(job.wait_for_line(Stream::out, std::regex(R"("event":"clear")"), 3s)) << job.out();
    EXPECT_EQ(job.wait(10s), 5) << job.err(); // then it finishes, with its own status
    auto yields = records(job, "yield");
    ASSERT_FALSE(yields.empty());
    bool reason_named = false;
    for (const auto& y : yields)
        if (y.at("event").as_string() == "yield")
            reason_named =
                std::string(y.at("reason").as_string()).find("media-pc") != std::string::npos;
    EXPECT_TRUE(reason_named) << job.out();
}

} // namespace

namespace {

// ping on a host with a resident node expects every node that node knows: one killed with
// SIGKILL a moment ago is listed as silent and fails the run, not left out.
TEST_F(Weather, PingListsTheNodesTheResidentNodeKnowsThatDoNotAnswer) {
    auto n1 = weather_node(1, "alpha");
    auto n2 = lab_->spawn_mcast(2, {"announce", "-v", "--name", "beta", "--identity", key(2)});
    ASSERT_TRUE(n2.wait_for_line(Stream::err, std::regex("announcing"), 5s)) << n2.err();
    ASSERT_TRUE(
        until(1, 8s, [](const json::object& w) { return node_named(w, "beta") != nullptr; }));
    n2.kill(); // no goodbye: its last report (5 s interval) stays current for a while
    auto r = mcast(1, {"ping", "--json", "--count", "3", "--interval", "200ms"});
    EXPECT_EQ(r.code, 1) << r.out << r.err;
    bool listed = false;
    for (const auto& s : records(r.out, "summary"))
        if (s.at("name").as_string() == "beta") listed = true;
    EXPECT_TRUE(listed) << r.out;

    // A speed test expects them too: the silent one fails the run, named, instead of being
    // left out of "1 receiver, 1 ok".
    auto speed = mcast(1, {"ping", "--speed", "--rate", "200", "--duration", "300ms", "--json"});
    EXPECT_EQ(speed.code, 1) << speed.out << speed.err;
    const auto result = records(speed.out, "result").at(0);
    const auto& missing = result.at("missing").as_array();
    ASSERT_EQ(missing.size(), 1u) << json::serialize(result);
    EXPECT_EQ(missing[0].as_string(), "beta");
    EXPECT_NE(std::string(result.at("why").as_string()).find("beta did not report"),
              std::string::npos);

    // On another group the resident node's nodes are not expected to answer.
    auto other = mcast(1, {"ping", "-4", "--group", "239.9.9.9", "--count", "1", "--json"});
    for (const auto& s : records(other.out, "summary"))
        EXPECT_NE(s.at("name").as_string(), "beta") << other.out;
}

// --unicast-too does not fail this host's own node: it shares this port, so unicast probes to
// it would reach one of the two sockets only.
TEST_F(Weather, UnicastTooDoesNotFailThisHostsOwnNode) {
    auto n1 = weather_node(1, "alpha");
    auto n2 = lab_->spawn_mcast(2, {"announce", "-v", "--name", "beta", "--identity", key(2)});
    ASSERT_TRUE(n2.wait_for_line(Stream::err, std::regex("announcing"), 5s)) << n2.err();
    auto r = mcast(1, {"ping", "--unicast-too", "--json", "--count", "3", "--interval", "200ms"});
    EXPECT_EQ(r.code, 0) << r.out << r.err;
    bool own = false, beta_unicast = false;
    for (const auto& s : records(r.out, "summary")) {
        if (s.at("local").as_bool()) {
            own = true;
            EXPECT_TRUE(s.at("ok").as_bool()) << json::serialize(s);
        }
        if (s.at("name").as_string() == "beta")
            for (const auto& p : s.at("paths").as_array())
                if (p.at("unicast").as_bool() && p.at("received").as_int64() > 0)
                    beta_unicast = true;
    }
    EXPECT_TRUE(own) << r.out;
    EXPECT_TRUE(beta_unicast) << r.out; // the other node is still probed by unicast
}

} // namespace
