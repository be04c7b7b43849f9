// The byte counters `mcast yield --mode throttle` measures the host by: the interfaces that hold
// a default route (IPv4 /proc/net/route, IPv6 /proc/net/ipv6_route), or every interface but
// loopback on a host without one, summed from /sys/class/net/IF/statistics. The weather service
// measures the same links (lib/src/net/link_stats); yield reads them itself because the CLI
// reaches the library through its public headers only.
#pragma once

#include <mcast/duty_cycle.hpp>

#include <optional>
#include <string>
#include <vector>

namespace mcast::cli {

// The interfaces whose counters read_host_counters() sums.
std::vector<std::string> measured_interfaces();
// Their sent and received bytes now; nullopt when none could be read.
std::optional<ByteCounters> read_host_counters();

} // namespace mcast::cli
