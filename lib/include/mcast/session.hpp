// A Session is a node on the LAN: it joins the mcast groups on every usable interface (and on
// interfaces that appear later), receives and verifies datagrams, delivers each message once to
// the handlers registered for its topic, and signs and sends messages. It runs on the caller's
// asio::io_context and never prints.
//
//   asio::io_context io;
//   mcast::Session s(io, mcast::Identity::load_or_create(mcast::default_identity_path()));
//   s.on_message([](const mcast::Message& m) { /* ... */ }, "weather");
//   s.start();
//   s.send("weather", {mcast::Value{"rain"}});
//   io.run();
#pragma once

#include <mcast/drop_reason.hpp>
#include <mcast/export.hpp>
#include <mcast/identity.hpp>
#include <mcast/receiver.hpp>
#include <mcast/sender.hpp>
#include <mcast/value.hpp>
#include <mcast/wire.hpp>

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace mcast {

inline constexpr std::string_view default_group_v4 = "239.255.77.67";
inline constexpr std::string_view default_group_v6 = "ff02::4d43";
inline constexpr std::uint16_t default_port = 7767;

struct SessionOptions {
    bool ipv4 = true;
    bool ipv6 = true;
    // Interfaces to use; empty means every interface that is up and multicast-capable, except
    // loopback. Loopback is used only when named here.
    std::vector<std::string> interfaces;
    std::string group_v4{default_group_v4};
    std::string group_v6{default_group_v6};
    std::uint16_t port = default_port;
    int ttl = 1;
    bool loopback = true; // see our own host's other processes (IP_MULTICAST_LOOP)
    std::chrono::milliseconds rescan_interval{1000};
    ReplayConfig replay;
    // Which senders to accept (empty: all). Checked before signatures (see Receiver).
    std::function<bool(const NodeId&)> accept;
    // Senders to keep state for longest when tables are full (friends).
    std::function<bool(const NodeId&)> prefer;
};

// Where and when a datagram arrived.
struct Arrival {
    int family = 4;     // 4 or 6
    std::string source; // sender address, without port or scope
    std::uint16_t source_port = 0;
    unsigned ifindex = 0;
    std::string ifname;
    std::int64_t rx_wall_ns = 0; // kernel receive timestamp (SO_TIMESTAMPNS), ns since epoch
    bool multicast = true;       // sent to a group; false: sent to this host by unicast
};

// A verified message, delivered once however many copies arrived.
struct Message {
    Header header;
    Tuple values;
    NodeId sender_id;
    Arrival arrival;
};

struct DropEvent {
    DropReason reason;
    Arrival arrival;
};

// An interface the session has joined, per family.
struct JoinedInterface {
    std::string name;
    unsigned index = 0;
    bool ipv4 = false;
    bool ipv6 = false;
    std::string address4; // the address it sends from, when ipv4
    std::string address6; // its IPv6 link-local address, when ipv6
};

// A problem the session cannot work around (bad group, no such interface, socket error). what()
// is one line.
struct MCAST_API SessionError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class MCAST_API Session {
public:
    using MessageHandler = std::function<void(const Message&)>;
    using DropHandler = std::function<void(const DropEvent&)>;
    using InterfaceHandler = std::function<void(const std::vector<JoinedInterface>&)>;

    // The session keeps the identity: pass it by value (moved in).
    Session(boost::asio::io_context& io, Identity id, SessionOptions opts = {});
    ~Session();
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    // Handlers for messages of `type` whose topic is `topic` (empty: every topic). Returns a
    // handle for remove_handler. May be called before or after start().
    std::size_t on_message(MessageHandler h, std::string topic = {},
                           std::uint8_t type = static_cast<std::uint8_t>(MessageType::data));
    void remove_handler(std::size_t handle);
    void on_drop(DropHandler h);
    // Called whenever the set of joined interfaces changes (also once after start()). Any
    // number of handlers may be added.
    void on_interfaces(InterfaceHandler h);

    // Opens the sockets and joins the groups. Throws SessionError.
    void start();
    // Leaves the groups and closes the sockets; pending handlers are not called afterwards.
    void close();

    // Signs `values` once and sends the datagram on every joined interface and family. Returns
    // how many datagrams went out. Throws EncodeError for a message that cannot be built and
    // SessionError when it could be sent nowhere.
    // With `from_private_port` the datagrams leave from this session's private port, so that
    // unicast replies to them (discovery answers) reach this process alone.
    // `only_family` (4 or 6) restricts the send to one family.
    std::size_t send(std::string_view topic, const Tuple& values,
                     std::uint8_t type = static_cast<std::uint8_t>(MessageType::data),
                     bool from_private_port = false, int only_family = 0);

    // Sends on one interface and family only: an answer goes back the way its query came.
    // With `unicast_to`, to that address and `unicast_port` (0: the mcast port) instead of the
    // group, from the private port (within the destination's share: see unsent()). Returns
    // false when
    // that interface or family is not joined or the send failed. `sent_at_ns`, when given,
    // receives the wall clock just before the datagram was handed to the kernel (after signing),
    // for round-trip measurements.
    bool send_on(unsigned ifindex, int family, std::string_view topic, const Tuple& values,
                 std::uint8_t type, const std::string* unicast_to = nullptr,
                 std::int64_t* sent_at_ns = nullptr, std::uint16_t unicast_port = 0);
    // How long sealing (encode + sign) a datagram takes here at least (the fastest seal so far),
    // in ns: a responder adds it to its hold time for the reply it is about to seal. A floor,
    // not an estimate: seals run cold and slow in a process that signs rarely, and slower still
    // on a loaded machine, and any estimate above the reply's real seal made round trips come
    // out as 0. With the floor a slow seal makes a round trip a little longer, never shorter.
    std::int64_t seal_floor_ns() const;

    const DropCounters& counters() const;
    // Datagrams this session did not send: unicast that the socket's send queue had no room
    // for (unicast never waits: an answer to an address nobody answers ARP for must not stall
    // the node), and unicast beyond a destination's share (20 a second, 40 at once, per
    // address; 400 a second in all), so that spoofed queries cannot aim the node at a third
    // host. A flood of spoofed queries shows up here.
    std::uint64_t unsent() const;
    boost::asio::io_context& io();
    std::vector<JoinedInterface> interfaces() const;
    std::uint64_t incarnation() const;
    const Identity& identity() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// The handlers one component registers on a session, removed together when it goes away, so
// no component has to remember to unregister (or forgets to).
class Subscriptions {
public:
    explicit Subscriptions(Session& s) : session_(s) {}
    ~Subscriptions() {
        for (auto h : handles_)
            session_.remove_handler(h);
    }
    Subscriptions(const Subscriptions&) = delete;
    Subscriptions& operator=(const Subscriptions&) = delete;

    void add(Session::MessageHandler h, std::uint8_t type, std::string topic = {}) {
        handles_.push_back(session_.on_message(std::move(h), std::move(topic), type));
    }

private:
    Session& session_;
    std::vector<std::size_t> handles_;
};

} // namespace mcast
