// The value kinds of the option table; see option_values.hpp.
#include "option_values.hpp"

#include "duration.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>

namespace mcast::cli {

double Rate::datagrams_per_second(std::size_t size) const {
    return bits ? per_second / (8.0 * static_cast<double>(size)) : per_second;
}

std::optional<Rate> parse_rate(std::string_view text) {
    if (text == "max") return Rate{};
    const std::string whole(text);
    std::size_t used = 0;
    double v = 0;
    try {
        v = std::stod(whole, &used);
    } catch (const std::exception&) {
        return std::nullopt;
    }
    std::string unit = whole.substr(used);
    std::transform(unit.begin(), unit.end(), unit.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    double mult = 1;
    if (!unit.empty() && (unit[0] == 'k' || unit[0] == 'm' || unit[0] == 'g')) {
        mult = unit[0] == 'k' ? 1e3 : unit[0] == 'm' ? 1e6 : 1e9;
        unit.erase(0, 1);
    }
    Rate rate;
    if (unit == "bit" || unit == "bps" || unit == "bit/s")
        rate.bits = true;
    else if (!(unit.empty() || unit == "pps" || unit == "/s"))
        return std::nullopt;
    if (!(v > 0) || !std::isfinite(v)) return std::nullopt;
    rate.per_second = v * mult;
    return rate;
}

bool is_node_id_prefix(std::string_view text) {
    return !text.empty() && text.size() <= 64 &&
           text.find_first_not_of("0123456789abcdefABCDEF") == std::string_view::npos;
}

GroupFamily multicast_family(const std::string& text) {
    std::array<unsigned char, 16> bytes{};
    if (inet_pton(AF_INET, text.c_str(), bytes.data()) == 1) {
        return (bytes[0] & 0xf0) == 0xe0 ? GroupFamily::V4 : GroupFamily::None; // 224.0.0.0/4
    }
    if (inet_pton(AF_INET6, text.c_str(), bytes.data()) == 1) {
        return bytes[0] == 0xff ? GroupFamily::V6 : GroupFamily::None; // ff00::/8
    }
    return GroupFamily::None;
}

std::string group_caution(const std::string& text) {
    std::array<unsigned char, 16> b{};
    if (inet_pton(AF_INET, text.c_str(), b.data()) == 1) {
        if ((b[0] & 0xf0) != 0xe0) return {};
        if (b[0] == 224 && b[1] == 0 && b[2] == 0) {
            const char* who = b[3] == 1     ? " (224.0.0.1: all hosts)"
                              : b[3] == 2   ? " (224.0.0.2: all routers)"
                              : b[3] == 251 ? " (224.0.0.251: mDNS)"
                              : b[3] == 252 ? " (224.0.0.252: LLMNR)"
                                            : "";
            return fmt::format("224.0.0.0/24 is reserved for local network control protocols{}",
                               who);
        }
        if (b[0] == 224 && b[1] == 0 && b[2] == 1)
            return "224.0.1.0/24 is reserved for internetwork control protocols (NTP, SLP...)";
        if (b[0] == 232)
            return "232.0.0.0/8 is for source-specific multicast (RFC 4607), which mcast does not "
                   "join";
        if (b[0] == 239 && b[1] == 255 && b[2] == 255 && b[3] == 250)
            return "239.255.255.250 is the group of SSDP (UPnP)";
        return {};
    }
    if (inet_pton(AF_INET6, text.c_str(), b.data()) != 1 || b[0] != 0xff) return {};
    const unsigned flags = b[1] >> 4, scope = b[1] & 0x0f;
    if (scope == 0 || scope == 0xf) return fmt::format("ff{:02x}::/16 has a reserved scope", b[1]);
    if (scope == 1) return "interface-local scope (ff01::/16): it never leaves this host";
    if (flags == 3)
        return "ff3x::/32 is for source-specific multicast (RFC 4607), which mcast "
               "does not join";
    if (flags != 0) return {};
    // Permanently assigned (ff0x::): the groups that every host, router or service listens to.
    const bool zero_middle = std::all_of(b.begin() + 2, b.begin() + 11, [](auto c) { return !c; });
    if (zero_middle && b[11] == 1 && b[12] == 0xff)
        return "ff02::1:ff00:0/104 holds solicited-node groups (IPv6 neighbour discovery)";
    if (!zero_middle || b[11] != 0) return {};
    const unsigned id = (static_cast<unsigned>(b[12]) << 24) |
                        (static_cast<unsigned>(b[13]) << 16) | (static_cast<unsigned>(b[14]) << 8) |
                        b[15];
    switch (id) {
    case 0:
        return "the multicast group id 0 is reserved";
    case 1:
        return "it is the all-nodes group: every IPv6 host receives it";
    case 2:
        return "it is the all-routers group";
    case 0x16:
        return "it is the group of MLDv2 reports";
    case 0xfb:
        return "it is the group of mDNS";
    case 0x0c:
        return "it is the group of SSDP (UPnP)";
    case 0x101:
        return "it is the group of NTP";
    case 0x10002:
    case 0x10003:
        return "it is a group of DHCPv6";
    default:
        return {};
    }
}

namespace {

constexpr std::int64_t kNoLimit = std::numeric_limits<std::int64_t>::max();

std::optional<std::int64_t> to_integer(std::string_view text) {
    std::int64_t n = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return n;
}

// What a value of the option should look like, for "(expected ...)".
std::string expectation(const OptionSpec& option) {
    switch (option.hint) {
    case Hint::Number:
        if (option.min >= option.max) return "a whole number";
        if (option.max == kNoLimit) return fmt::format("a whole number from {} up", option.min);
        return fmt::format("{}-{}", option.min, option.max);
    case Hint::Duration:
        return "a duration like 250ms, 2s, 1m; a bare number is seconds";
    case Hint::Address:
        return "an IPv4 or IPv6 multicast address";
    case Hint::Choice:
        return fmt::format("one of {}", fmt::join(option.choices, ", "));
    case Hint::File:
        return "a file name";
    case Hint::Interface:
        return "a network interface name";
    case Hint::Topic:
        return "a topic name";
    case Hint::Command:
        return "a command";
    case Hint::Rate:
        return "datagrams/s like 1000 or 20k, bits/s like 50Mbit, or max";
    case Hint::NodeId:
        return "a node id or a prefix of one";
    case Hint::None:
        break;
    }
    return "a value";
}

bool valid_value(const OptionSpec& option, const std::string& value) {
    switch (option.hint) {
    case Hint::Number: {
        const auto n = to_integer(value);
        return n && (option.min >= option.max || (*n >= option.min && *n <= option.max));
    }
    case Hint::Duration:
        return parse_duration(value).has_value();
    case Hint::Address:
        return multicast_family(value) != GroupFamily::None;
    case Hint::Choice:
        return std::find(option.choices.begin(), option.choices.end(), value) !=
               option.choices.end();
    case Hint::Rate:
        return parse_rate(value).has_value();
    case Hint::NodeId:
        return is_node_id_prefix(value);
    default:
        return !value.empty();
    }
}

// A well-formed duration outside the option's bounds: "bad value (expected 100ms to 8h)",
// "bad value (at least 1ms)", "bad value (at most 24h, which receivers accept)"; else "".
std::string duration_bound_problem(const OptionSpec& option, std::chrono::nanoseconds d) {
    const auto min = option.min_duration, max = option.max_duration;
    const bool low = min.count() > 0 && d<min, high = max.count()> 0 && d > max;
    if (!low && !high) return {};
    const std::string note =
        option.bound_note.empty() ? "" : fmt::format(", {}", option.bound_note);
    if (min.count() > 0 && max.count() > 0)
        return fmt::format("bad value (expected {} to {}{})", format_duration(min),
                           format_duration(max), note);
    if (low) return fmt::format("bad value (at least {}{})", format_duration(min), note);
    return fmt::format("bad value (at most {}{})", format_duration(max), note);
}

} // namespace

std::string value_problem(const OptionSpec& option, const std::string& value) {
    if (!valid_value(option, value))
        return fmt::format("bad value '{}' (expected {})", value, expectation(option));
    if (option.hint == Hint::Duration)
        return duration_bound_problem(option, *parse_duration(value));
    return {};
}

} // namespace mcast::cli
