// A Session is a node on the LAN: it joins the mcast groups on every usable interface (and on
// interfaces that appear later), receives and verifies datagrams, delivers each message once to
// the handlers registered for its topic, and signs and sends messages. It runs on the caller's
// asio::io_context and never prints.
//
//   asio::io_context io;
//   mcast::Session s(io, mcast::Identity::load_or_create(mcast::default_identity_path()));
//   auto sub = s.on_message([](const mcast::Message& m) { /* ... */ }, "weather");
//   s.start();
//   s.send("weather", {mcast::Value{"rain"}});
//   io.run();
#pragma once

#include <mcast/drop_reason.hpp>
#include <mcast/export.hpp>
#include <mcast/identity.hpp>
#include <mcast/replay_config.hpp>
#include <mcast/value.hpp>
#include <mcast/wire.hpp>

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
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
    // TTL / hop limit of group sends (mcast/scope.hpp: 1 link, 15 site, 63 org), and the most an
    // answer to a unicast query gets (see answer_hop_limit).
    int ttl = 1;
    // Source-specific multicast: join (S,G) for each of these sources (IGMPv3 / MLDv2), those of
    // each family on its group, which must then be an SSM group (232/8, ff3x::/32). Empty: (*,G).
    std::vector<std::string> sources;
    bool loopback = true; // see our own host's other processes (IP_MULTICAST_LOOP)
    std::chrono::milliseconds rescan_interval{1000};
    ReplayConfig replay;
    // Which senders to accept (empty: all). Checked before signatures (see Receiver).
    std::function<bool(const NodeId&)> accept;
    // Senders to keep state for longest when tables are full (friends).
    std::function<bool(const NodeId&)> prefer;
    // How long a datagram sent with SendOptions::batch may wait to be signed with others (up
    // to 32, one signature for all: docs/protocol.md section 3.4). 0: every datagram is signed
    // alone. Sends without SendOptions::batch never wait.
    std::chrono::nanoseconds batch_delay = std::chrono::milliseconds(1);
    // Threads that check signatures: above 1, the datagrams of each read (up to 32) are
    // checked together, their signatures (and distinct batch roots) spread over this many
    // threads, this one included, and delivered in arrival order with the same results as one
    // by one (docs/architecture.md, "Verification on several cores"). 1: each in turn on the
    // io_context's thread, no other thread. 0: one per core.
    unsigned threads = 1;
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
    int hop_limit = -1;          // TTL / hop limit it arrived with; -1: unknown
    int hops = -1; // routers it crossed (hop_distance in mcast/scope.hpp); -1: unknown
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
    std::string address4;               // the address it sends from, when ipv4
    std::string address6;               // its IPv6 link-local address, when ipv6
    std::vector<std::string> routable6; // its ULA and global IPv6 addresses, when ipv6
};

// A problem the session cannot work around (bad group, no such interface, socket error). what()
// is one line.
struct MCAST_API SessionError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// How a message goes out (Session::send). The defaults send to the group on every joined
// interface and family.
struct SendOptions {
    MessageType type = MessageType::data;
    int family = 0;       // 4 or 6: that family only; 0: both
    unsigned ifindex = 0; // that interface only; 0: every joined one
    // Leave from this session's private port, so that unicast answers to the datagram (discovery
    // answers) reach this process alone, even where other mcast processes share the mcast port.
    bool private_port = false;
    // Unicast to this address (of `family`, out of `ifindex`, both required) instead of the
    // group, from the private port, to `port` (0: the mcast port), within the destination's
    // share (see Session::unsent).
    std::string unicast_to;
    std::uint16_t port = 0;
    // Part of a bulk stream: may wait up to SessionOptions::batch_delay to be batch-signed with
    // the datagrams sent after it (multicast only; ignored for unicast). A send without it
    // first sends whatever waits, so a session's datagrams leave in sequence order.
    bool batch = false;
    int hop_limit = 0; // of a unicast datagram (1-255); 0: the session's TTL
};

// What a send did.
struct MCAST_API SendResult {
    std::size_t datagrams = 0;   // handed to the kernel: one per interface and family
    std::int64_t sent_at_ns = 0; // wall clock just before the first went out (after signing)
    int error = 0;               // errno of the last send the kernel refused; 0: none
    bool no_interface = false;   // nothing to send on: no joined interface matched
    bool refused = false;        // unicast beyond its destination's share (Session::unsent)
    // SendOptions::batch: the datagram waits in the open batch and goes out within the batch
    // delay (refusals are told through on_send_refused then).
    bool queued = false;
    explicit operator bool() const { return datagrams > 0 || queued; }
    // One line for a send that went out nowhere: "send failed: …" or "no usable interface …".
    std::string why() const;
};

// A datagram the kernel refused on this host (EPERM from a firewall rule here, ENETUNREACH, an
// interface that cannot send): a local fault, not the network's.
struct SendRefusal {
    int family = 4;
    std::string interface;
    unsigned ifindex = 0;
    bool unicast = false;
    int error = 0; // errno
};

// How Session::reply answers an arrival.
enum class ReplyTo {
    sender, // by unicast to the arrival's source address and port, from the private port
    group,  // to the group, on the arrival's interface and family only
};

// A registered handler. It stays registered while this object lives (or until reset()); it may
// outlive its Session. Move-only.
class MCAST_API Subscription {
public:
    Subscription() = default;
    explicit Subscription(std::function<void()> remove) : remove_(std::move(remove)) {}
    ~Subscription() { reset(); }
    Subscription(Subscription&& o) noexcept : remove_(std::exchange(o.remove_, nullptr)) {}
    Subscription& operator=(Subscription&& o) noexcept {
        if (this != &o) {
            reset();
            remove_ = std::exchange(o.remove_, nullptr);
        }
        return *this;
    }
    Subscription(const Subscription&) = delete;
    Subscription& operator=(const Subscription&) = delete;

    // Unregisters the handler now.
    void reset() {
        if (auto f = std::exchange(remove_, nullptr)) f();
    }
    explicit operator bool() const { return static_cast<bool>(remove_); }

private:
    std::function<void()> remove_;
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

    // Registrations: each handler stays registered while the returned Subscription lives. They
    // may be made before or after start(), and from inside a handler.
    // Messages of `type` whose topic is `topic` (empty: every topic).
    [[nodiscard]] Subscription on_message(MessageHandler h, std::string topic = {},
                                          MessageType type = MessageType::data);
    // Every datagram that is not delivered, with its reason.
    [[nodiscard]] Subscription on_drop(DropHandler h);
    // Whenever the set of joined interfaces changes (also once after start()).
    [[nodiscard]] Subscription on_interfaces(InterfaceHandler h);
    // The first time the kernel refuses a datagram of a family on an interface with an errno
    // (unicast or not): once for each of these, so that a program warns without flooding.
    // Called from inside send().
    [[nodiscard]] Subscription on_send_refused(std::function<void(const SendRefusal&)> h);

    // Opens the sockets and joins the groups. Throws SessionError.
    void start();
    // Why no interface is joined, in one line: without named interfaces "no usable interface
    // (none is up with multicast and an address; name one with -i)"; with them, what is wrong
    // with each ("no usable interface: eth2 is down").
    std::string no_interface_reason() const;
    // Leaves the groups and closes the sockets; pending handlers are not called afterwards.
    void close();

    // Signs `values` once and sends the datagram as `opts` say. Throws EncodeError for a message
    // that cannot be built; a datagram the network refuses is reported in the result, never
    // thrown, so that a caller decides whether it matters (`if (!r) … r.why()`).
    SendResult send(std::string_view topic, const Tuple& values, SendOptions opts = {});
    // Answers `to` (a query, a probe, a test): on the interface and family it came in on, to
    // its sender (ReplyTo::sender) or to the group there (ReplyTo::group).
    SendResult reply(const Arrival& to, std::string_view topic, const Tuple& values,
                     MessageType type, ReplyTo how = ReplyTo::sender);
    // Sends the datagrams that wait in the open batch now (SendOptions::batch). A caller that
    // blocks its thread (and so the timer that closes a batch) calls this first; close() does.
    void flush();
    // When the open batch closes (its first datagram has waited the batch delay); nullopt
    // when no datagram waits.
    std::optional<std::chrono::steady_clock::time_point> batch_deadline() const;
    // The bytes a batch-signed datagram carries beyond a per-datagram signed one, at most (194
    // for a full batch), when this session batch-signs; 0 when batch_delay is 0.
    std::size_t batch_overhead() const;
    std::chrono::nanoseconds batch_delay() const;

    // How long sealing (encode + sign) a datagram takes here at least (the fastest seal so far,
    // warm-up seals at start() included), in ns: a responder adds it to its hold time for the
    // reply it is about to seal. A floor, not an estimate: any estimate above a reply's real
    // seal made round trips come out as 0; with the floor a slow seal makes a round trip a
    // little longer, never shorter.
    std::int64_t seal_floor_ns() const;

    const DropCounters& counters() const;
    // Datagrams this session did not send: unicast that the socket's send queue had no room
    // for (unicast never waits: an answer to an address nobody answers ARP for must not stall
    // the node), and unicast beyond a destination's share (20 a second, 40 at once, per
    // address; 400 a second in all), so that spoofed queries cannot aim the node at a third
    // host. A flood of spoofed queries shows up here.
    std::uint64_t unsent() const;
    // Datagrams the kernel dropped because a receive queue of this session was full (the
    // session read too slowly), as of the last datagram read on each socket.
    std::uint64_t kernel_drops() const;
    boost::asio::io_context& io();
    std::vector<JoinedInterface> interfaces() const;
    std::uint64_t incarnation() const;
    const Identity& identity() const;

private:
    struct Impl;
    std::shared_ptr<Impl> impl_; // shared with the weak references Subscription handles hold
};

} // namespace mcast
