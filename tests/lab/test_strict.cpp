// Lab test of strict signatures (docs/protocol.md section 3.3): one host sends messages and
// announcements under a key of small order with a zero-cost "signature" (R = identity, S = 0,
// which plain RFC 8032 verification accepts for any message: tests/unit/test_strict_signature.cpp
// shows OpenSSL does), while a real sender sends 20 messages and a real node announces. None of
// the forgeries is delivered by `listen` or listed by `discover`; all 20 real messages arrive.
#include "lab_fixture.hpp"

#include <mcast/presence.hpp>
#include "protocol/sender.hpp"
#include <mcast/wire.hpp>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <regex>

using namespace mcast::testlab;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

constexpr int real_messages = 20;

// The identity point as a public key, and its SHA-256 id.
mcast::PublicKeyBytes identity_key() {
    mcast::PublicKeyBytes k{};
    k[0] = 1;
    return k;
}

// A datagram of `type` built by the reference encoder, then put under the identity key with the
// signature R = identity, S = 0.
mcast::ByteBuffer forge(mcast::Sender& s, std::uint8_t type, std::string_view topic,
                        const mcast::Tuple& values) {
    auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
    auto d = s.seal(type, topic, values, now);
    auto k = identity_key();
    std::copy(k.begin(), k.end(), d.begin() + 8);
    std::fill(d.end() - mcast::signature_size, d.end(), 0);
    *(d.end() - mcast::signature_size) = 1; // R = identity (01 00 ... 00), S = 0
    return d;
}

class Strict : public LabTest {
protected:
    void SetUp() override { make_lab(3, "st"); }

    // h3 sends `n` forged data messages and `n` forged announcements, alternating, over both
    // families, in the background.
    Process forger(int n) {
        auto throwaway = mcast::Identity::generate();
        mcast::Sender s(throwaway, mcast::random_incarnation());
        mcast::NodeInfo info{"forged-node", 60s, {{4, lab_->addr(3, 4), "eth0"}}, {}};
        std::vector<std::string> v4, v6;
        for (int i = 0; i < n; ++i) {
            auto msg = mcast::to_hex(forge(s, 0x01, "", {"forged " + std::to_string(i)}));
            auto ann = mcast::to_hex(forge(s, mcast::type_byte(mcast::MessageType::announce), "",
                                           mcast::encode_announce(info)));
            (i % 2 ? v6 : v4).push_back(msg);
            (i % 2 ? v6 : v4).push_back(ann);
        }
        // One inject per family, in a shell loop so the forgeries keep coming during discover
        // (8 rounds, about 5 s).
        std::string script = "for round in 1 2 3 4 5 6 7 8; do ";
        for (auto [group, list] : {std::pair{"239.255.77.67", &v4}, std::pair{"ff02::4d43", &v6}}) {
            script += std::string(MCAST_INJECT_PATH) + " eth0 " + group + " 7767";
            for (auto& h : *list)
                script += " " + h;
            script += "; ";
        }
        script += "sleep 0.5; done";
        return lab_->spawn(3, {"sh", "-c", script});
    }
};

TEST_F(Strict, ZeroCostForgeriesAreNeverDeliveredNorListed) {
    auto forged_id = mcast::NodeId::of(identity_key()).full();

    auto l = lab_->spawn_mcast(
        1, {"listen", "-v", "--json", "--stats", "--identity", key(1), "--timeout", "12s"});
    ASSERT_TRUE(l.wait_for_line(Stream::err, std::regex("listening on .* via eth0"), 5s))
        << l.err();
    auto announcer =
        lab_->spawn_mcast(2, {"announce", "--name", "real-node", "--identity", key(2)});

    auto f = forger(40);
    auto sent =
        mcast(2, {"send", "--repeat", std::to_string(real_messages), "--interval", "50ms", "real"});
    ASSERT_EQ(sent.code, 0) << sent.err;

    // Discover while the forgeries keep coming.
    auto found = mcast(1, {"discover", "--json", "--timeout", "3s", "--expect", "2"}, 15s);
    ASSERT_EQ(f.wait(20s), 0) << f.err();
    ASSERT_EQ(l.wait(20s), 0) << l.err();
    announcer.signal(SIGINT);
    announcer.wait(5s);

    // listen: all 20 real messages, nothing under the forged key.
    auto msgs = records(l, "message");
    int real = 0;
    for (auto& m : msgs) {
        EXPECT_NE(m.at("sender").as_string(), forged_id) << json::serialize(m);
        if (m.at("sender").as_string() == ids_[2]) ++real;
    }
    EXPECT_EQ(real, real_messages);
    auto stats = records(l, "stats").at(0);
    EXPECT_GT(stats.at("dropped").at("small_order_key").as_int64(), 0) << json::serialize(stats);
    EXPECT_EQ(stats.at("dropped").at("bad_signature").as_int64(), 0) << json::serialize(stats);

    // discover: the real node, never the forged one (exit 1: only one of the two expected).
    auto nodes = records(found.out, "node");
    bool saw_real = false;
    for (auto& n : nodes) {
        EXPECT_NE(n.at("id").as_string(), forged_id) << json::serialize(n);
        EXPECT_NE(n.at("name").as_string(), "forged-node") << json::serialize(n);
        if (n.at("id").as_string() == ids_[2]) saw_real = true;
    }
    EXPECT_TRUE(saw_real) << found.out << found.err;
}

} // namespace
