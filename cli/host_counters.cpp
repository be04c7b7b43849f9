// The host's byte counters for yield's throttle mode; see host_counters.hpp.
#include "host_counters.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace mcast::cli {

namespace {

void add_unique(std::vector<std::string>& names, const std::string& name) {
    if (!name.empty() && std::find(names.begin(), names.end(), name) == names.end())
        names.push_back(name);
}

std::optional<std::uint64_t> read_number(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::uint64_t v = 0;
    if (!(in >> v)) return std::nullopt;
    return v;
}

} // namespace

std::vector<std::string> measured_interfaces() {
    std::vector<std::string> names;
    {
        // Iface Destination Gateway Flags ...: a default route has destination and mask 0.
        std::ifstream in("/proc/net/route");
        std::string line;
        std::getline(in, line); // the header
        while (std::getline(in, line)) {
            std::istringstream f(line);
            std::string iface, dest, gateway, flags, refcnt, use, metric, mask;
            if (f >> iface >> dest >> gateway >> flags >> refcnt >> use >> metric >> mask &&
                dest == "00000000" && mask == "00000000")
                add_unique(names, iface);
        }
    }
    {
        // dest dest_len src src_len next_hop metric refcnt use flags iface: ::/0 is default.
        std::ifstream in("/proc/net/ipv6_route");
        std::string dest, len, src, src_len, hop, metric, refcnt, use, flags, iface;
        while (in >> dest >> len >> src >> src_len >> hop >> metric >> refcnt >> use >> flags >>
               iface) {
            if (len == "00" && dest == std::string(32, '0') && iface != "lo")
                add_unique(names, iface);
        }
    }
    if (names.empty()) {
        std::error_code ec;
        for (const auto& entry : std::filesystem::directory_iterator("/sys/class/net", ec)) {
            const std::string name = entry.path().filename().string();
            if (name != "lo") add_unique(names, name);
        }
        std::sort(names.begin(), names.end());
    }
    return names;
}

std::optional<ByteCounters> read_host_counters() {
    ByteCounters sum;
    bool any = false;
    for (const auto& name : measured_interfaces()) {
        const std::filesystem::path dir =
            std::filesystem::path("/sys/class/net") / name / "statistics";
        const auto tx = read_number(dir / "tx_bytes");
        const auto rx = read_number(dir / "rx_bytes");
        if (!tx || !rx) continue;
        sum.tx += *tx;
        sum.rx += *rx;
        any = true;
    }
    if (!any) return std::nullopt;
    return sum;
}

} // namespace mcast::cli
