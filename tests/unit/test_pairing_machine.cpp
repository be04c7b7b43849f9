// The pairing state machines without sockets: two machines wired to each other pair with the
// same code on both sides, and every message that does not belong to the pairing (a reveal that
// does not match its commitment, another session, another key, a confirm after the end) changes
// nothing or ends the pairing as refused.
#include "protocol/pairing_machine.hpp"

#include <gtest/gtest.h>

using namespace mcast;
using namespace std::chrono_literals;

namespace {

Nonce nonce(std::uint8_t b) {
    Nonce n{};
    n.fill(b);
    return n;
}

std::array<std::uint8_t, 32> seed(std::uint8_t b) {
    std::array<std::uint8_t, 32> s{};
    s.fill(b);
    return s;
}

struct Pair : ::testing::Test {
    Identity alice = Identity::from_seed(seed(1)); // initiator
    Identity bob = Identity::from_seed(seed(2));   // responder
    Identity mallory = Identity::from_seed(seed(3));
    MonoTime t0{};
    PairInitiatorMachine init{alice.public_key(), "alice", bob.id(), nonce(10), nonce(11)};
    PairResponderMachine resp{bob.public_key(), "bob", {}, nonce(20)};

    // Delivers each datagram of `out` to `to`, as signed by `from`; returns what that produced.
    template <class M>
    static PairOutput deliver(const PairOutput& out, M& to, const Identity& from, MonoTime now) {
        PairOutput all;
        for (const auto& d : out.send) {
            auto r = to.receive(d.type, from.public_key(), d.values, now);
            all.send.insert(all.send.end(), r.send.begin(), r.send.end());
            all.events.insert(all.events.end(), r.events.begin(), r.events.end());
        }
        return all;
    }
    static std::string code_of(const PairOutput& o) {
        for (const auto& e : o.events)
            if (e.kind == PairEvent::show_code) return e.code;
        return {};
    }
    static bool has(const PairOutput& o, PairEvent::Kind k) {
        for (const auto& e : o.events)
            if (e.kind == k) return true;
        return false;
    }
    // Runs request → response → reveal: both sides show a code. Returns {initiator's, responder's}.
    std::pair<std::string, std::string> until_codes() {
        auto request = init.start(t0);
        auto response = deliver(request, resp, alice, t0);
        EXPECT_TRUE(has(response, PairEvent::request));
        auto reveal = deliver(response, init, bob, t0);
        auto shown = deliver(reveal, resp, alice, t0);
        return {code_of(reveal), code_of(shown)};
    }
};

} // namespace

TEST_F(Pair, BothSidesShowTheSameCodeAndPairWhenBothAccept) {
    auto [mine, theirs] = until_codes();
    ASSERT_FALSE(mine.empty());
    EXPECT_EQ(mine, theirs);
    auto yes_r = resp.confirm(true, t0);
    auto at_init = deliver(yes_r, init, bob, t0);
    EXPECT_FALSE(has(at_init, PairEvent::paired)); // its own user has not said yes yet
    auto yes_i = init.confirm(true, t0);
    EXPECT_TRUE(has(yes_i, PairEvent::paired));
    EXPECT_TRUE(init.over());
    auto at_resp = deliver(yes_i, resp, alice, t0);
    EXPECT_TRUE(has(at_resp, PairEvent::paired));
    EXPECT_TRUE(resp.over());
}

TEST_F(Pair, RevealThatDoesNotMatchTheCommitmentIsRefusedBeforeAnyCode) {
    auto request = init.start(t0);
    auto response = deliver(request, resp, alice, t0);
    // A man in the middle who saw bob's nonce reveals a nonce other than the committed one.
    auto r = decode_pair_request(request.send.at(0).values);
    ASSERT_TRUE(r);
    auto forged = resp.receive(MessageType::pair_reveal, alice.public_key(),
                               encode_pair(PairReveal{r->session, nonce(99)}), t0);
    EXPECT_TRUE(has(forged, PairEvent::refused));
    EXPECT_TRUE(code_of(forged).empty());
    EXPECT_TRUE(resp.over());
    // The real reveal comes too late: nothing more happens.
    auto reveal = deliver(response, init, bob, t0);
    auto after = deliver(reveal, resp, alice, t0);
    EXPECT_TRUE(after.events.empty());
    EXPECT_TRUE(after.send.empty());
}

TEST_F(Pair, MessagesOfAnotherSessionAreIgnored) {
    auto request = init.start(t0);
    auto response = deliver(request, resp, alice, t0);
    auto resp_msg = decode_pair_response(response.send.at(0).values);
    ASSERT_TRUE(resp_msg);
    // The initiator ignores a response under another session id.
    auto other = init.receive(MessageType::pair_response, bob.public_key(),
                              encode_pair(PairResponse{nonce(77), resp_msg->nonce, "bob"}), t0);
    EXPECT_TRUE(other.events.empty());
    EXPECT_TRUE(other.send.empty());
    // The responder ignores a second request of another session from the same key, and a
    // reveal under another session id.
    PairRequest again{nonce(78), pair_commitment(nonce(11)), "alice", id_prefix(bob.id())};
    EXPECT_TRUE(resp.receive(MessageType::pair_request, alice.public_key(), encode_pair(again), t0)
                    .send.empty());
    auto reveal = resp.receive(MessageType::pair_reveal, alice.public_key(),
                               encode_pair(PairReveal{nonce(78), nonce(11)}), t0);
    EXPECT_TRUE(reveal.events.empty());
    EXPECT_FALSE(resp.over());
    // The real exchange still works afterwards.
    auto real = deliver(response, init, bob, t0);
    EXPECT_FALSE(code_of(real).empty());
    EXPECT_EQ(code_of(deliver(real, resp, alice, t0)), code_of(real));
}

TEST_F(Pair, MessagesFromAnotherKeyAreIgnored) {
    auto request = init.start(t0);
    auto response = deliver(request, resp, alice, t0);
    // Mallory answers the initiator with bob's own payload, signed by her key.
    auto from_mallory = deliver(response, init, mallory, t0);
    EXPECT_TRUE(from_mallory.events.empty());
    EXPECT_TRUE(from_mallory.send.empty());
    // Mallory replays alice's request to bob: bob already serves alice's pairing.
    EXPECT_TRUE(deliver(request, resp, mallory, t0).send.empty());
    // Mallory sends bob a reveal and a confirm for alice's session.
    auto r = decode_pair_request(request.send.at(0).values);
    ASSERT_TRUE(r);
    EXPECT_TRUE(resp.receive(MessageType::pair_reveal, mallory.public_key(),
                             encode_pair(PairReveal{r->session, nonce(11)}), t0)
                    .events.empty());
    EXPECT_TRUE(resp.receive(MessageType::pair_confirm, mallory.public_key(),
                             encode_pair(PairConfirm{r->session}), t0)
                    .events.empty());
    EXPECT_FALSE(resp.over());
}

TEST_F(Pair, ResponderWithFromPrefixIgnoresOtherRequesters) {
    PairResponderMachine picky{bob.public_key(), "bob", mallory.id().full().substr(0, 8),
                               nonce(21)};
    auto request = init.start(t0);
    EXPECT_TRUE(deliver(request, picky, alice, t0).send.empty());
}

TEST_F(Pair, RequestForAnotherNodeIsIgnored) {
    PairInitiatorMachine to_mallory{alice.public_key(), "alice", mallory.id(), nonce(12),
                                    nonce(13)};
    EXPECT_TRUE(deliver(to_mallory.start(t0), resp, alice, t0).send.empty());
}

TEST_F(Pair, LateConfirmChangesNothing) {
    until_codes();
    // The responder's user refuses; a confirm that arrives afterwards does not pair.
    auto no = resp.confirm(false, t0);
    EXPECT_TRUE(has(no, PairEvent::refused));
    auto yes_i = init.confirm(true, t0);
    EXPECT_FALSE(has(yes_i, PairEvent::paired));
    auto late = deliver(yes_i, resp, alice, t0);
    EXPECT_TRUE(late.events.empty());
    EXPECT_TRUE(late.send.empty());
    // A confirm before any code was shown does not count either.
    PairResponderMachine fresh{bob.public_key(), "bob", {}, nonce(22)};
    PairInitiatorMachine other{alice.public_key(), "alice", bob.id(), nonce(14), nonce(15)};
    auto req = other.start(t0);
    deliver(req, fresh, alice, t0);
    auto early = fresh.receive(MessageType::pair_confirm, alice.public_key(),
                               encode_pair(PairConfirm{nonce(14)}), t0);
    EXPECT_TRUE(early.events.empty());
    EXPECT_TRUE(fresh.confirm(true, t0).send.empty()); // no code shown: nothing to accept
}

TEST_F(Pair, InitiatorRepeatsEverySecondUntilOver) {
    auto first = init.start(t0);
    ASSERT_EQ(first.send.size(), 1u);
    EXPECT_EQ(first.send[0].type, MessageType::pair_request);
    EXPECT_EQ(init.next_wakeup(), t0 + 1s);
    EXPECT_TRUE(init.wakeup(t0 + 500ms).send.empty()); // not due yet
    auto again = init.wakeup(t0 + 1s);
    ASSERT_EQ(again.send.size(), 1u);
    EXPECT_EQ(again.send[0].type, MessageType::pair_request);
    EXPECT_EQ(init.next_wakeup(), t0 + 2s);
    // Once the responder answered, the repeat is the reveal.
    auto response = deliver(first, resp, alice, t0);
    deliver(response, init, bob, t0 + 1s);
    auto later = init.wakeup(t0 + 2s);
    ASSERT_EQ(later.send.size(), 1u);
    EXPECT_EQ(later.send[0].type, MessageType::pair_reveal);
    init.confirm(false, t0 + 2s);
    EXPECT_EQ(init.next_wakeup(), MonoTime::max());
    EXPECT_TRUE(init.wakeup(t0 + 5s).send.empty());
}
