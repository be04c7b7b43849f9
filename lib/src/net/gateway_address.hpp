// The default routes of this network namespace and the gateways they lead to, per family: where the
// weather's latency probe aims and which interfaces carry the traffic to the Internet. Read from
// /proc/net/route and /proc/net/ipv6_route (always the reading process's own namespace); the
// parsers are pure so that unit tests feed them captured text.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mcast::net {

// One default route (destination 0.0.0.0/0 or ::/0) that is up and not a reject route.
struct DefaultRoute {
    int family = 0;        // 4 or 6
    std::string interface; // "eth0"
    // The next hop as text ("10.77.0.254", "fe80::1%eth0": an IPv6 link-local address carries
    // its interface), or empty for a route straight out of the interface (a point-to-point link).
    std::string gateway;
    std::uint32_t metric = 0;
};

// The default routes in the text of /proc/net/route (family 4) or /proc/net/ipv6_route (family 6),
// in the order of the text. Lines that do not parse are skipped; loopback and reject routes too.
std::vector<DefaultRoute> parse_ipv4_routes(std::string_view proc_net_route);
std::vector<DefaultRoute> parse_ipv6_routes(std::string_view proc_net_ipv6_route);

// Both families' default routes from /proc, each family's sorted by metric (the kernel's
// choice first). Empty with `why` set when there is none or the files cannot be read.
std::vector<DefaultRoute> read_default_routes(std::string& why);

// The default gateway of a family (4 or 6): the next hop of its best default route.
struct GatewayAddress {
    int family = 0;
    std::string address;   // as DefaultRoute::gateway; never empty here
    std::string interface; // the route's interface
};

// nullopt with `why` ("no IPv6 default route", "the IPv4 default route via ppp0 has no
// gateway address") when the family has no gateway to probe.
std::optional<GatewayAddress> default_gateway(int family, std::string& why);

} // namespace mcast::net
