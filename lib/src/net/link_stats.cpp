// Default-route interfaces and their counters: routes from gateway_address, bytes from
// /proc/net/dev, which (unlike /sys/class/net, which shows the namespace that mounted sysfs) is
// always the reading process's own network namespace, and holds 64-bit counters.
#include "net/link_stats.hpp"

#include "net/gateway_address.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>

namespace mcast::net {

std::optional<DevCounters> parse_proc_net_dev(std::string_view text, std::string_view interface) {
    // "  eth0: rx_bytes rx_packets errs drop fifo frame compressed multicast tx_bytes ..."
    std::size_t start = 0;
    while (start < text.size()) {
        auto nl = text.find('\n', start);
        if (nl == std::string_view::npos) nl = text.size();
        auto line = text.substr(start, nl - start);
        start = nl + 1;
        auto colon = line.find(':');
        if (colon == std::string_view::npos) continue;
        auto name = line.substr(0, colon);
        name.remove_prefix(std::min(name.find_first_not_of(' '), name.size()));
        if (name != interface) continue;
        std::uint64_t v[9] = {};
        auto rest = line.substr(colon + 1);
        std::size_t i = 0;
        for (auto& x : v) {
            while (i < rest.size() && (rest[i] == ' ' || rest[i] == '\t'))
                ++i;
            auto [p, ec] = std::from_chars(rest.data() + i, rest.data() + rest.size(), x);
            if (ec != std::errc()) return std::nullopt;
            i = static_cast<std::size_t>(p - rest.data());
        }
        return DevCounters{v[0], v[8]};
    }
    return std::nullopt;
}

std::vector<LinkCounters> read_default_route_links(std::string& why) {
    auto routes = read_default_routes(why);
    if (routes.empty()) return {};
    std::ifstream in("/proc/net/dev");
    if (!in) {
        why = "cannot read /proc/net/dev";
        return {};
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    const auto dev = ss.str();

    std::vector<LinkCounters> out;
    for (const auto& r : routes) {
        auto it = std::find_if(out.begin(), out.end(),
                               [&](const LinkCounters& l) { return l.interface == r.interface; });
        if (it == out.end()) {
            auto c = parse_proc_net_dev(dev, r.interface);
            if (!c) continue; // gone between the two reads
            out.push_back(LinkCounters{r.interface, false, false, c->tx_bytes, c->rx_bytes});
            it = out.end() - 1;
        }
        (r.family == 4 ? it->ipv4 : it->ipv6) = true;
    }
    if (out.empty()) why = "no counters in /proc/net/dev for the default-route interface(s)";
    return out;
}

} // namespace mcast::net
