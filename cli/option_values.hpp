// The kinds of value an option takes (OptionSpec::hint): what each accepts, and how a bad value
// is reported ("bad value '300' (expected 0-255)", "bad value (at least 1ms)"). The parser and
// the settings layers check every value here, so command files receive only valid ones and keep
// no checks of their own.
#pragma once

#include "option_table.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace mcast::cli {

// A Rate value: datagrams per second ("1000", "20k", "5kpps"), bits per second ("50Mbit",
// "1Gbit", "8Mbps"), or "max" (per_second 0: as fast as this machine can send).
struct Rate {
    double per_second = 0;
    bool bits = false; // per_second counts bits, else datagrams
    // Datagrams per second for datagrams of `size` bytes (max stays 0).
    //   parse_rate("8Mbit")->datagrams_per_second(1000) == 1000
    double datagrams_per_second(std::size_t size) const;
};
// nullopt for anything else, and for rates that are not positive and finite.
std::optional<Rate> parse_rate(std::string_view text);

// 1 to 64 hex digits, either case: a node id or a prefix of one (ping --peer).
bool is_node_id_prefix(std::string_view text);

enum class GroupFamily { None, V4, V6 };
// The family of a multicast group address, or None if text is not one.
GroupFamily multicast_family(const std::string& text);

// Why a multicast group is a poor choice, or "" when it is fine: groups that IANA reserves or
// that other protocols use, on which every host (or a router) would receive mcast's datagrams
// ("224.0.0.0/24 is reserved for local network control (224.0.0.1: all hosts)"), groups of a
// scope that cannot reach other hosts (ff01::/16), and source-specific ranges.
std::string group_caution(const std::string& text);

// Why value is not valid for option ("bad value '300' (expected 0-255)"), or "" when it is.
std::string value_problem(const OptionSpec& option, const std::string& value);

} // namespace mcast::cli
