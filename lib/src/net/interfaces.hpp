// The machine's network interfaces as the transport needs them: index, flags, and whether each
// family has an address to send from. Read with getifaddrs; cheap enough to poll for hot-plug.
#pragma once

#include <netinet/in.h>

#include <optional>
#include <string>
#include <vector>

namespace mcast::net {

struct InterfaceInfo {
    std::string name;
    unsigned index = 0;
    bool up = false;
    bool multicast = false;
    bool loopback = false;
    std::optional<in_addr> ipv4;             // first IPv4 address
    std::optional<in6_addr> ipv6_link_local; // first fe80:: address
    // Its IPv6 addresses a node on another subnet can reach (ULA and global: not link-local,
    // loopback or IPv4-mapped), in the kernel's order.
    std::vector<in6_addr> ipv6_routable;
};

std::vector<InterfaceInfo> list_interfaces();

} // namespace mcast::net
