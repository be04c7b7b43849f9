// The one monotonic time type of the library: every sans-IO class takes `now` as a MonoTime,
// so tests drive them with any clock they like and the drivers pass steady_clock::now().
#pragma once

#include <chrono>

namespace mcast {

using MonoTime = std::chrono::steady_clock::time_point;

} // namespace mcast
