// The control socket's server and client over a real Unix socket in a temporary directory (no
// network): requests reach the handler as sent, answers and refusals come back as the client's
// values and ControlErrors, and the server's limits (line length, leftovers, another node at the
// path, permissions) hold.
#include "control/control_json.hpp"
#include "control/control_server.hpp"

#include <mcast/control.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <gtest/gtest.h>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <mutex>
#include <thread>

namespace mcast {
namespace {

namespace json = boost::json;

class ControlSocket : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/mcast-control-XXXXXX";
        dir_ = ::mkdtemp(tmpl);
        path_ = dir_ / "sub" / "control";
    }
    void TearDown() override {
        stop();
        std::filesystem::remove_all(dir_);
    }

    // Starts a server whose handler records each request and answers with `answer`.
    void serve(std::function<json::object(const json::object&)> answer) {
        server_ = std::make_unique<control::Server>(
            io_, control::Server::Options{path_, "", 2, {}},
            [this, answer](const json::object& req, const control::PeerCredentials& peer) {
                std::lock_guard lock(mu_);
                requests_.push_back(req);
                peer_uid_ = peer.uid;
                return answer(req);
            });
        thread_ = std::thread([this] { io_.run(); });
    }
    void stop() {
        if (thread_.joinable()) {
            boost::asio::post(io_, [this] { server_.reset(); });
            work_.reset();
            io_.stop();
            thread_.join();
        }
        server_.reset();
    }
    std::vector<json::object> requests() {
        std::lock_guard lock(mu_);
        return requests_;
    }

    // A raw connection: sends `bytes`, returns what comes back until the server closes.
    std::string raw(const std::string& bytes) {
        int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strncpy(addr.sun_path, path_.c_str(), sizeof addr.sun_path - 1);
        EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
        timeval tv{3, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        EXPECT_EQ(::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL),
                  static_cast<ssize_t>(bytes.size()));
        std::string got;
        char buf[4096];
        for (;;) {
            auto n = ::recv(fd, buf, sizeof buf, 0);
            if (n <= 0) break;
            got.append(buf, static_cast<std::size_t>(n));
            if (got.find('\n') != std::string::npos && bytes.find('\n') != std::string::npos &&
                bytes.size() < control::max_request_line)
                break;
        }
        ::close(fd);
        return got;
    }

    std::filesystem::path dir_, path_;
    boost::asio::io_context io_;
    std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_{
        boost::asio::make_work_guard(io_)};
    std::unique_ptr<control::Server> server_;
    std::thread thread_;
    std::mutex mu_;
    std::vector<json::object> requests_;
    unsigned peer_uid_ = 12345;
};

TEST_F(ControlSocket, DeclareReachesTheHandlerAndItsIdComesBack) {
    serve([](const json::object&) { return json::object{{"ok", true}, {"id", "a7"}}; });
    ControlClient client(path_);
    Activity a{ActivityClass::live_stream, 6, 8'000'000, "match"};
    EXPECT_EQ(client.declare(a, std::chrono::minutes(2)), "a7");
    auto reqs = requests();
    ASSERT_EQ(reqs.size(), 1u);
    EXPECT_EQ(reqs[0].at("op").as_string(), "declare");
    EXPECT_EQ(reqs[0].at("class").as_string(), "live-stream");
    EXPECT_EQ(reqs[0].at("rate_bps").to_number<std::uint64_t>(), 8'000'000u);
    EXPECT_EQ(reqs[0].at("lease_ms").to_number<std::int64_t>(), 120'000);
    EXPECT_EQ(reqs[0].at("label").as_string(), "match");
    EXPECT_EQ(peer_uid_, ::geteuid()); // SO_PEERCRED
}

TEST_F(ControlSocket, WeatherAndAdviceSurviveTheTripBothWays) {
    Weather w;
    NodeWeather n;
    n.id.digest[0] = 0xab;
    n.name = "media-pc";
    n.local = true;
    n.activities.push_back({ActivityClass::live_stream, 6, 8'000'000, "tv"});
    n.up_bps = 8'200'000;
    n.up_history = {1, 2, 3};
    w.nodes.push_back(n);
    w.lan_up_bps = 8'200'000;
    w.capacity_up_bps = 10'000'000;
    w.capacity_source = CapacitySource::setting;
    w.utilisation_up = 0.82;
    GatewayFigures g;
    g.rtt_now_us = 35'000;
    g.rtt_floor_us = 2'000;
    g.latency_note = "ICMP echo to 10.0.0.1";
    w.gateway = g;
    w.queueing_delay_us = 33'000;
    w.verdict = Verdict::busy;
    w.reason = "uplink 82 % full";
    Advice advice{true, 1'000'000, "media-pc live-stream (priority 6)"};
    serve([&](const json::object& req) {
        json::object o{{"ok", true}};
        if (req.at("op").as_string() == "weather") o["weather"] = control::to_json(w);
        if (req.at("op").as_string() == "advice") o["advice"] = control::to_json(advice);
        return o;
    });
    ControlClient client(path_);
    auto back = client.weather(Heed::trusted);
    ASSERT_EQ(back.nodes.size(), 1u);
    EXPECT_EQ(back.nodes[0].id, n.id);
    EXPECT_EQ(back.nodes[0].activities, n.activities);
    EXPECT_EQ(back.nodes[0].up_history, n.up_history);
    EXPECT_TRUE(back.nodes[0].local);
    EXPECT_EQ(back.capacity_source, CapacitySource::setting);
    EXPECT_EQ(back.gateway, w.gateway);
    EXPECT_EQ(back.verdict, Verdict::busy);
    EXPECT_EQ(back.reason, w.reason);
    EXPECT_DOUBLE_EQ(*back.utilisation_up, 0.82);
    EXPECT_EQ(client.advice(1, Heed::any), advice);
    auto reqs = requests();
    ASSERT_EQ(reqs.size(), 2u);
    EXPECT_EQ(reqs[0].at("heed").as_string(), "trusted");
    EXPECT_EQ(reqs[1].at("priority").to_number<int>(), 1);
}

TEST_F(ControlSocket, ARefusalIsAControlErrorWithItsLine) {
    serve([](const json::object&) {
        auto o = control::error_reply("no declaration a9");
        o["not_found"] = true;
        return o;
    });
    ControlClient client(path_);
    try {
        client.clear("a9");
        FAIL() << "no error";
    } catch (const ControlError& e) {
        EXPECT_STREQ(e.what(), "no declaration a9");
        EXPECT_TRUE(e.not_found);
        EXPECT_FALSE(e.no_node);
    }
}

TEST_F(ControlSocket, NoNodeAtThePathSaysSo) {
    try {
        ControlClient client(path_);
        FAIL() << "connected to nothing";
    } catch (const ControlError& e) {
        EXPECT_TRUE(e.no_node);
        EXPECT_NE(std::string(e.what()).find(path_.string()), std::string::npos) << e.what();
    }
}

TEST_F(ControlSocket, GarbageAndOverlongLinesGetOneLineErrors) {
    serve([](const json::object&) { return json::object{{"ok", true}}; });
    auto bad = raw("not json\n");
    EXPECT_NE(bad.find("\"ok\":false"), std::string::npos) << bad;
    EXPECT_NE(bad.find("one JSON object"), std::string::npos) << bad;
    auto longline = raw(std::string(control::max_request_line + 10, 'x'));
    EXPECT_NE(longline.find("longer than"), std::string::npos) << longline;
    EXPECT_TRUE(requests().empty()); // the handler never saw either
}

TEST_F(ControlSocket, TheSocketIsTheOwnersAlone) {
    serve([](const json::object&) { return json::object{{"ok", true}}; });
    struct stat st {};
    ASSERT_EQ(::stat(path_.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    ASSERT_EQ(::stat(path_.parent_path().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700u); // the directory it made
}

TEST_F(ControlSocket, AnotherNodeAtThePathIsRefusedAndALeftoverReplaced) {
    serve([](const json::object&) { return json::object{{"ok", true}}; });
    boost::asio::io_context other;
    EXPECT_THROW(control::Server(other, {path_, "", 2, {}}, nullptr), ControlError);
    ControlClient still(path_); // the first one still serves
    EXPECT_NO_THROW(still.list());
    stop();

    // A socket file nobody listens on (a node killed with SIGKILL) is taken over.
    int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path_.c_str(), sizeof addr.sun_path - 1);
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    ::close(fd);
    ASSERT_TRUE(std::filesystem::exists(path_));
    boost::asio::io_context again;
    EXPECT_NO_THROW(control::Server(again, {path_, "", 2, {}}, nullptr));
}

TEST_F(ControlSocket, ConnectionsBeyondTheLimitAreTurnedAway) {
    serve([](const json::object&) {
        return json::object{{"ok", true}, {"declarations", json::array()}};
    });
    ControlClient a(path_), b(path_);
    a.list();
    b.list();
    try {
        ControlClient c(path_);
        c.list();
        FAIL() << "a third connection was served (limit 2)";
    } catch (const ControlError& e) {
        EXPECT_NE(std::string(e.what()).find("too many"), std::string::npos) << e.what();
    }
}

TEST(ControlJson, AnActivityNeedsAKnownClassAndSaneFields) {
    std::string error;
    EXPECT_FALSE(control::activity_from_json(json::object{{"class", "torrent"}}, error));
    EXPECT_NE(error.find("torrent"), std::string::npos);
    EXPECT_FALSE(
        control::activity_from_json(json::object{{"class", "backup"}, {"priority", 9}}, error));
    EXPECT_FALSE(
        control::activity_from_json(json::object{{"class", "backup"}, {"rate_bps", -1}}, error));
    auto a = control::activity_from_json(json::object{{"class", "backup"}}, error);
    ASSERT_TRUE(a);
    EXPECT_EQ(a->priority, default_priority(ActivityClass::backup));
}

} // namespace
} // namespace mcast
