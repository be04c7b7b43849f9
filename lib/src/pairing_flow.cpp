// Pairing flows: the drivers of the state machines in protocol/pairing_machine.hpp. They feed
// the pairing messages of the session to the machine, send what it returns, report its events,
// and (the initiator) wake it when it asks to repeat itself. Every rule lives in the machine.
#include "protocol/pairing_machine.hpp"
#include "service_driver.hpp"

#include <mcast/pairing_flow.hpp>

#include <openssl/rand.h>

namespace mcast {

namespace {

Nonce random_nonce() {
    Nonce n{};
    RAND_bytes(n.data(), static_cast<int>(n.size()));
    return n;
}

// Sends a step's datagrams, then reports its events. A handler may destroy the flow (the
// CLI ends its run on `paired`), so nothing of the flow is touched after the first one.
void apply(Session& session, const std::function<void(const PairEvent&)>& handler, PairOutput out) {
    for (auto& d : out.send) {
        SendOptions o;
        o.type = d.type;
        (void)session.send("", d.values, o); // lost or unsendable: the peer's repeats cover it
    }
    if (!handler) return;
    auto h = handler;
    for (const auto& e : out.events)
        h(e);
}

// The message types each side listens to.
constexpr MessageType initiator_types[] = {MessageType::pair_response, MessageType::pair_confirm};
constexpr MessageType responder_types[] = {MessageType::pair_request, MessageType::pair_reveal,
                                           MessageType::pair_confirm};

} // namespace

struct PairInitiator::Impl {
    Session& session;
    PairInitiatorMachine machine;
    ServiceDriver driver{session.io()};
    std::vector<Subscription> subs;
    std::function<void(const PairEvent&)> handler;

    Impl(Session& s, std::string name, NodeId target)
        : session(s), machine(s.identity().public_key(), std::move(name), target, random_nonce(),
                              random_nonce()) {}

    void step(PairOutput out) {
        driver.wake_at(machine.next_wakeup());
        apply(session, handler, std::move(out));
    }
};

PairInitiator::PairInitiator(Session& s, std::string my_name, NodeId target)
    : impl_(std::make_unique<Impl>(s, std::move(my_name), target)) {}
PairInitiator::~PairInitiator() = default;
void PairInitiator::on_event(std::function<void(const PairEvent&)> h) {
    impl_->handler = std::move(h);
}
void PairInitiator::start() {
    auto& i = *impl_;
    for (auto t : initiator_types)
        i.subs.push_back(i.session.on_message(i.driver.guard([&i, t](const Message& m) {
            i.step(
                i.machine.receive(t, m.header.sender, m.values, std::chrono::steady_clock::now()));
        }),
                                              {}, t));
    auto now = std::chrono::steady_clock::now();
    auto first = i.machine.start(now);
    i.driver.start(
        [&i](MonoTime t) {
            apply(i.session, i.handler, i.machine.wakeup(t));
            return i.machine.next_wakeup();
        },
        i.machine.next_wakeup());
    apply(i.session, i.handler, std::move(first));
}
void PairInitiator::confirm(bool yes) {
    auto& i = *impl_;
    i.step(i.machine.confirm(yes, std::chrono::steady_clock::now()));
}

struct PairResponder::Impl {
    Session& session;
    PairResponderMachine machine;
    ServiceDriver driver{session.io()}; // no timer: its running flag guards the handlers
    std::vector<Subscription> subs;
    std::function<void(const PairEvent&)> handler;

    Impl(Session& s, std::string name, std::string from)
        : session(s),
          machine(s.identity().public_key(), std::move(name), std::move(from), random_nonce()) {}
};

PairResponder::PairResponder(Session& s, std::string my_name, std::string from)
    : impl_(std::make_unique<Impl>(s, std::move(my_name), std::move(from))) {}
PairResponder::~PairResponder() = default;
void PairResponder::on_event(std::function<void(const PairEvent&)> h) {
    impl_->handler = std::move(h);
}
void PairResponder::start() {
    auto& i = *impl_;
    for (auto t : responder_types)
        i.subs.push_back(i.session.on_message(i.driver.guard([&i, t](const Message& m) {
            apply(
                i.session, i.handler,
                i.machine.receive(t, m.header.sender, m.values, std::chrono::steady_clock::now()));
        }),
                                              {}, t));
    i.driver.start([](MonoTime) { return MonoTime::max(); }, MonoTime::max());
}
void PairResponder::confirm(bool yes) {
    auto& i = *impl_;
    apply(i.session, i.handler, i.machine.confirm(yes, std::chrono::steady_clock::now()));
}

} // namespace mcast
