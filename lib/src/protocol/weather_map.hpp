// The LAN's weather as one node sees it (docs/weather.md): the latest report of every node, with
// the receiver rules of docs/protocol.md section 12.2 (a report not newer than the last one taken
// from its node never overrides it; absurd rates are dropped; at most 256 nodes), each node
// forgotten three of its intervals (at most 60 s) after its last report, a minute of history per
// node, and the snapshot that sums it all up into a Weather with a verdict. Sans-IO: the weather
// service passes each decoded report with its header timestamp and the time it arrived.
//
//   auto taken = map.take(sender, header.timestamp_ns, report, now, trusted, false);
//   on timer (map.next_expiry()): map.expire(now);
//   Weather w = map.snapshot(now, uplink, Heed::any);
#pragma once

#include <mcast/identity.hpp>
#include <mcast/mono_time.hpp>
#include <mcast/weather.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>

namespace mcast {

// The `uplink = 40Mbit/10Mbit` setting: the uplink's capacity where no IGD says it.
struct UplinkConfig {
    std::optional<std::uint64_t> up_bps, down_bps;
};

struct WeatherMapConfig {
    std::size_t max_nodes = 256;
    std::uint64_t absurd_bps = 100'000'000'000;  // a rate above this is not believed (100 Gbit/s)
    std::chrono::milliseconds max_forget{60000}; // forget a node 3 intervals after, at most this
    std::chrono::milliseconds history{60000};    // per-node samples kept for the sparkline
    std::chrono::milliseconds sustained{5000};   // observed capacity: a total held this long
    std::uint64_t min_observed_bps = 1'000'000;  // below this an observed peak is no capacity
};

// What happened to the reports given to take(), and to the nodes.
struct WeatherCounters {
    std::uint64_t accepted = 0;
    std::uint64_t stale = 0;     // not newer than the last one taken from that node
    std::uint64_t absurd = 0;    // a rate beyond absurd_bps
    std::uint64_t full = 0;      // a new node while max_nodes are known
    std::uint64_t malformed = 0; // counted by the caller through malformed()
    std::uint64_t expired = 0;   // nodes forgotten
};

class WeatherMap {
public:
    explicit WeatherMap(WeatherMapConfig cfg = {}) : cfg_(cfg) {}

    // Exactly one of these is true.
    struct Taken {
        bool accepted = false;
        bool stale = false;
        bool absurd = false;
        bool full = false;
    };
    // A report from `node`, signed with header timestamp `timestamp_ns`, arrived at `now`.
    // `trusted`: the sender is in the trust store; `local`: it is this machine's own node.
    Taken take(const NodeId& node, std::int64_t timestamp_ns, const WeatherReport& report,
               MonoTime now, bool trusted, bool local);
    // A weather_report datagram whose tuple did not decode (counted, nothing else).
    void malformed() { ++counters_.malformed; }
    // A node said goodbye: forget it now. True when it was known.
    bool forget(const NodeId& node);
    // Forgets the nodes whose last report is too old at `now`; true when any was.
    bool expire(MonoTime now);
    // When the next node is due to be forgotten; none when the map is empty.
    std::optional<MonoTime> next_expiry() const;

    // The aggregate at `now` over the nodes `heed` counts (trusted: trusted and local nodes
    // only). `advice` gives the queueing-delay target of the verdict.
    Weather snapshot(MonoTime now, const UplinkConfig& uplink, Heed heed,
                     const AdviceConfig& advice = {}) const;

    const WeatherCounters& counters() const { return counters_; }
    std::size_t size() const { return nodes_.size(); }

private:
    struct Sample {
        MonoTime at;
        std::uint64_t up, down;
    };
    struct Entry {
        WeatherReport report;
        std::int64_t timestamp_ns = 0;
        MonoTime received{};
        bool trusted = false, local = false;
        std::uint64_t up = 0, down = 0; // sums over its links
        std::deque<Sample> history;
    };
    // The highest total the LAN held for `sustained`, in each direction.
    struct Peak {
        std::deque<Sample> window;
        std::uint64_t up = 0, down = 0;
    };

    MonoTime forget_at(const Entry& e) const;
    bool heeded(const Entry& e, Heed heed) const;
    // The traffic through the uplink now: the gateway's WAN counters where known, else the sum
    // of the nodes' reports.
    void traffic(Heed heed, std::uint64_t& up, std::uint64_t& down) const;
    const Entry* gateway_entry(Heed heed) const;
    void record(MonoTime now);

    WeatherMapConfig cfg_;
    std::map<NodeId, Entry> nodes_;
    WeatherCounters counters_;
    Peak peak_any_, peak_trusted_;
};

} // namespace mcast
