// Network weather's plain functions (weather.hpp): class names and priorities, the
// weather_report codec (docs/protocol.md section 12), the delay grade, and the advice rule
// (docs/weather.md). Decoding is strict like every payload codec: one value out of range or of
// the wrong type rejects the whole report.
#include "protocol/weather_text.hpp"

#include <mcast/weather.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace mcast {

namespace {

constexpr std::int64_t max_rate = 1'000'000'000'000; // 1 Tbit/s: beyond it, not a report
constexpr std::int64_t max_rtt_us = 60'000'000;      // 60 s
constexpr std::int64_t min_interval_ms = 1000;
constexpr std::int64_t max_interval_ms = 600'000;
constexpr std::size_t max_text = 255; // bytes of any string in a report
constexpr std::size_t max_activities = 16;
constexpr std::size_t max_links = 4;

// Measured congestion counts only when others use at least this share of the capacity (or the
// floor, whichever is more): a job alone on the uplink has nobody to give way to.
constexpr double contend_share = 0.05;
constexpr double congested_utilisation = 0.9;
constexpr std::size_t reasons_shown = 3;

Value opt_int(const std::optional<std::uint64_t>& v) {
    return v ? Value(static_cast<std::int64_t>(*v)) : Value(nullptr);
}
Value opt_int(const std::optional<std::uint32_t>& v) {
    return v ? Value(std::int64_t{*v}) : Value(nullptr);
}

bool int_in(const Value& v, std::int64_t lo, std::int64_t hi, std::int64_t& out) {
    if (!v.is<std::int64_t>()) return false;
    out = v.as<std::int64_t>();
    return out >= lo && out <= hi;
}

bool text(const Value& v, std::string& out) {
    if (!v.is<std::string>() || v.as<std::string>().size() > max_text) return false;
    out = v.as<std::string>();
    return true;
}

template <class T> bool opt_in(const Value& v, std::int64_t hi, std::optional<T>& out) {
    if (v.is<std::nullptr_t>()) return true;
    std::int64_t x = 0;
    if (!int_in(v, 0, hi, x)) return false;
    out = static_cast<T>(x);
    return true;
}

bool decode_activity(const Value& v, Activity& a) {
    if (!v.is<List>()) return false;
    const auto& f = v.as<List>();
    std::int64_t cls = 0, prio = 0, rate = 0;
    if (f.size() != 4 || !int_in(f[0], 1, 6, cls) || !int_in(f[1], 0, max_priority, prio) ||
        !int_in(f[2], 0, max_rate, rate) || !text(f[3], a.label))
        return false;
    a.cls = static_cast<ActivityClass>(cls);
    a.priority = static_cast<std::uint8_t>(prio);
    a.rate_bps = static_cast<std::uint64_t>(rate);
    return true;
}

bool decode_link(const Value& v, LinkLoad& l) {
    if (!v.is<List>()) return false;
    const auto& f = v.as<List>();
    std::int64_t up = 0, down = 0;
    if (f.size() != 5 || !text(f[0], l.interface) || !f[1].is<bool>() || !f[2].is<bool>() ||
        !int_in(f[3], 0, max_rate, up) || !int_in(f[4], 0, max_rate, down))
        return false;
    l.ipv4 = f[1].as<bool>();
    l.ipv6 = f[2].as<bool>();
    l.up_bps = static_cast<std::uint64_t>(up);
    l.down_bps = static_cast<std::uint64_t>(down);
    return true;
}

bool decode_gateway(const Value& v, std::optional<GatewayFigures>& out) {
    if (v.is<std::nullptr_t>()) return true;
    if (!v.is<List>()) return false;
    const auto& f = v.as<List>();
    GatewayFigures g;
    if (f.size() != 8 || !opt_in(f[0], max_rate, g.wan_up_bps) ||
        !opt_in(f[1], max_rate, g.wan_down_bps) || !opt_in(f[2], max_rate, g.max_up_bps) ||
        !opt_in(f[3], max_rate, g.max_down_bps) || !text(f[4], g.igd_note) ||
        !opt_in(f[5], max_rtt_us, g.rtt_now_us) || !opt_in(f[6], max_rtt_us, g.rtt_floor_us) ||
        !text(f[7], g.latency_note))
        return false;
    out = std::move(g);
    return true;
}

std::uint64_t round2(std::uint64_t v) {
    std::uint64_t unit = 1;
    while (v / unit >= 100)
        unit *= 10;
    return (v + unit / 2) / unit * unit;
}

std::string one_decimal(double v, const char* unit) {
    char buf[48];
    if (v < 9.95 && std::abs(v - std::round(v)) >= 0.05)
        std::snprintf(buf, sizeof buf, "%.1f %s", v, unit);
    else
        std::snprintf(buf, sizeof buf, "%.0f %s", v, unit);
    return buf;
}

} // namespace

std::string_view to_string(ActivityClass c) {
    switch (c) {
    case ActivityClass::interactive:
        return "interactive";
    case ActivityClass::live_stream:
        return "live-stream";
    case ActivityClass::on_demand_stream:
        return "on-demand-stream";
    case ActivityClass::bulk_download:
        return "bulk-download";
    case ActivityClass::bulk_upload:
        return "bulk-upload";
    case ActivityClass::backup:
        return "backup";
    }
    return "unknown";
}

const std::vector<ActivityClass>& all_activity_classes() {
    static const std::vector<ActivityClass> all{
        ActivityClass::interactive,   ActivityClass::live_stream, ActivityClass::on_demand_stream,
        ActivityClass::bulk_download, ActivityClass::bulk_upload, ActivityClass::backup};
    return all;
}

std::optional<ActivityClass> parse_activity_class(std::string_view name) {
    for (auto c : all_activity_classes())
        if (to_string(c) == name) return c;
    return std::nullopt;
}

std::uint8_t default_priority(ActivityClass c) {
    switch (c) {
    case ActivityClass::interactive:
        return 7;
    case ActivityClass::live_stream:
        return 6;
    case ActivityClass::on_demand_stream:
        return 5;
    case ActivityClass::bulk_download:
    case ActivityClass::bulk_upload:
        return 2;
    case ActivityClass::backup:
        return 1;
    }
    return priority_normal;
}

WeatherReport anonymized(WeatherReport r) {
    r.name.clear();
    for (auto& a : r.activities) {
        a.label.clear();
        a.rate_bps = round2(a.rate_bps);
    }
    for (auto& l : r.links) {
        l.interface.clear();
        l.up_bps = round2(l.up_bps);
        l.down_bps = round2(l.down_bps);
    }
    return r;
}

Tuple encode_weather_report(const WeatherReport& r) {
    // Built element by element: GCC 12 misreports initializer lists of variants as
    // maybe-uninitialized.
    List activities;
    for (const auto& a : r.activities) {
        List e;
        e.emplace_back(std::int64_t{static_cast<std::uint8_t>(a.cls)});
        e.emplace_back(std::int64_t{a.priority});
        e.emplace_back(static_cast<std::int64_t>(a.rate_bps));
        e.emplace_back(a.label);
        activities.emplace_back(std::move(e));
    }
    List links;
    for (const auto& l : r.links) {
        List e;
        e.emplace_back(l.interface);
        e.emplace_back(l.ipv4);
        e.emplace_back(l.ipv6);
        e.emplace_back(static_cast<std::int64_t>(l.up_bps));
        e.emplace_back(static_cast<std::int64_t>(l.down_bps));
        links.emplace_back(std::move(e));
    }
    Value gateway;
    if (r.gateway) {
        const auto& g = *r.gateway;
        List e;
        e.push_back(opt_int(g.wan_up_bps));
        e.push_back(opt_int(g.wan_down_bps));
        e.push_back(opt_int(g.max_up_bps));
        e.push_back(opt_int(g.max_down_bps));
        e.emplace_back(g.igd_note);
        e.push_back(opt_int(g.rtt_now_us));
        e.push_back(opt_int(g.rtt_floor_us));
        e.emplace_back(g.latency_note);
        gateway = std::move(e);
    }
    Tuple t;
    t.emplace_back(r.name);
    t.emplace_back(std::int64_t{r.interval_ms});
    t.emplace_back(std::move(activities));
    t.emplace_back(std::move(links));
    t.push_back(std::move(gateway));
    return t;
}

std::optional<WeatherReport> decode_weather_report(const Tuple& t) {
    WeatherReport r;
    std::int64_t interval = 0;
    if (t.size() != 5 || !text(t[0], r.name) ||
        !int_in(t[1], min_interval_ms, max_interval_ms, interval) || !t[2].is<List>() ||
        !t[3].is<List>())
        return std::nullopt;
    r.interval_ms = static_cast<std::uint32_t>(interval);
    const auto& acts = t[2].as<List>();
    const auto& links = t[3].as<List>();
    if (acts.size() > max_activities || links.size() > max_links) return std::nullopt;
    for (const auto& v : acts)
        if (!decode_activity(v, r.activities.emplace_back())) return std::nullopt;
    for (const auto& v : links)
        if (!decode_link(v, r.links.emplace_back())) return std::nullopt;
    if (!decode_gateway(t[4], r.gateway)) return std::nullopt;
    return r;
}

std::string_view delay_grade(std::uint32_t added_delay_us) {
    if (added_delay_us < 5'000) return "A+";
    if (added_delay_us < 30'000) return "A";
    if (added_delay_us < 60'000) return "B";
    if (added_delay_us < 200'000) return "C";
    if (added_delay_us < 400'000) return "D";
    return "F";
}

std::string_view to_string(Verdict v) {
    switch (v) {
    case Verdict::clear:
        return "clear";
    case Verdict::busy:
        return "busy";
    case Verdict::congested:
        return "congested";
    case Verdict::unknown:
        return "unknown";
    }
    return "unknown";
}

std::string_view to_string(CapacitySource s) {
    switch (s) {
    case CapacitySource::unknown:
        return "unknown";
    case CapacitySource::igd:
        return "igd";
    case CapacitySource::setting:
        return "setting";
    case CapacitySource::observed:
        return "observed";
    }
    return "unknown";
}

std::string rate_text(std::uint64_t bps) {
    const auto v = static_cast<double>(bps);
    if (bps < 1000) return std::to_string(bps) + " bit/s";
    if (bps < 999'500) return one_decimal(v / 1e3, "kbit/s");
    if (bps < 999'500'000) return one_decimal(v / 1e6, "Mbit/s");
    return one_decimal(v / 1e9, "Gbit/s");
}

namespace detail {

std::string node_text(const NodeWeather& n) {
    return n.name.empty() ? n.id.short_form() : n.name;
}

std::string activity_text(const NodeWeather& n, const Activity& a) {
    std::string s = node_text(n) + " " + std::string(to_string(a.cls));
    if (a.rate_bps) s += " " + rate_text(a.rate_bps);
    return s;
}

std::string percent_text(double share) {
    return std::to_string(static_cast<long long>(std::floor(share * 100 + 0.5))) + " %";
}

unsigned class_directions(ActivityClass c) {
    switch (c) {
    case ActivityClass::interactive:
        return dir_up | dir_down;
    case ActivityClass::live_stream:
    case ActivityClass::on_demand_stream:
    case ActivityClass::bulk_download:
        return dir_down;
    case ActivityClass::bulk_upload:
    case ActivityClass::backup:
        return dir_up;
    }
    return dir_up | dir_down;
}

} // namespace detail

// The advice rule, docs/weather.md "Advice". Stateless: it reads one snapshot, so the advice
// returns to "go" as soon as a snapshot without the reason does.
Advice advise(const Weather& w, std::uint8_t priority, Heed heed, const AdviceConfig& config,
              const std::optional<NodeId>& self) {
    using detail::dir_down;
    using detail::dir_up;
    using detail::sat_add;
    struct Higher {
        const NodeWeather* node;
        const Activity* act;
    };
    std::vector<Higher> higher;
    std::uint64_t reserved[2] = {0, 0}; // [0] up, [1] down: declared by higher priorities
    std::uint64_t others[2] = {0, 0};   // measured by heeded nodes other than self
    std::uint64_t stay[2] = {0, 0};     // ... by those of them that do not yield with us
    std::size_t yielders = 1;           // self, and the heeded nodes declaring no more than us
    for (const auto& n : w.nodes) {
        // Self's measured traffic is mostly the asking job's own: no reason to yield, and not
        // one more yielder. What other programs on the same machine declare counts like anyone's
        // (a backup gives way to the video call on the same laptop).
        const bool is_self = self && n.id == *self;
        if (!is_self && heed == Heed::trusted && !n.trusted && !n.local) continue;
        if (!is_self) {
            others[0] = sat_add(others[0], n.up_bps);
            others[1] = sat_add(others[1], n.down_bps);
        }
        bool lower = false;
        for (const auto& a : n.activities) {
            if (a.priority <= priority) {
                lower = true;
                continue;
            }
            higher.push_back({&n, &a});
            const auto dirs = detail::class_directions(a.cls);
            if (dirs & dir_up) reserved[0] = sat_add(reserved[0], a.rate_bps);
            if (dirs & dir_down) reserved[1] = sat_add(reserved[1], a.rate_bps);
        }
        if (is_self) continue;
        if (lower) {
            ++yielders;
        } else {
            stay[0] = sat_add(stay[0], n.up_bps);
            stay[1] = sat_add(stay[1], n.down_bps);
        }
    }
    // Traffic the gateway counts beyond every node's report belongs to nobody who yields.
    others[0] = sat_add(others[0], w.unknown_up_bps.value_or(0));
    others[1] = sat_add(others[1], w.unknown_down_bps.value_or(0));
    stay[0] = sat_add(stay[0], w.unknown_up_bps.value_or(0));
    stay[1] = sat_add(stay[1], w.unknown_down_bps.value_or(0));

    const std::optional<std::uint64_t> capacity[2] = {w.capacity_up_bps, w.capacity_down_bps};
    const std::optional<double> utilisation[2] = {w.utilisation_up, w.utilisation_down};
    bool contend[2], congested[2];
    std::vector<std::string> reasons;
    for (int d = 0; d < 2; ++d) {
        const double threshold =
            std::max(static_cast<double>(config.floor_bps),
                     capacity[d] ? contend_share * static_cast<double>(*capacity[d]) : 0.0);
        contend[d] = static_cast<double>(others[d]) >= threshold;
        congested[d] = contend[d] && utilisation[d] && *utilisation[d] >= congested_utilisation;
        if (congested[d])
            reasons.push_back(std::string(d == 0 ? "uplink " : "downlink ") +
                              detail::percent_text(*utilisation[d]) + " full");
    }
    const bool delayed = w.queueing_delay_us && *w.queueing_delay_us >= config.delay_target_us &&
                         (contend[0] || contend[1]);
    if (delayed) {
        reasons.push_back("queueing delay " + std::to_string(*w.queueing_delay_us / 1000) +
                          " ms over the " + std::to_string(config.delay_target_us / 1000) +
                          " ms target");
        congested[0] = congested[0] || contend[0];
        congested[1] = congested[1] || contend[1];
    }
    // Unknown weather holds no congestion (nothing measured any), so it alone yields nothing.
    if (higher.empty() && !congested[0] && !congested[1]) {
        Advice go;
        go.unknown = w.verdict == Verdict::unknown;
        return go;
    }

    // Reasons: the declared activities first, highest priority then largest rate.
    std::stable_sort(higher.begin(), higher.end(), [](const Higher& a, const Higher& b) {
        if (a.act->priority != b.act->priority) return a.act->priority > b.act->priority;
        return a.act->rate_bps > b.act->rate_bps;
    });
    std::vector<std::string> declared;
    unsigned dirs = 0;
    for (const auto& h : higher) {
        dirs |= detail::class_directions(h.act->cls);
        if (declared.size() < reasons_shown)
            declared.push_back(detail::activity_text(*h.node, *h.act) + " (priority " +
                               std::to_string(h.act->priority) + ")");
    }
    if (higher.size() > reasons_shown)
        declared.push_back("and " + std::to_string(higher.size() - reasons_shown) + " more");
    reasons.insert(reasons.begin(), declared.begin(), declared.end());
    if (congested[0]) dirs |= dir_up;
    if (congested[1]) dirs |= dir_down;

    // The rate: in each direction a reason lies in, what the headroom leaves beyond the
    // higher-priority declarations (and, when congested there, beyond what the nodes that do
    // not yield measure), shared equally among the yielders; the least of those; never below
    // the floor.
    std::optional<std::uint64_t> rate;
    for (int d = 0; d < 2; ++d) {
        if (!(dirs & (d == 0 ? dir_up : dir_down)) || !capacity[d]) continue;
        const double budget = config.headroom * static_cast<double>(*capacity[d]);
        double left = std::max(0.0, budget - static_cast<double>(reserved[d]));
        if (congested[d])
            left = std::min(left, std::max(0.0, budget - static_cast<double>(stay[d])));
        const auto share = static_cast<std::uint64_t>(left / static_cast<double>(yielders));
        const auto r = std::max(config.floor_bps, share);
        rate = rate ? std::min(*rate, r) : r;
    }
    Advice a;
    a.yield = true;
    a.rate_bps = rate.value_or(config.floor_bps);
    a.unknown = w.verdict == Verdict::unknown;
    for (std::size_t i = 0; i < reasons.size(); ++i)
        a.reason += (i ? i < declared.size() ? ", " : "; " : "") + reasons[i];
    return a;
}

} // namespace mcast
