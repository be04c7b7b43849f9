// mcast-weather-probe: the weather's measuring edge on its own, for the lab tests and for trying
// a --gateway lab by hand (run it only inside a lab: `igd` sends SSDP multicast). Prints JSON
// Lines; never installed.
//   mcast-weather-probe routes
//   mcast-weather-probe rtt [--family 4|6] [--count N] [--interval-ms M] [--timeout-ms T]
//   mcast-weather-probe igd [--interface IF] [--count N] [--interval-ms M]
#include "net/gateway_address.hpp"
#include "net/icmp_probe.hpp"
#include "net/link_stats.hpp"

#include <mcast/gateway_monitor.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

namespace {

std::string quoted(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        if (static_cast<unsigned char>(c) < 0x20) continue;
        out += c;
    }
    return out + "\"";
}

int usage() {
    std::fprintf(stderr, "usage: mcast-weather-probe routes | rtt [--family 4|6] [--count N] "
                         "[--interval-ms M] [--timeout-ms T] | igd [--interface IF] [--count N] "
                         "[--interval-ms M]\n");
    return 2;
}

int routes() {
    std::string why;
    for (const auto& r : mcast::net::read_default_routes(why))
        std::printf("{\"type\":\"route\",\"family\":%d,\"interface\":%s,\"gateway\":%s,"
                    "\"metric\":%u}\n",
                    r.family, quoted(r.interface).c_str(), quoted(r.gateway).c_str(), r.metric);
    for (int family : {4, 6}) {
        std::string gw_why;
        if (auto g = mcast::net::default_gateway(family, gw_why))
            std::printf("{\"type\":\"gateway\",\"family\":%d,\"address\":%s,\"interface\":%s}\n",
                        family, quoted(g->address).c_str(), quoted(g->interface).c_str());
        else
            std::printf("{\"type\":\"gateway\",\"family\":%d,\"unknown\":%s}\n", family,
                        quoted(gw_why).c_str());
    }
    std::string link_why;
    auto links = mcast::net::read_default_route_links(link_why);
    for (const auto& l : links)
        std::printf("{\"type\":\"link\",\"interface\":%s,\"ipv4\":%s,\"ipv6\":%s,\"tx_bytes\":%llu,"
                    "\"rx_bytes\":%llu}\n",
                    quoted(l.interface).c_str(), l.ipv4 ? "true" : "false",
                    l.ipv6 ? "true" : "false", static_cast<unsigned long long>(l.tx_bytes),
                    static_cast<unsigned long long>(l.rx_bytes));
    if (links.empty())
        std::printf("{\"type\":\"link\",\"unknown\":%s}\n", quoted(link_why).c_str());
    return 0;
}

int rtt(int family, int count, int interval_ms, int timeout_ms) {
    std::string why;
    auto gw = mcast::net::default_gateway(family, why);
    if (!gw) {
        std::printf("{\"type\":\"error\",\"why\":%s}\n", quoted(why).c_str());
        return 3;
    }
    boost::asio::io_context io;
    mcast::net::IcmpProbe probe(io);
    why = probe.open(gw->address);
    if (!why.empty()) {
        std::printf("{\"type\":\"error\",\"why\":%s}\n", quoted(why).c_str());
        return 3;
    }
    std::printf("{\"type\":\"open\",\"mode\":%s,\"target\":%s}\n",
                quoted(mcast::net::IcmpProbe::mode_name(probe.mode())).c_str(),
                quoted(probe.target()).c_str());
    std::fflush(stdout);
    boost::asio::steady_timer tick(io);
    int done = 0;
    std::function<void()> next = [&] {
        const auto started = std::chrono::steady_clock::now();
        probe.probe(std::chrono::milliseconds(timeout_ms),
                    [&, started](std::optional<std::chrono::microseconds> rtt) {
                        if (rtt)
                            std::printf("{\"type\":\"rtt\",\"seq\":%d,\"rtt_us\":%lld}\n", done,
                                        static_cast<long long>(rtt->count()));
                        else
                            std::printf("{\"type\":\"rtt\",\"seq\":%d,\"rtt_us\":null}\n", done);
                        std::fflush(stdout);
                        if (++done >= count) {
                            probe.close(); // its wait for replies would keep io.run() going
                            return;
                        }
                        tick.expires_at(started + std::chrono::milliseconds(interval_ms));
                        tick.async_wait([&](const boost::system::error_code& ec) {
                            if (!ec) next();
                        });
                    });
    };
    next();
    io.run();
    return 0;
}

int igd(const std::string& interface, int count, int interval_ms) {
    mcast::IgdMonitorOptions o;
    o.interface = interface;
    o.poll_interval = std::chrono::milliseconds(interval_ms);
    mcast::IgdMonitor monitor(o);
    monitor.start();
    std::int64_t last = -1;
    const auto deadline =
        std::chrono::steady_clock::now() +
        std::chrono::milliseconds(static_cast<long long>(count + 3) * interval_ms) +
        3 * o.discover_timeout;
    int printed = 0;
    while (printed < count && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        auto r = monitor.latest();
        if (r.ok && r.taken_ns == last) continue;
        if (!r.ok && r.note == "searching for a UPnP IGD") continue;
        last = r.taken_ns;
        std::printf("{\"type\":\"igd\",\"ok\":%s,\"note\":%s,\"name\":%s,\"bytes_sent\":%u,"
                    "\"bytes_received\":%u,\"taken_ns\":%lld,\"max_up_bps\":%lld,"
                    "\"max_down_bps\":%lld}\n",
                    r.ok ? "true" : "false", quoted(r.note).c_str(), quoted(r.name).c_str(),
                    r.bytes_sent, r.bytes_received, static_cast<long long>(r.taken_ns),
                    r.max_up_bps ? static_cast<long long>(*r.max_up_bps) : -1LL,
                    r.max_down_bps ? static_cast<long long>(*r.max_down_bps) : -1LL);
        std::fflush(stdout);
        ++printed;
        if (!r.ok) break;
    }
    monitor.stop();
    return printed ? 0 : 1;
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 2) return usage();
    const std::string cmd = argv[1];
    int family = 4, count = 5, interval_ms = 1000, timeout_ms = 1000;
    std::string interface;
    for (int i = 2; i < argc; ++i) {
        const std::string a = argv[i];
        if (i + 1 >= argc) return usage();
        const std::string v = argv[++i];
        if (a == "--family")
            family = std::atoi(v.c_str());
        else if (a == "--count")
            count = std::atoi(v.c_str());
        else if (a == "--interval-ms")
            interval_ms = std::atoi(v.c_str());
        else if (a == "--timeout-ms")
            timeout_ms = std::atoi(v.c_str());
        else if (a == "--interface")
            interface = v;
        else
            return usage();
    }
    if (count < 1 || interval_ms < 1 || timeout_ms < 1) return usage();
    if (cmd == "routes") return routes();
    if (cmd == "rtt") return rtt(family, count, interval_ms, timeout_ms);
    if (cmd == "igd") return igd(interface, count, interval_ms);
    return usage();
}
