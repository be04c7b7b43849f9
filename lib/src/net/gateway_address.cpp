// Default routes and gateways from /proc/net/route and /proc/net/ipv6_route. These files are
// per network namespace and need no netlink socket; their formats have been stable since 2.2.
#include "net/gateway_address.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>

namespace mcast::net {
namespace {

constexpr unsigned rtf_up = 0x0001;
constexpr unsigned rtf_gateway = 0x0002;
constexpr unsigned rtf_reject = 0x0200;

std::vector<std::string_view> fields(std::string_view line) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t'))
            ++i;
        auto start = i;
        while (i < line.size() && line[i] != ' ' && line[i] != '\t')
            ++i;
        if (i > start) out.push_back(line.substr(start, i - start));
    }
    return out;
}

template <class F> void for_each_line(std::string_view text, F f) {
    std::size_t start = 0;
    while (start < text.size()) {
        auto nl = text.find('\n', start);
        if (nl == std::string_view::npos) nl = text.size();
        f(text.substr(start, nl - start));
        start = nl + 1;
    }
}

template <class T> bool hex(std::string_view s, T& out) {
    if (s.empty()) return false;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out, 16);
    return ec == std::errc() && p == s.data() + s.size();
}

bool read_file(const char* path, std::string& out) {
    std::ifstream in(path);
    if (!in) return false;
    std::ostringstream ss;
    ss << in.rdbuf();
    out = ss.str();
    return true;
}

} // namespace

std::vector<DefaultRoute> parse_ipv4_routes(std::string_view text) {
    // Iface Destination Gateway Flags RefCnt Use Metric Mask MTU Window IRTT; addresses are the
    // network-order 32-bit value printed as a host-order hex number.
    std::vector<DefaultRoute> out;
    for_each_line(text, [&](std::string_view line) {
        auto f = fields(line);
        if (f.size() < 8 || f[0] == "Iface") return;
        std::uint32_t dest = 0, gw = 0, mask = 0, flags = 0, metric = 0;
        if (!hex(f[1], dest) || !hex(f[2], gw) || !hex(f[3], flags) || !hex(f[7], mask)) return;
        auto [p, ec] = std::from_chars(f[6].data(), f[6].data() + f[6].size(), metric);
        if (ec != std::errc() || p != f[6].data() + f[6].size()) return;
        if (dest != 0 || mask != 0 || !(flags & rtf_up) || (flags & rtf_reject) || f[0] == "lo")
            return;
        DefaultRoute r;
        r.family = 4;
        r.interface = std::string(f[0]);
        r.metric = metric;
        if ((flags & rtf_gateway) && gw != 0) {
            in_addr a{};
            std::memcpy(&a.s_addr, &gw, sizeof gw);
            char buf[INET_ADDRSTRLEN];
            if (::inet_ntop(AF_INET, &a, buf, sizeof buf)) r.gateway = buf;
        }
        out.push_back(std::move(r));
    });
    return out;
}

std::vector<DefaultRoute> parse_ipv6_routes(std::string_view text) {
    // dest(32 hex) dest_len src(32 hex) src_len next_hop(32 hex) metric refcnt use flags iface,
    // numbers in hex.
    std::vector<DefaultRoute> out;
    for_each_line(text, [&](std::string_view line) {
        auto f = fields(line);
        if (f.size() < 10 || f[0].size() != 32 || f[4].size() != 32) return;
        unsigned dest_len = 0, flags = 0;
        std::uint32_t metric = 0;
        if (!hex(f[1], dest_len) || !hex(f[5], metric) || !hex(f[8], flags)) return;
        if (f[0].find_first_not_of('0') != std::string_view::npos || dest_len != 0) return;
        if (!(flags & rtf_up) || (flags & rtf_reject) || f[9] == "lo") return;
        in6_addr nh{};
        for (std::size_t i = 0; i < 16; ++i) {
            unsigned byte = 0;
            if (!hex(f[4].substr(2 * i, 2), byte)) return;
            nh.s6_addr[i] = static_cast<std::uint8_t>(byte);
        }
        DefaultRoute r;
        r.family = 6;
        r.interface = std::string(f[9]);
        r.metric = metric;
        if ((flags & rtf_gateway) && !IN6_IS_ADDR_UNSPECIFIED(&nh)) {
            char buf[INET6_ADDRSTRLEN];
            if (::inet_ntop(AF_INET6, &nh, buf, sizeof buf)) {
                r.gateway = buf;
                if (IN6_IS_ADDR_LINKLOCAL(&nh)) r.gateway += "%" + r.interface;
            }
        }
        out.push_back(std::move(r));
    });
    return out;
}

std::vector<DefaultRoute> read_default_routes(std::string& why) {
    std::string v4, v6;
    const bool have4 = read_file("/proc/net/route", v4);
    const bool have6 = read_file("/proc/net/ipv6_route", v6); // absent without IPv6
    if (!have4 && !have6) {
        why = "cannot read /proc/net/route or /proc/net/ipv6_route";
        return {};
    }
    auto by_metric = [](const DefaultRoute& a, const DefaultRoute& b) {
        return a.metric < b.metric;
    };
    auto routes = parse_ipv4_routes(v4);
    std::stable_sort(routes.begin(), routes.end(), by_metric);
    auto routes6 = parse_ipv6_routes(v6);
    std::stable_sort(routes6.begin(), routes6.end(), by_metric);
    routes.insert(routes.end(), routes6.begin(), routes6.end());
    if (routes.empty()) why = "no default route (IPv4 or IPv6)";
    return routes;
}

std::optional<GatewayAddress> default_gateway(int family, std::string& why) {
    if (family != 4 && family != 6) {
        why = "bad address family " + std::to_string(family) + " (expected 4 or 6)";
        return std::nullopt;
    }
    std::string read_why;
    auto routes = read_default_routes(read_why);
    const auto name = family == 4 ? std::string("IPv4") : std::string("IPv6");
    const DefaultRoute* best = nullptr;
    for (const auto& r : routes)
        if (r.family == family) {
            best = &r;
            break;
        }
    if (!best) {
        why = routes.empty() && read_why.rfind("cannot", 0) == 0 ? read_why
                                                                 : "no " + name + " default route";
        return std::nullopt;
    }
    if (best->gateway.empty()) {
        why = "the " + name + " default route via " + best->interface + " has no gateway address";
        return std::nullopt;
    }
    return GatewayAddress{family, best->gateway, best->interface};
}

} // namespace mcast::net
