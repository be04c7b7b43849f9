// How the LAN's weather looks: the table of `mcast weather` (a row per node, totals, the gateway
// and the verdict) and its JSON record, and the lines of `mcast activity`. Formatting only: the
// library computed every figure.
#pragma once

#include "output.hpp"

#include <mcast/control.hpp>
#include <mcast/weather.hpp>

#include <boost/json/object.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace mcast::cli {

// Eight-level bars of `samples` scaled to their maximum ("▁▂▅▇").
std::string sparkline(const std::vector<std::uint64_t>& samples);

struct WeatherView {
    bool sparklines = false; // a terminal: the last minute as bars
    std::string source;      // "from the resident node" or "listened 6 s (no resident node here)"
};

std::vector<std::string> weather_lines(const Weather& w, const WeatherView& view, bool color);
boost::json::object weather_record(const Weather& w, std::string_view source);

std::string activity_text(const Activity& a);
boost::json::object declaration_record(const Declaration& d);

} // namespace mcast::cli
