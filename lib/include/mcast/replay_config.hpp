// How much replay and duplicate state a receiver keeps (docs/protocol.md section 6.1): a session
// option, public on its own so that the replay window itself stays an internal class.
#pragma once

#include <chrono>
#include <cstddef>

namespace mcast {

struct ReplayConfig {
    std::size_t max_keys = 4096; // senders remembered; the least recently seen go first
    std::chrono::nanoseconds duplicate_window = std::chrono::seconds(2);
    std::chrono::nanoseconds incarnation_tolerance = std::chrono::seconds(5);
};

} // namespace mcast
