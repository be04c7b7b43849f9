// A Node is the resident process of a machine on the LAN (`mcast announce`): it announces what it
// is on the schedule of announce_schedule.hpp, answers discovery queries after a small random
// delay (suppressed when the query already lists it), says goodbye when stopped, and hosts the
// responders attached to it: ping and speed tests always, and any a program adds (weather,
// search). It runs on a Session and never prints.
#pragma once

#include <mcast/announce_schedule.hpp>
#include <mcast/export.hpp>
#include <mcast/presence.hpp>
#include <mcast/responder.hpp>
#include <mcast/session.hpp>

#include <functional>
#include <memory>

namespace mcast {

struct NodeOptions {
    std::string name;
    Meta meta;
    std::chrono::milliseconds interval{30000};
    std::chrono::milliseconds lifetime{0}; // 0: three intervals
    std::chrono::milliseconds answer_delay_max{40};
    std::chrono::milliseconds start_delay_max{50};
};

// Counts of what the node did, for tests and output.
struct NodeStats {
    std::uint64_t announcements = 0;
    std::uint64_t queries = 0;
    std::uint64_t answers = 0;
    std::uint64_t suppressed = 0; // queries that already listed this node
};

class MCAST_API Node {
public:
    Node(Session& session, NodeOptions opts);
    ~Node();
    Node(const Node&) = delete;
    Node& operator=(const Node&) = delete;

    // Starts announcing and answering, with a PingResponder and a SpeedResponder attached. The
    // session must be started.
    void start();
    // Detaches the responders, sends a signed goodbye on every interface and family and stops.
    void stop();

    void set_meta(Meta meta); // announced at once
    // Hosts `r` until stop() or the node's end: the one way a service answers on a node.
    //   node.attach(std::make_unique<MyResponder>(session));
    void attach(std::unique_ptr<Responder> r);
    // Another process announces with this node's key (same key, other incarnation).
    void on_conflict(std::function<void(const Message&)> h);
    // Each announcement as it goes out.
    void on_announce(std::function<void(const NodeInfo&)> h);

    NodeInfo info() const;
    const NodeStats& stats() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace mcast
