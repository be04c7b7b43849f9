// Lab tests for pairing: both sides show the same code and become each other's friends; a side
// that does not accept leaves both trust stores as they were; --list shows a waiting request; an
// unanswered request expires with nothing changed.
#include "lab_fixture.hpp"

#include <filesystem>
#include <fstream>
#include <regex>

using namespace mcast::testlab;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

class Pair : public LabTest {
protected:
    void SetUp() override { make_lab(3, "pa"); }

    // mcast on `host` with that host's key and its own config directory (its own trust store).
    std::vector<std::string> argv(int host, std::vector<std::string> args) {
        std::vector<std::string> a{
            "env", "XDG_CONFIG_HOME=" + (dir_ / ("c" + std::to_string(host))).string(),
            Paths::mcast()};
        a.insert(a.end(), args.begin(), args.end());
        a.insert(a.end(), {"--identity", key(host)});
        return a;
    }
    std::vector<json::object> friends(int host) {
        auto r = run_command(argv(host, {"trust", "list", "--json"}));
        return records(r.out, "friend");
    }
};

TEST_F(Pair, BothSeeTheSameCodeAndBecomeFriends) {
    auto b = lab_->spawn(
        2, argv(2, {"pair", "--answer", ids_[1], "--yes", "--json", "--timeout", "15s"}));
    std::this_thread::sleep_for(300ms);
    auto a = run_command(
        lab_->exec_argv(1, argv(1, {"pair", ids_[2], "--yes", "--json", "--timeout", "15s"})), 20s);
    ASSERT_EQ(a.code, 0) << a.err;
    ASSERT_EQ(b.wait(10s), 0) << b.err();
    std::string code_a, code_b;
    for (auto& r : records(a.out, "pair"))
        if (r.at("event").as_string() == "code") code_a = std::string(r.at("code").as_string());
    for (auto& r : records(b.out(), "pair"))
        if (r.at("event").as_string() == "code") code_b = std::string(r.at("code").as_string());
    ASSERT_TRUE(std::regex_match(code_a, std::regex(R"(\d{3} \d{3})"))) << a.out;
    EXPECT_EQ(code_a, code_b);
    auto fa = friends(1), fb = friends(2);
    ASSERT_EQ(fa.size(), 1u);
    ASSERT_EQ(fb.size(), 1u);
    EXPECT_EQ(fa[0].at("id").as_string(), ids_[2]);
    EXPECT_EQ(fb[0].at("id").as_string(), ids_[1]);
}

TEST_F(Pair, EachSideGivesItsNodesNameAndAnAnswerOnlyNodeIsFoundByIdNotByName) {
    // h2's node is called media-pc (announce's name in its config), not the host name.
    std::filesystem::create_directories(dir_ / "c2" / "mcast");
    std::ofstream(dir_ / "c2" / "mcast" / "config") << "[announce]\nname = media-pc\n";
    auto b = lab_->spawn(
        2, argv(2, {"pair", "--answer", ids_[1], "--yes", "--json", "--timeout", "20s"}));
    // While it waits it says how the other side finds it: by its full id, since it runs no
    // announce and answers no discovery.
    ASSERT_TRUE(
        b.wait_for_line(Stream::err, std::regex("mcast pair " + ids_[2] + ".*mcast announce"), 5s))
        << b.err();
    // By name it cannot be found, and the error says why and what to do.
    auto by_name =
        run_command(lab_->exec_argv(1, argv(1, {"pair", "media-pc", "--timeout", "3s"})), 20s);
    EXPECT_EQ(by_name.code, 1);
    EXPECT_NE(by_name.err.find("mcast announce"), std::string::npos) << by_name.err;
    EXPECT_NE(by_name.err.find("full id"), std::string::npos) << by_name.err;
    // By id it pairs; each side shows and stores the other's node name.
    auto a = run_command(lab_->exec_argv(1, argv(1, {"pair", ids_[2], "--yes", "--json", "--name",
                                                     "desk", "--timeout", "15s"})),
                         20s);
    ASSERT_EQ(a.code, 0) << a.err;
    ASSERT_EQ(b.wait(10s), 0) << b.err();
    for (auto& r : records(a.out, "pair"))
        EXPECT_EQ(r.at("name").as_string(), "media-pc") << a.out;
    for (auto& r : records(b.out(), "pair"))
        EXPECT_EQ(r.at("name").as_string(), "desk") << b.out();
    auto fa = friends(1), fb = friends(2);
    ASSERT_EQ(fa.size(), 1u);
    ASSERT_EQ(fb.size(), 1u);
    EXPECT_EQ(fa[0].at("name").as_string(), "media-pc");
    EXPECT_EQ(fb[0].at("name").as_string(), "desk");
}

TEST_F(Pair, WithoutANameItGivesTheNameItsResidentNodeAnnounces) {
    // h2's resident node was started with 'announce --name node2' (no config file): pair asks
    // it over the control socket rather than giving the host name.
    auto node = lab_->spawn(2, argv(2, {"announce", "--name", "node2"}));
    ASSERT_TRUE(node.wait_for_line(Stream::err, std::regex("announcing node2"), 5s)) << node.err();
    auto b = lab_->spawn(
        2, argv(2, {"pair", "--answer", ids_[1], "--yes", "--json", "--timeout", "20s"}));
    std::this_thread::sleep_for(300ms);
    auto a = run_command(
        lab_->exec_argv(1, argv(1, {"pair", ids_[2], "--yes", "--json", "--timeout", "15s"})), 20s);
    ASSERT_EQ(a.code, 0) << a.err;
    ASSERT_EQ(b.wait(10s), 0) << b.err();
    auto pairs = records(a.out, "pair");
    ASSERT_FALSE(pairs.empty()) << a.out;
    for (auto& r : pairs)
        EXPECT_EQ(r.at("name").as_string(), "node2") << a.out;
    auto fa = friends(1);
    ASSERT_EQ(fa.size(), 1u);
    EXPECT_EQ(fa[0].at("name").as_string(), "node2");
    // h1 runs no node: it gives its host name, which is not node2.
    auto fb = friends(2);
    ASSERT_EQ(fb.size(), 1u);
    EXPECT_NE(fb[0].at("name").as_string(), "node2");
    EXPECT_FALSE(fb[0].at("name").as_string().empty());
}

TEST_F(Pair, AcceptYesPairsWithTheGivenIdOnlyNotWhoeverAsksFirst) {
    // --yes without a full id is refused before anything is sent.
    auto bare = run_command(lab_->exec_argv(2, argv(2, {"pair", "--answer", "--yes"})), 10s);
    EXPECT_EQ(bare.code, 2);
    EXPECT_NE(bare.err.find("full id"), std::string::npos) << bare.err;
    auto b = lab_->spawn(2, argv(2, {"pair", "--answer", ids_[1], "--yes", "--timeout", "15s"}));
    std::this_thread::sleep_for(300ms);
    // h3 asks first, under the name it likes: it is not the id given.
    auto c = lab_->spawn(3, argv(3, {"pair", ids_[2], "--yes", "--timeout", "3s"}));
    std::this_thread::sleep_for(1500ms);
    auto a = run_command(
        lab_->exec_argv(1, argv(1, {"pair", ids_[2], "--yes", "--timeout", "15s"})), 20s);
    EXPECT_EQ(a.code, 0) << a.err;
    EXPECT_EQ(b.wait(10s), 0) << b.err();
    EXPECT_EQ(c.wait(10s), 1) << c.err();
    auto fb = friends(2);
    ASSERT_EQ(fb.size(), 1u);
    EXPECT_EQ(fb[0].at("id").as_string(), ids_[1]);
}

TEST_F(Pair, ASideThatDoesNotAcceptChangesNothing) {
    // No --yes and no terminal: the responder cannot ask its user, so it refuses.
    auto b = lab_->spawn(2, argv(2, {"pair", "--answer", "--timeout", "15s"}));
    std::this_thread::sleep_for(300ms);
    auto a = run_command(lab_->exec_argv(1, argv(1, {"pair", ids_[2], "--yes", "--timeout", "4s"})),
                         20s);
    EXPECT_EQ(a.code, 1);
    EXPECT_EQ(b.wait(10s), 1) << b.err();
    EXPECT_TRUE(friends(1).empty());
    EXPECT_TRUE(friends(2).empty());
}

TEST_F(Pair, ListShowsAWaitingRequestAndAnUnansweredOneExpires) {
    auto a = lab_->spawn(1, argv(1, {"pair", ids_[2], "--yes", "--timeout", "3s"}));
    auto list = run_command(
        lab_->exec_argv(2, argv(2, {"pair", "--list", "--json", "--timeout", "2s"})), 10s);
    EXPECT_EQ(list.code, 0) << list.err;
    auto reqs = records(list.out, "pair");
    ASSERT_EQ(reqs.size(), 1u) << list.out;
    EXPECT_EQ(reqs[0].at("peer").as_string(), ids_[1]);
    EXPECT_EQ(a.wait(10s), 1); // nobody answered before the timeout
    EXPECT_NE(a.err().find("nothing changed"), std::string::npos) << a.err();
    EXPECT_TRUE(friends(1).empty());
}

} // namespace
