// The two sides of pairing as sans-IO state machines (docs/protocol.md section 11): messages in
// with `now`, datagrams to send and events for the user out, and, for the initiator, when it
// next wants to run (it repeats its request or reveal every second until answered). The
// drivers in pairing_flow.cpp own the session and the timer; these classes hold every rule:
// which messages belong to the pairing (the peer's key, the session id), the commitment check
// before any code is shown, and that nothing counts once the pairing is over.
#pragma once

#include <mcast/identity.hpp>
#include <mcast/message_type.hpp>
#include <mcast/mono_time.hpp>
#include <mcast/pairing.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace mcast {

// What one step of a pairing machine produced: datagrams to send (to the group, in order), then
// events to report.
struct PairOutput {
    struct Datagram {
        MessageType type;
        Tuple values;
    };
    std::vector<Datagram> send;
    std::vector<PairEvent> events;
};

// `mcast pair PEER`: asks `target` to pair, commits to its nonce, reveals it once the target
// answered, and reports `paired` once both users accepted.
class PairInitiatorMachine {
public:
    static constexpr std::chrono::seconds resend_interval{1};

    // `session` and `mine` are fresh random nonces (injected, so tests are exact).
    PairInitiatorMachine(const PublicKeyBytes& my_key, std::string my_name, NodeId target,
                         Nonce session, Nonce mine);

    PairOutput start(MonoTime now);
    // A pairing message (response or confirm; other types are ignored) signed by `sender`.
    PairOutput receive(MessageType type, const PublicKeyBytes& sender, const Tuple& values,
                       MonoTime now);
    // The user compared the codes: true accepts, false refuses.
    PairOutput confirm(bool yes, MonoTime now);
    // When wakeup() is due; MonoTime::max() once over.
    MonoTime next_wakeup() const;
    PairOutput wakeup(MonoTime now);
    bool over() const { return over_; }

private:
    void request(PairOutput& out, MonoTime now);
    void finish_if_done(PairOutput& out);
    void emit(PairOutput& out, PairEvent::Kind k, std::string code = {}) const;

    PublicKeyBytes my_key_;
    std::string name_;
    NodeId target_;
    Nonce session_, mine_;
    std::optional<PublicKeyBytes> peer_key_;
    std::string peer_name_;
    bool user_yes_ = false, peer_yes_ = false, over_ = false;
    MonoTime next_ = MonoTime::max();
};

// `mcast pair --answer`: answers the first request addressed to this node (from ids with the
// `from` prefix, when given), checks the revealed nonce against the commitment before it shows
// a code, and reports `paired` once both users accepted. One pairing at a time; it never wakes
// by itself.
class PairResponderMachine {
public:
    // `mine`: this side's fresh random nonce.
    PairResponderMachine(const PublicKeyBytes& my_key, std::string my_name, std::string from,
                         Nonce mine);

    // A pairing message (request, reveal or confirm; other types are ignored).
    PairOutput receive(MessageType type, const PublicKeyBytes& sender, const Tuple& values,
                       MonoTime now);
    PairOutput confirm(bool yes, MonoTime now);
    bool over() const { return over_; }

private:
    void finish_if_done(PairOutput& out);
    void emit(PairOutput& out, PairEvent::Kind k, std::string code = {}) const;

    struct Pending {
        PublicKeyBytes key{};
        NodeId id;
        std::string name;
        Nonce session{};
        Digest commitment{};
        std::optional<Nonce> theirs;
    };
    PublicKeyBytes my_key_;
    IdPrefix my_prefix_;
    std::string name_, from_;
    Nonce mine_;
    std::optional<Pending> current_; // the first request that fits
    bool user_yes_ = false, peer_yes_ = false, over_ = false;
};

} // namespace mcast
