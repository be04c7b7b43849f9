// Lab tests for trust: a friend added by name from the network, marked in discover and listen,
// --accept trusted hearing only friends, a friend's name with another key flagged as ssh flags
// a changed host key, and an ambiguous name refused with its candidates.
#include "lab_fixture.hpp"

#include <regex>

using namespace mcast::testlab;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

class Trust : public LabTest {
protected:
    void SetUp() override { make_lab(4, "tr"); }
};

TEST_F(Trust, FriendByNameMarkedAndAcceptTrustedHearsOnlyFriends) {
    auto n2 = node(2, "node2");
    auto add = mcast(1, {"trust", "add", "node2", "--note", "lab"});
    ASSERT_EQ(add.code, 0) << add.err;
    auto list = mcast(1, {"trust", "list", "--json"});
    ASSERT_EQ(records(list.out, "friend").size(), 1u);
    EXPECT_EQ(records(list.out, "friend")[0].at("id").as_string(), ids_[2]);
    EXPECT_EQ(records(list.out, "friend")[0].at("name").as_string(), "node2");

    auto n3 = node(3, "node3");
    auto d = mcast(1, {"discover", "--expect", "2", "--json"});
    ASSERT_EQ(d.code, 0) << d.err;
    for (auto& n : records(d.out, "node"))
        EXPECT_EQ(n.at("trusted").as_bool(), n.at("id").as_string() == ids_[2])
            << json::serialize(n);
    auto human = mcast(1, {"discover", "--expect", "2"});
    EXPECT_TRUE(std::regex_search(human.out, std::regex("node2 .* friend "))) << human.out;

    auto l = lab_->spawn_mcast(1, {"listen", "-4", "-v", "--json", "--stats", "--accept", "trusted",
                                   "--timeout", "2s", "--identity", key(1)});
    ASSERT_TRUE(l.wait_for_line(Stream::err, std::regex("listening on"), 5s));
    ASSERT_EQ(mcast(3, {"send", "-4", "from a stranger"}).code, 0);
    ASSERT_EQ(mcast(2, {"send", "-4", "from a friend"}).code, 0);
    ASSERT_EQ(l.wait(10s), 0) << l.err();
    auto msgs = records(l, "message");
    ASSERT_EQ(msgs.size(), 1u);
    EXPECT_EQ(json::serialize(msgs[0].at("values")), R"(["from a friend"])");
    EXPECT_TRUE(msgs[0].at("trusted").as_bool());
    EXPECT_GE(records(l, "stats").at(0).at("dropped").at("untrusted").as_int64(), 1);
}

TEST_F(Trust, AFriendsNameWithAnotherKeyIsFlagged) {
    ASSERT_EQ(mcast(1, {"trust", "add", ids_[2]}).code, 0);
    // Give the friend its name: re-add by name while it runs, then stop it.
    {
        auto n2 = node(2, "media-pc");
        ASSERT_EQ(mcast(1, {"trust", "add", "media-pc"}).code, 0);
    }
    auto impostor = node(3, "media-pc"); // same name, another key
    auto d = mcast(1, {"discover", "--expect", "1", "--json"});
    ASSERT_EQ(d.code, 0) << d.err;
    auto nodes = records(d.out, "node");
    ASSERT_EQ(nodes.size(), 1u);
    EXPECT_EQ(nodes[0].at("name_of_friend").as_string(), ids_[2]);
    EXPECT_FALSE(nodes[0].at("trusted").as_bool());
    EXPECT_NE(d.err.find("WARNING: 'media-pc' is the name of friend " + ids_[2].substr(0, 12)),
              std::string::npos)
        << d.err;
}

TEST_F(Trust, ANameSeenWithOneKeyThenAnotherIsFlaggedUntilForgotten) {
    {
        auto first = node(2, "printer");
        ASSERT_EQ(mcast(1, {"discover", "--expect", "1"}).code, 0); // pins printer to h2's key
    }
    auto second = node(3, "printer");
    auto d = mcast(1, {"discover", "--expect", "1", "--json"});
    ASSERT_EQ(d.code, 0) << d.err;
    auto n = records(d.out, "node").at(0);
    EXPECT_EQ(n.at("id").as_string(), ids_[3]);
    EXPECT_EQ(n.at("name_seen_with").as_string(), ids_[2]);
    EXPECT_NE(d.err.find("'printer' was seen before with key " + ids_[2].substr(0, 12)),
              std::string::npos)
        << d.err;
    ASSERT_EQ(mcast(1, {"trust", "forget", "printer"}).code, 0);
    auto again = mcast(1, {"discover", "--expect", "1", "--json"});
    EXPECT_TRUE(records(again.out, "node").at(0).at("name_seen_with").is_null());
    EXPECT_EQ(again.err.find("WARNING"), std::string::npos) << again.err;
    EXPECT_EQ(mcast(1, {"trust", "forget", "printer"}).code, 0); // re-pinned to h3 meanwhile
    EXPECT_EQ(mcast(1, {"trust", "forget", "nosuchname"}).code, 1);
}

TEST_F(Trust, AnAmbiguousNameIsRefusedWithItsCandidates) {
    auto a = node(2, "twin");
    auto b = node(3, "twin");
    auto r = mcast(1, {"trust", "add", "twin"});
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("is ambiguous"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(ids_[2].substr(0, 12)), std::string::npos);
    EXPECT_NE(r.err.find(ids_[3].substr(0, 12)), std::string::npos);
    EXPECT_EQ(records(mcast(1, {"trust", "list", "--json"}).out, "friend").size(), 0u);
}

} // namespace
