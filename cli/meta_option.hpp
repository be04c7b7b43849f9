// --meta KEY=VALUE values, shared by announce (what to say) and discover (what to match).
#pragma once

#include "option_parser.hpp"

#include <mcast/presence.hpp>

namespace mcast::cli {

// Throws UsageError for a value without '=' or with an empty key.
Meta parse_meta(const std::vector<std::string>& values);

} // namespace mcast::cli
