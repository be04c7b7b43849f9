// getifaddrs wrapper for the transport's interface selection and hot-plug rescans.
#include "net/interfaces.hpp"

#include <ifaddrs.h>
#include <net/if.h>

#include <algorithm>
#include <memory>

namespace mcast::net {

std::vector<InterfaceInfo> list_interfaces() {
    ifaddrs* raw = nullptr;
    if (::getifaddrs(&raw) != 0) return {};
    std::unique_ptr<ifaddrs, decltype(&::freeifaddrs)> list(raw, &::freeifaddrs);
    std::vector<InterfaceInfo> out;
    for (auto* a = raw; a; a = a->ifa_next) {
        if (!a->ifa_name) continue;
        auto it = std::find_if(out.begin(), out.end(),
                               [&](const InterfaceInfo& i) { return i.name == a->ifa_name; });
        if (it == out.end()) {
            InterfaceInfo info;
            info.name = a->ifa_name;
            info.index = ::if_nametoindex(a->ifa_name);
            if (info.index == 0) continue;
            info.up = (a->ifa_flags & IFF_UP) && (a->ifa_flags & IFF_RUNNING);
            info.multicast = a->ifa_flags & IFF_MULTICAST;
            info.loopback = a->ifa_flags & IFF_LOOPBACK;
            out.push_back(info);
            it = out.end() - 1;
        }
        if (!a->ifa_addr) continue;
        if (a->ifa_addr->sa_family == AF_INET && !it->ipv4) {
            it->ipv4 = reinterpret_cast<const sockaddr_in*>(a->ifa_addr)->sin_addr;
        } else if (a->ifa_addr->sa_family == AF_INET6) {
            const auto& a6 = reinterpret_cast<const sockaddr_in6*>(a->ifa_addr)->sin6_addr;
            if (IN6_IS_ADDR_LINKLOCAL(&a6)) {
                if (!it->ipv6_link_local) it->ipv6_link_local = a6;
            } else if (!IN6_IS_ADDR_LOOPBACK(&a6) && !IN6_IS_ADDR_V4MAPPED(&a6) &&
                       !IN6_IS_ADDR_MULTICAST(&a6) && !IN6_IS_ADDR_UNSPECIFIED(&a6) &&
                       !IN6_IS_ADDR_SITELOCAL(&a6)) {
                it->ipv6_routable.push_back(a6);
            }
        }
    }
    return out;
}

} // namespace mcast::net
