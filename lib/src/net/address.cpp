// Address text, source tags and interface names; see address.hpp.
#include "net/address.hpp"

#include <arpa/inet.h>
#include <net/if.h>

namespace mcast::net {

std::string address_text(const sockaddr_storage& ss, std::uint16_t& port) {
    if (ss.ss_family == AF_INET) {
        const auto& a = reinterpret_cast<const sockaddr_in&>(ss);
        port = ntohs(a.sin_port);
        return address_text(a.sin_addr);
    }
    if (ss.ss_family == AF_INET6) {
        const auto& a = reinterpret_cast<const sockaddr_in6&>(ss);
        port = ntohs(a.sin6_port);
        return address_text(a.sin6_addr);
    }
    return {};
}

std::string address_text(const in_addr& a) {
    char buf[INET_ADDRSTRLEN] = "";
    return ::inet_ntop(AF_INET, &a, buf, sizeof buf) ? buf : "";
}

std::string address_text(const in6_addr& a) {
    char buf[INET6_ADDRSTRLEN] = "";
    return ::inet_ntop(AF_INET6, &a, buf, sizeof buf) ? buf : "";
}

std::uint64_t source_tag(const sockaddr_storage& ss) {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    auto add = [&](const void* p, std::size_t n) {
        const auto* b = static_cast<const unsigned char*>(p);
        for (std::size_t i = 0; i < n; ++i)
            h = (h ^ b[i]) * 0x100000001b3ULL;
    };
    if (ss.ss_family == AF_INET)
        add(&reinterpret_cast<const sockaddr_in&>(ss).sin_addr, sizeof(in_addr));
    else if (ss.ss_family == AF_INET6)
        add(&reinterpret_cast<const sockaddr_in6&>(ss).sin6_addr, sizeof(in6_addr));
    return h;
}

std::string interface_name(unsigned index) {
    char buf[IF_NAMESIZE] = "";
    return ::if_indextoname(index, buf) ? buf : std::to_string(index);
}

} // namespace mcast::net
