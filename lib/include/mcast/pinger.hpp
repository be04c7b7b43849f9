// Ping over the session: the responder that every node runs (replies signed and bound to the
// probe's run id, with the responder's hold time so the prober can subtract it, as NTP and TWAMP
// do), and the Pinger that sends probes per family (and by unicast with unicast_too), matches
// replies and keeps PingStats. Round trips use kernel receive timestamps and a send time taken
// after signing, so signing and verifying do not inflate them.
#pragma once

#include <mcast/export.hpp>
#include <mcast/ping.hpp>
#include <mcast/ping_verdict.hpp>
#include <mcast/responder.hpp>
#include <mcast/session.hpp>
#include <mcast/wire.hpp>

#include <algorithm>
#include <functional>
#include <memory>

namespace mcast {

class MCAST_API PingResponder : public Responder {
public:
    PingResponder(Session& session, std::string name);
    ~PingResponder() override;
    std::uint64_t replies() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Every node on the LAN answers a multicast probe, and every process verifies every answer:
// probes go out no faster than this (a shorter PingConfig::interval is raised to it), and a
// responder replies to one prober key at most 40 times a second, to all at most 200.
inline constexpr std::chrono::milliseconds min_ping_interval{100};
// Responders probed by unicast (PingConfig::unicast_too) at most.
inline constexpr std::size_t max_unicast_targets = 256;

// The smallest datagram a probe can be padded to (PingConfig::size): a probe's own size.
MCAST_API std::size_t min_probe_size();

// The largest UDP payload over IPv4 (65535 - 20 bytes of IPv4 header - 8 of UDP header) and over
// IPv6 (65535 - 8: IPv6's payload length leaves out its own header; no jumbograms).
inline constexpr std::size_t max_udp_payload_ipv4 = 65507;
inline constexpr std::size_t max_udp_payload_ipv6 = 65527;
// The largest datagram a probe (or speed datagram) can be padded to (PingConfig::size,
// SpeedConfig::size). Its topic is empty, so it is the fixed header and signature
// (min_datagram_size) and the largest payload (max_payload_size, the tuple's own count, tags
// and lengths included): 133 + 65000 = 65133 bytes, and never more than one UDP datagram holds
// on either family. Not max_datagram_size, which counts a 255-byte topic.
inline constexpr std::size_t max_probe_size =
    std::min({min_datagram_size + max_payload_size, max_udp_payload_ipv4, max_udp_payload_ipv6});

struct PingConfig {
    std::uint64_t count = 5;                                     // 0: until stopped
    std::chrono::nanoseconds interval = std::chrono::seconds(1); // at least min_ping_interval
    // Datagram size to pad probes to; 0: no padding. Below min_probe_size() or above
    // max_probe_size the Pinger throws std::invalid_argument.
    std::size_t size = 0;
    bool unicast_too = false;
    // With unicast_too: whether a responder may be probed by unicast at the address its reply
    // came from (a source address is a claim: the CLI takes only addresses the responder
    // announced, as discovery saw them). Empty: any. At most max_unicast_targets responders.
    // Pinger::add_unicast_target adds addresses known otherwise (announced, signed), so that a
    // family whose multicast is dead is still probed by unicast. A new target gets its first
    // unicast probe at once, not a round later.
    std::function<bool(const NodeId& responder, const std::string& address)> unicast_target_ok;
    std::chrono::nanoseconds linger = std::chrono::seconds(1); // wait for replies after the last
};

struct PingReplyEvent {
    NodeId responder;
    std::string name;
    Arrival arrival;
    PingPath path;
    std::int64_t seq = 0;
    double rtt_ms = 0;
    double hold_ms = 0;
    bool duplicate = false;
    bool reordered = false;
};

class MCAST_API Pinger {
public:
    Pinger(Session& session, PingConfig cfg);
    ~Pinger();
    Pinger(const Pinger&) = delete;
    Pinger& operator=(const Pinger&) = delete;

    void on_reply(std::function<void(const PingReplyEvent&)> h);
    void on_done(std::function<void()> h); // after the last probe and the linger time
    // Once per path, interface and errno: the kernel refused a probe (EPERM from a firewall…).
    void on_send_failure(std::function<void(const LocalSendFailure&)> h);
    // With unicast_too: probe `responder` by unicast at `address` (of `family`) out of
    // interface `ifindex`: an address it announced, signed. Ignored past max_unicast_targets.
    void add_unicast_target(const NodeId& responder, int family, const std::string& address,
                            unsigned ifindex);
    void start();
    // Before the end (Ctrl-C): the probes sent less than PingConfig::linger ago are in flight,
    // neither sent nor lost (PingStats::stop).
    void stop();

    PingStats& stats();
    // Names of the responders heard so far, by full id.
    const std::map<std::string, std::string>& names() const;
    // Rounds of probes sent; after a stop, those still in flight left out.
    std::uint64_t probes_sent() const;
    // Every path and interface on which the kernel refused probes, with the rounds it did.
    const std::vector<LocalSendFailure>& send_failures() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace mcast
