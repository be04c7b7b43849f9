// The byte counters of the interfaces that carry this host's Internet traffic (those holding a
// default route), for the weather's "what this machine is doing" rates. Counters are the
// kernel's 64-bit totals; turning them into rates (and surviving resets) is the sans-IO
// CounterRate's job, not this file's.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mcast::net {

struct LinkCounters {
    std::string interface;
    bool ipv4 = false; // holds an IPv4 default route
    bool ipv6 = false; // holds an IPv6 default route
    std::uint64_t tx_bytes = 0;
    std::uint64_t rx_bytes = 0;
};

// The interfaces with a default route (either family; one entry per interface, IPv4's best
// first) and their counters, read from /proc (the calling process's network namespace). Empty
// with `why` set when there is no default route or the counters cannot be read.
//   std::string why;
//   for (auto& l : net::read_default_route_links(why)) rate[l.interface].feed(l.tx_bytes, now);
std::vector<LinkCounters> read_default_route_links(std::string& why);

// One interface's counters in the text of /proc/net/dev, or nullopt when it is not there.
struct DevCounters {
    std::uint64_t rx_bytes = 0;
    std::uint64_t tx_bytes = 0;
};
std::optional<DevCounters> parse_proc_net_dev(std::string_view text, std::string_view interface);
// Every interface's counters in that text, in its order (lines that do not parse are left out).
std::vector<std::pair<std::string, DevCounters>> parse_proc_net_dev(std::string_view text);

// This host's traffic: the summed counters of the interfaces that hold a default route, or of
// every interface but loopback on a host without one; nullopt when none can be read.
std::optional<DevCounters> read_host_traffic();

} // namespace mcast::net
