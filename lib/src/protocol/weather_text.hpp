// The words the weather's verdict and advice reasons are made of ("media-pc live-stream 8 Mbit/s
// (priority 6)", "uplink 92 % full"), shared by weather.cpp (advice) and weather_map.cpp (the
// verdict) so that both say the same thing the same way.
#pragma once

#include <mcast/weather.hpp>

#include <string>

namespace mcast::detail {

// The node's name, or its short id when it has none (anonymous).
std::string node_text(const NodeWeather& n);
// "media-pc live-stream 8 Mbit/s": the rate only when declared.
std::string activity_text(const NodeWeather& n, const Activity& a);
// Whole percent of a share: 0.924 -> "92 %".
std::string percent_text(double share);

// The directions a class's traffic mostly takes: bit 0 upload, bit 1 download.
inline constexpr unsigned dir_up = 1, dir_down = 2;
unsigned class_directions(ActivityClass c);

// Saturating sum: declared rates come from other nodes and may be absurd.
inline std::uint64_t sat_add(std::uint64_t a, std::uint64_t b) {
    return a + b < a ? ~std::uint64_t{0} : a + b;
}

} // namespace mcast::detail
