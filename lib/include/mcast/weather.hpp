// Network weather (docs/weather.md, docs/protocol.md section 12): what each node on the LAN is
// doing with the shared uplink (declared activities) and what it measures (its default-route
// link, and the gateway where it can reach it), the LAN aggregate of those reports, and the advice
// that lets a bulk job give way to a neighbour's live stream. Plain values and pure functions: no
// sockets, no clocks of its own; the weather service (weather_service.hpp) feeds them.
#pragma once

#include <mcast/export.hpp>
#include <mcast/identity.hpp>
#include <mcast/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mcast {

// What a declared activity is. The byte is on the wire; receivers drop a report with an unknown
// class byte as `malformed`.
enum class ActivityClass : std::uint8_t {
    interactive = 1,      // games, remote desktop, ssh: latency matters most
    live_stream = 2,      // live video, video and voice calls
    on_demand_stream = 3, // a film or a song played while it downloads
    bulk_download = 4,
    bulk_upload = 5,
    backup = 6,
};

// "live-stream"; parse accepts exactly these names.
MCAST_API std::string_view to_string(ActivityClass c);
MCAST_API std::optional<ActivityClass> parse_activity_class(std::string_view name);
MCAST_API const std::vector<ActivityClass>& all_activity_classes();

// Priorities run 0..7; higher goes first. Defaults per class (docs/weather.md):
// interactive 7, live-stream 6, on-demand-stream 5, bulk-download 2, bulk-upload 2, backup 1.
constexpr std::uint8_t max_priority = 7;
constexpr std::uint8_t priority_low = 1;    // `mcast yield --priority low`
constexpr std::uint8_t priority_normal = 2; // `mcast yield --priority normal` (the default)
MCAST_API std::uint8_t default_priority(ActivityClass c);

// One declared activity, as reported.
struct Activity {
    ActivityClass cls = ActivityClass::bulk_download;
    std::uint8_t priority = 2;
    std::uint64_t rate_bps = 0; // expected rate, bits per second; 0: not said
    std::string label;          // free text, empty when anonymous
    friend bool operator==(const Activity&, const Activity&) = default;
};

// Measured traffic of one interface that holds a default route (smoothed over a few seconds).
struct LinkLoad {
    std::string interface; // empty when anonymous
    bool ipv4 = false;     // holds the IPv4 default route
    bool ipv6 = false;     // holds the IPv6 default route
    std::uint64_t up_bps = 0;
    std::uint64_t down_bps = 0;
    friend bool operator==(const LinkLoad&, const LinkLoad&) = default;
};

// What one node measures of the gateway. Every figure is optional: absent means unknown, and
// the matching note says why ("no IGD answered within 2 s"), never zero.
struct GatewayFigures {
    // UPnP IGD: the rates through the gateway's WAN link from its (unwrapped) byte counters, and
    // the link's maximum bit rates.
    std::optional<std::uint64_t> wan_up_bps;
    std::optional<std::uint64_t> wan_down_bps;
    std::optional<std::uint64_t> max_up_bps;
    std::optional<std::uint64_t> max_down_bps;
    std::string igd_note; // the IGD's name when known, else why not
    // Latency under load: round trips to the default gateway now (smoothed) and their floor over
    // a long window (LEDBAT's base delay).
    std::optional<std::uint32_t> rtt_now_us;
    std::optional<std::uint32_t> rtt_floor_us;
    std::string latency_note; // "ICMP ping socket", or why it is unknown
    friend bool operator==(const GatewayFigures&, const GatewayFigures&) = default;
};

// One signed weather report (message type weather_report, docs/protocol.md section 12).
struct WeatherReport {
    std::string name;                      // the node's announced name; empty when anonymous
    std::uint32_t interval_ms = 5000;      // the sender's steady-state interval
    std::vector<Activity> activities;      // at most 16
    std::vector<LinkLoad> links;           // at most 4
    std::optional<GatewayFigures> gateway; // only from a node that measures it
    friend bool operator==(const WeatherReport&, const WeatherReport&) = default;
};

// What `--anonymous` sends: no node name, no labels, no interface names, and every rate rounded
// to two significant digits (8 347 112 -> 8 300 000). Gateway figures are kept as they are.
MCAST_API WeatherReport anonymized(WeatherReport r);

MCAST_API Tuple encode_weather_report(const WeatherReport& r);
// nullopt when the tuple is not a well-formed report (unknown class, too many entries, priority
// above 7, rates beyond 1 Tbit/s, …).
MCAST_API std::optional<WeatherReport> decode_weather_report(const Tuple& t);

// Queueing delay grade, as bufferbloat tests grade added latency under load:
// A+ < 5 ms, A < 30 ms, B < 60 ms, C < 200 ms, D < 400 ms, F otherwise.
MCAST_API std::string_view delay_grade(std::uint32_t added_delay_us);

// A rate as the verdicts and advice reasons word it, for printers to say it the same way:
// "950 bit/s", "512 kbit/s", "1.5 Mbit/s", "11 Mbit/s", "2.5 Gbit/s".
MCAST_API std::string rate_text(std::uint64_t bps);

// unknown: nothing measured the traffic (no counted node reports a link, the gateway gives no
// WAN rate and no round trips), so that "clear" would be a guess; declared activities can still
// make it busy.
enum class Verdict : std::uint8_t { clear, busy, congested, unknown };
MCAST_API std::string_view to_string(Verdict v);

// Where the uplink capacity figure came from.
enum class CapacitySource : std::uint8_t { unknown, igd, setting, observed };
MCAST_API std::string_view to_string(CapacitySource s);

// One node as the LAN sees it.
struct NodeWeather {
    NodeId id{};
    std::string name;
    bool trusted = false;
    bool local = false; // this machine's own node
    std::vector<Activity> activities;
    bool measured = false;    // it reported at least one link (else: no default route)
    std::uint64_t up_bps = 0; // sum of its links; 0 and not measured: unknown
    std::uint64_t down_bps = 0;
    std::vector<std::uint64_t>
        up_history; // one sample per report over the last minute, oldest first
    std::vector<std::uint64_t> down_history;
    std::int64_t age_ms = 0; // since its last report
};

// The LAN aggregate: every node's latest report (a newer report from a node replaces its older
// one; an older one never does), totals, the gateway and a verdict.
struct Weather {
    std::vector<NodeWeather> nodes; // sorted by name, then id
    std::uint64_t lan_up_bps = 0;   // sum over nodes
    std::uint64_t lan_down_bps = 0;
    std::vector<std::pair<ActivityClass, std::uint64_t>> declared_bps; // declared rate per class

    std::optional<GatewayFigures> gateway; // the freshest figures any node reported
    std::optional<NodeId> gateway_from;    // the node that measured them
    std::optional<std::uint64_t> capacity_up_bps;
    std::optional<std::uint64_t> capacity_down_bps;
    CapacitySource capacity_source = CapacitySource::unknown;
    std::optional<double> utilisation_up; // 0..1+ of capacity_up_bps
    std::optional<double> utilisation_down;
    std::optional<std::uint32_t> queueing_delay_us; // rtt_now - rtt_floor
    std::optional<std::uint64_t> unknown_up_bps;    // gateway WAN rate beyond the nodes' reports
    std::optional<std::uint64_t> unknown_down_bps;

    Verdict verdict = Verdict::clear;
    // "uplink 92 % full: media-pc live-stream 8 Mbit/s, nas backup 11 Mbit/s"; unknown: "no rates
    // measured yet (...)"
    std::string reason;

    // What the node that made this snapshot did with the reports it received (weather_service).
    struct Counts {
        std::uint64_t taken = 0;
        std::uint64_t stale = 0;     // not newer than one already taken from that node
        std::uint64_t absurd = 0;    // rates beyond any link
        std::uint64_t full = 0;      // from a node beyond the table's bound
        std::uint64_t malformed = 0; // signed, but not a well-formed report
        friend bool operator==(const Counts&, const Counts&) = default;
    } reports;
};

// Whose reports count: every node's, or only those of trusted nodes and this machine's own.
enum class Heed : std::uint8_t { any, trusted };

struct AdviceConfig {
    std::uint32_t delay_target_us =
        25000; // queueing delay over this is congestion (docs/weather.md)
    std::uint64_t floor_bps =
        256000;            // never advised below this: a liar slows a job, never stops it
    double headroom = 0.9; // aim at this share of the capacity
};

// What a sender of some priority should do now.
struct Advice {
    bool yield = false;
    std::optional<std::uint64_t> rate_bps; // when yielding: the rate to keep below (>= floor)
    std::string reason;                    // "media-pc live-stream (priority 6)"; empty when clear
    // The weather's verdict is unknown (no rates measured yet): no reason to yield comes from
    // the traffic, and none to be sure there is none. Never a reason to yield by itself.
    bool unknown = false;
    friend bool operator==(const Advice&, const Advice&) = default;
};

// The advice rule (docs/weather.md): a sender of `priority` yields to declared activities of a
// higher priority and to measured congestion; what the capacity leaves beyond the declared
// higher-priority rates is shared among the nodes that yield, never below config.floor_bps.
// `self` is the asking job's own node: its measured traffic is the job's own and no reason, but
// what other programs on that machine declare counts like any node's declaration. An unknown
// verdict makes nobody yield (Advice::unknown says so); declarations still do.
MCAST_API Advice advise(const Weather& w, std::uint8_t priority, Heed heed,
                        const AdviceConfig& config,
                        const std::optional<NodeId>& self = std::nullopt);

} // namespace mcast
