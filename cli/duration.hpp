// Durations on the command line: `--interval 250ms`, `--timeout 1m30s`. Parsing and printing live
// together so that what format_duration prints, parse_duration reads back.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace mcast::cli {

// Parses a non-negative duration: one or more NUMBER UNIT pairs with units h, m, s, ms, us (or µs)
// and ns, e.g. "250ms", "1.5s", "1m30s"; or a bare number, which is seconds ("2", "0.5", "0").
// Returns nullopt for an empty string, a negative or malformed value, or one that overflows
// std::chrono::nanoseconds. Fractions finer than a nanosecond are truncated.
//   parse_duration("1.5s") == 1500ms;  parse_duration("soon") == std::nullopt
std::optional<std::chrono::nanoseconds> parse_duration(std::string_view text);

// Formats a duration in the shortest readable form that parse_duration reads back exactly:
//   0 -> "0s", 250ms -> "250ms", 1500us -> "1.5ms", 90s -> "1m30s", 3600s -> "1h", 1.25s -> "1.25s"
std::string format_duration(std::chrono::nanoseconds d);

} // namespace mcast::cli
