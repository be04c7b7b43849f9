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

namespace {

// "  eth0: rx_bytes rx_packets errs drop fifo frame compressed multicast tx_bytes ...": the
// name and its counters, or nullopt for the header lines and anything else.
std::optional<std::pair<std::string_view, DevCounters>> parse_dev_line(std::string_view line) {
    auto colon = line.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    auto name = line.substr(0, colon);
    name.remove_prefix(std::min(name.find_first_not_of(' '), name.size()));
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
    return std::pair{name, DevCounters{v[0], v[8]}};
}

template <typename F> void for_each_line(std::string_view text, F f) {
    std::size_t start = 0;
    while (start < text.size()) {
        auto nl = text.find('\n', start);
        if (nl == std::string_view::npos) nl = text.size();
        f(text.substr(start, nl - start));
        start = nl + 1;
    }
}

std::optional<std::string> read_proc_net_dev() {
    std::ifstream in("/proc/net/dev");
    if (!in) return std::nullopt;
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

} // namespace

std::optional<DevCounters> parse_proc_net_dev(std::string_view text, std::string_view interface) {
    std::optional<DevCounters> found;
    for_each_line(text, [&](std::string_view line) {
        auto dev = parse_dev_line(line);
        if (!found && dev && dev->first == interface) found = dev->second;
    });
    return found;
}

std::vector<std::pair<std::string, DevCounters>> parse_proc_net_dev(std::string_view text) {
    std::vector<std::pair<std::string, DevCounters>> all;
    for_each_line(text, [&](std::string_view line) {
        if (auto dev = parse_dev_line(line)) all.emplace_back(dev->first, dev->second);
    });
    return all;
}

std::vector<LinkCounters> read_default_route_links(std::string& why) {
    auto routes = read_default_routes(why);
    if (routes.empty()) return {};
    const auto dev = read_proc_net_dev();
    if (!dev) {
        why = "cannot read /proc/net/dev";
        return {};
    }

    std::vector<LinkCounters> out;
    for (const auto& r : routes) {
        auto it = std::find_if(out.begin(), out.end(),
                               [&](const LinkCounters& l) { return l.interface == r.interface; });
        if (it == out.end()) {
            auto c = parse_proc_net_dev(*dev, r.interface);
            if (!c) continue; // gone between the two reads
            out.push_back(LinkCounters{r.interface, false, false, c->tx_bytes, c->rx_bytes});
            it = out.end() - 1;
        }
        (r.family == 4 ? it->ipv4 : it->ipv6) = true;
    }
    if (out.empty()) why = "no counters in /proc/net/dev for the default-route interface(s)";
    return out;
}

std::optional<DevCounters> read_host_traffic() {
    std::string why;
    std::optional<DevCounters> sum;
    auto add = [&](std::uint64_t tx, std::uint64_t rx) {
        if (!sum) sum.emplace();
        sum->tx_bytes += tx;
        sum->rx_bytes += rx;
    };
    for (const auto& l : read_default_route_links(why))
        add(l.tx_bytes, l.rx_bytes);
    if (sum) return sum;
    // No default route (a lab, an isolated LAN): all the host moves, loopback aside.
    if (auto dev = read_proc_net_dev())
        for (const auto& [name, c] : parse_proc_net_dev(*dev))
            if (name != "lo") add(c.tx_bytes, c.rx_bytes);
    return sum;
}

} // namespace mcast::net
