// Duration parsing and formatting for options such as --interval and --timeout. Integer arithmetic
// only, so "0.1s" is exactly 100ms and every result is reproducible.
#include "duration.hpp"

#include <cstdint>
#include <limits>

namespace mcast::cli {
namespace {

using Rep = std::chrono::nanoseconds::rep;
constexpr Rep kMax = std::numeric_limits<Rep>::max();

constexpr Rep kNanosecond = 1;
constexpr Rep kMicrosecond = 1000 * kNanosecond;
constexpr Rep kMillisecond = 1000 * kMicrosecond;
constexpr Rep kSecond = 1000 * kMillisecond;
constexpr Rep kMinute = 60 * kSecond;
constexpr Rep kHour = 60 * kMinute;

struct Unit {
    std::string_view name;
    Rep scale;
};
constexpr Unit kUnits[] = {
    {"h", kHour},         {"m", kMinute},       {"s", kSecond},
    {"ms", kMillisecond}, {"us", kMicrosecond}, {"\u00b5s", kMicrosecond},
    {"ns", kNanosecond},
};

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
Rep digit(char c) {
    return static_cast<Rep>(c - '0');
}

std::optional<Rep> unit_scale(std::string_view name) {
    for (const Unit& unit : kUnits) {
        if (unit.name == name) return unit.scale;
    }
    return std::nullopt;
}

// NUMBER times scale, where NUMBER is whole.fraction in decimal; nullopt on overflow.
std::optional<Rep> scaled(std::string_view whole, std::string_view fraction, Rep scale) {
    Rep value = 0;
    for (char c : whole) {
        if (value > (kMax - digit(c)) / 10) return std::nullopt;
        value = value * 10 + digit(c);
    }
    if (value > kMax / scale) return std::nullopt;
    value *= scale;
    // floor(0.d1d2...dn * scale), exactly: Horner's rule from the last digit, where flooring at
    // each step gives the same result as flooring once at the end.
    Rep part = 0;
    for (auto it = fraction.rbegin(); it != fraction.rend(); ++it) {
        part = (digit(*it) * scale + part) / 10;
    }
    if (value > kMax - part) return std::nullopt;
    return value + part;
}

// "1", "1.5" or "1.25" for value/unit, where unit is a power of ten.
std::string decimal(std::uint64_t value, std::uint64_t unit) {
    std::string text = std::to_string(value / unit);
    if (const std::uint64_t rest = value % unit; rest != 0) {
        const std::string digits = std::to_string(rest);
        std::string fraction(std::to_string(unit).size() - 1 - digits.size(), '0');
        fraction += digits;
        while (fraction.back() == '0')
            fraction.pop_back();
        text += '.';
        text += fraction;
    }
    return text;
}

} // namespace

std::optional<std::chrono::nanoseconds> parse_duration(std::string_view text) {
    if (text.empty()) return std::nullopt;
    Rep total = 0;
    std::size_t i = 0;
    while (i < text.size()) {
        const std::size_t whole_begin = i;
        while (i < text.size() && is_digit(text[i]))
            ++i;
        const std::string_view whole = text.substr(whole_begin, i - whole_begin);
        std::string_view fraction;
        if (i < text.size() && text[i] == '.') {
            const std::size_t fraction_begin = ++i;
            while (i < text.size() && is_digit(text[i]))
                ++i;
            fraction = text.substr(fraction_begin, i - fraction_begin);
            if (fraction.empty()) return std::nullopt; // "1." or "."
        }
        if (whole.empty() && fraction.empty()) return std::nullopt; // "-1s", "s", "1m-2s"
        const std::size_t unit_begin = i;
        while (i < text.size() && !is_digit(text[i]) && text[i] != '.')
            ++i;
        const std::string_view unit = text.substr(unit_begin, i - unit_begin);

        std::optional<Rep> scale;
        if (unit.empty()) {
            // A bare number is seconds, but only on its own: "1m30" is ambiguous, so rejected.
            if (whole_begin != 0 || i != text.size()) return std::nullopt;
            scale = kSecond;
        } else {
            scale = unit_scale(unit);
        }
        if (!scale) return std::nullopt;
        const std::optional<Rep> value = scaled(whole, fraction, *scale);
        if (!value || total > kMax - *value) return std::nullopt;
        total += *value;
    }
    return std::chrono::nanoseconds(total);
}

std::string format_duration(std::chrono::nanoseconds d) {
    const Rep count = d.count();
    if (count == 0) return "0s";
    // The magnitude as unsigned, so that even nanoseconds::min() has one.
    std::uint64_t n =
        count < 0 ? 0 - static_cast<std::uint64_t>(count) : static_cast<std::uint64_t>(count);
    std::string text = count < 0 ? "-" : "";
    constexpr auto us = static_cast<std::uint64_t>(kMicrosecond);
    constexpr auto ms = static_cast<std::uint64_t>(kMillisecond);
    constexpr auto s = static_cast<std::uint64_t>(kSecond);
    constexpr auto min = static_cast<std::uint64_t>(kMinute);
    constexpr auto h = static_cast<std::uint64_t>(kHour);
    if (n < us) return text + std::to_string(n) + "ns";
    if (n < ms) return text + decimal(n, us) + "us";
    if (n < s) return text + decimal(n, ms) + "ms";
    if (n >= h) {
        text += std::to_string(n / h) + "h";
        n %= h;
    }
    if (n >= min) {
        text += std::to_string(n / min) + "m";
        n %= min;
    }
    if (n != 0) text += decimal(n, s) + "s";
    return text;
}

} // namespace mcast::cli
