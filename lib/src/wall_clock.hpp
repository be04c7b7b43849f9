// The wall clock as the wire carries it (ns since the Unix epoch), for the Asio-side code that
// stamps datagrams and measures round trips.
#pragma once

#include <chrono>
#include <cstdint>

namespace mcast::detail {

inline std::int64_t wall_now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

} // namespace mcast::detail
