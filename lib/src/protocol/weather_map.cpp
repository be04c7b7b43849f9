// The LAN aggregate of weather reports; see weather_map.hpp and docs/weather.md.
#include "protocol/weather_map.hpp"

#include "protocol/weather_text.hpp"

#include <algorithm>

namespace mcast {

namespace {

constexpr double congested_utilisation = 0.9;
constexpr double busy_utilisation = 0.5;
constexpr std::size_t contributors_shown = 3;
constexpr std::uint64_t contributor_min_bps = 1'000'000; // measured traffic worth naming

bool absurd(const WeatherReport& r, std::uint64_t limit) {
    for (const auto& a : r.activities)
        if (a.rate_bps > limit) return true;
    for (const auto& l : r.links)
        if (l.up_bps > limit || l.down_bps > limit) return true;
    if (r.gateway) {
        for (const auto& v : {r.gateway->wan_up_bps, r.gateway->wan_down_bps, r.gateway->max_up_bps,
                              r.gateway->max_down_bps})
            if (v && *v > limit) return true;
    }
    return false;
}

std::int64_t ms_between(MonoTime from, MonoTime to) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(to - from).count();
}

// Who is using the uplink, for the verdict's reason: declared activities first (highest
// priority, then largest declared rate), then nodes that declared nothing but measure at least
// 1 Mbit/s, then traffic of machines without mcast.
std::string contributors(const Weather& w) {
    struct Item {
        int rank; // 1 declared, 0 measured
        std::uint8_t priority;
        std::uint64_t rate;
        std::string text;
    };
    std::vector<Item> items;
    for (const auto& n : w.nodes) {
        for (const auto& a : n.activities)
            items.push_back({1, a.priority, a.rate_bps, detail::activity_text(n, a)});
        if (n.activities.empty() && std::max(n.up_bps, n.down_bps) >= contributor_min_bps) {
            const bool up = n.up_bps >= n.down_bps;
            items.push_back({0, 0, std::max(n.up_bps, n.down_bps),
                             detail::node_text(n) + " " + rate_text(up ? n.up_bps : n.down_bps) +
                                 (up ? " up" : " down")});
        }
    }
    const auto unknown = std::max(w.unknown_up_bps.value_or(0), w.unknown_down_bps.value_or(0));
    if (unknown >= contributor_min_bps) {
        const bool up = w.unknown_up_bps.value_or(0) >= w.unknown_down_bps.value_or(0);
        items.push_back(
            {0, 0, unknown, "unknown traffic " + rate_text(unknown) + (up ? " up" : " down")});
    }
    std::stable_sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
        if (a.rank != b.rank) return a.rank > b.rank;
        if (a.priority != b.priority) return a.priority > b.priority;
        return a.rate > b.rate;
    });
    std::string s;
    for (std::size_t i = 0; i < items.size() && i < contributors_shown; ++i)
        s += (i ? ", " : "") + items[i].text;
    if (items.size() > contributors_shown)
        s += ", and " + std::to_string(items.size() - contributors_shown) + " more";
    return s;
}

} // namespace

MonoTime WeatherMap::forget_at(const Entry& e) const {
    const auto three = std::chrono::milliseconds(3 * std::int64_t{e.report.interval_ms});
    return e.received + std::min(three, cfg_.max_forget);
}

bool WeatherMap::heeded(const Entry& e, Heed heed) const {
    return heed == Heed::any || e.trusted || e.local;
}

WeatherMap::Taken WeatherMap::take(const NodeId& node, std::int64_t timestamp_ns,
                                   const WeatherReport& report, MonoTime now, bool trusted,
                                   bool local) {
    Taken t;
    auto it = nodes_.find(node);
    if (it != nodes_.end() && timestamp_ns <= it->second.timestamp_ns) {
        ++counters_.stale;
        t.stale = true;
        return t;
    }
    if (absurd(report, cfg_.absurd_bps)) {
        ++counters_.absurd;
        t.absurd = true;
        return t;
    }
    if (it == nodes_.end()) {
        if (nodes_.size() >= cfg_.max_nodes) {
            ++counters_.full;
            t.full = true;
            return t;
        }
        it = nodes_.emplace(node, Entry{}).first;
    }
    auto& e = it->second;
    e.report = report;
    e.timestamp_ns = timestamp_ns;
    e.received = now;
    e.trusted = trusted;
    e.local = local;
    e.up = e.down = 0;
    for (const auto& l : report.links) {
        e.up = detail::sat_add(e.up, l.up_bps);
        e.down = detail::sat_add(e.down, l.down_bps);
    }
    e.history.push_back({now, e.up, e.down});
    while (!e.history.empty() && now - e.history.front().at > cfg_.history)
        e.history.pop_front();
    ++counters_.accepted;
    t.accepted = true;
    record(now);
    return t;
}

bool WeatherMap::forget(const NodeId& node) {
    return nodes_.erase(node) > 0;
}

bool WeatherMap::expire(MonoTime now) {
    const auto n =
        std::erase_if(nodes_, [&](const auto& kv) { return forget_at(kv.second) <= now; });
    counters_.expired += n;
    if (n) record(now);
    return n > 0;
}

std::optional<MonoTime> WeatherMap::next_expiry() const {
    std::optional<MonoTime> t;
    for (const auto& [id, e] : nodes_)
        if (!t || forget_at(e) < *t) t = forget_at(e);
    return t;
}

const WeatherMap::Entry* WeatherMap::gateway_entry(Heed heed) const {
    const Entry* best = nullptr;
    for (const auto& [id, e] : nodes_)
        if (heeded(e, heed) && e.report.gateway && (!best || e.received > best->received))
            best = &e;
    return best;
}

void WeatherMap::traffic(Heed heed, std::uint64_t& up, std::uint64_t& down) const {
    up = down = 0;
    for (const auto& [id, e] : nodes_) {
        if (!heeded(e, heed)) continue;
        up = detail::sat_add(up, e.up);
        down = detail::sat_add(down, e.down);
    }
    if (const auto* g = gateway_entry(heed)) {
        if (g->report.gateway->wan_up_bps) up = *g->report.gateway->wan_up_bps;
        if (g->report.gateway->wan_down_bps) down = *g->report.gateway->wan_down_bps;
    }
}

// The totals after every change, kept for `sustained`: the least of them over a full window
// is a level the LAN held that long; the highest such level is the observed capacity.
void WeatherMap::record(MonoTime now) {
    for (auto [peak, heed] : {std::pair{&peak_any_, Heed::any}, {&peak_trusted_, Heed::trusted}}) {
        Sample s{now, 0, 0};
        traffic(heed, s.up, s.down);
        auto& win = peak->window;
        win.push_back(s);
        // Keep the sample in force at the window's start (the one before the first inside it).
        while (win.size() > 1 && win[1].at <= now - cfg_.sustained)
            win.pop_front();
        if (win.front().at > now - cfg_.sustained) continue; // not yet a full window
        std::uint64_t up = win.front().up, down = win.front().down;
        for (const auto& w : win) {
            up = std::min(up, w.up);
            down = std::min(down, w.down);
        }
        peak->up = std::max(peak->up, up);
        peak->down = std::max(peak->down, down);
    }
}

Weather WeatherMap::snapshot(MonoTime now, const UplinkConfig& uplink, Heed heed,
                             const AdviceConfig& advice) const {
    Weather w;
    std::map<ActivityClass, std::uint64_t> declared;
    for (const auto& [id, e] : nodes_) {
        if (!heeded(e, heed)) continue;
        NodeWeather n;
        n.id = id;
        n.name = e.report.name;
        n.trusted = e.trusted;
        n.local = e.local;
        n.activities = e.report.activities;
        n.up_bps = e.up;
        n.down_bps = e.down;
        n.measured = !e.report.links.empty();
        for (const auto& s : e.history) {
            if (now - s.at > cfg_.history) continue;
            n.up_history.push_back(s.up);
            n.down_history.push_back(s.down);
        }
        n.age_ms = ms_between(e.received, now);
        w.lan_up_bps = detail::sat_add(w.lan_up_bps, e.up);
        w.lan_down_bps = detail::sat_add(w.lan_down_bps, e.down);
        for (const auto& a : e.report.activities)
            declared[a.cls] = detail::sat_add(declared[a.cls], a.rate_bps);
        w.nodes.push_back(std::move(n));
    }
    std::sort(w.nodes.begin(), w.nodes.end(), [](const NodeWeather& a, const NodeWeather& b) {
        return a.name != b.name ? a.name < b.name : a.id < b.id;
    });
    w.declared_bps.assign(declared.begin(), declared.end());

    const Entry* g = gateway_entry(heed);
    if (g) {
        w.gateway = g->report.gateway;
        for (const auto& [id, e] : nodes_)
            if (&e == g) w.gateway_from = id;
    }
    // Capacity, each direction: the IGD's maximum rate, else the setting, else the highest
    // total the LAN sustained (when at least min_observed_bps).
    const auto& peak = heed == Heed::any ? peak_any_ : peak_trusted_;
    auto pick = [&](std::optional<std::uint64_t> igd, std::optional<std::uint64_t> setting,
                    std::uint64_t observed, std::optional<std::uint64_t>& out) {
        if (igd && *igd > 0) {
            out = igd;
            return CapacitySource::igd;
        }
        if (setting && *setting > 0) {
            out = setting;
            return CapacitySource::setting;
        }
        if (observed >= cfg_.min_observed_bps) {
            out = observed;
            return CapacitySource::observed;
        }
        return CapacitySource::unknown;
    };
    const auto up_src = pick(w.gateway ? w.gateway->max_up_bps : std::nullopt, uplink.up_bps,
                             peak.up, w.capacity_up_bps);
    const auto down_src = pick(w.gateway ? w.gateway->max_down_bps : std::nullopt, uplink.down_bps,
                               peak.down, w.capacity_down_bps);
    w.capacity_source = up_src != CapacitySource::unknown ? up_src : down_src;

    // Whether anything measured the traffic: a counted node's links or the gateway's WAN
    // counters. Without, a utilisation would be of nothing.
    const bool traffic_measured = std::any_of(w.nodes.begin(), w.nodes.end(),
                                              [](const NodeWeather& n) { return n.measured; }) ||
                                  (w.gateway && (w.gateway->wan_up_bps || w.gateway->wan_down_bps));
    std::uint64_t up = 0, down = 0;
    traffic(heed, up, down);
    if (traffic_measured && w.capacity_up_bps)
        w.utilisation_up = static_cast<double>(up) / static_cast<double>(*w.capacity_up_bps);
    if (traffic_measured && w.capacity_down_bps)
        w.utilisation_down = static_cast<double>(down) / static_cast<double>(*w.capacity_down_bps);
    if (w.gateway && w.gateway->rtt_now_us && w.gateway->rtt_floor_us)
        w.queueing_delay_us =
            *w.gateway->rtt_now_us - std::min(*w.gateway->rtt_now_us, *w.gateway->rtt_floor_us);
    if (w.gateway && w.gateway->wan_up_bps)
        w.unknown_up_bps = *w.gateway->wan_up_bps - std::min(*w.gateway->wan_up_bps, w.lan_up_bps);
    if (w.gateway && w.gateway->wan_down_bps)
        w.unknown_down_bps =
            *w.gateway->wan_down_bps - std::min(*w.gateway->wan_down_bps, w.lan_down_bps);

    // Verdict (docs/weather.md "Verdict").
    std::vector<std::string> why;
    bool congested = false, busy = false;
    for (auto [u, name] :
         {std::pair{w.utilisation_up, "uplink"}, {w.utilisation_down, "downlink"}}) {
        if (!u) continue;
        if (*u >= congested_utilisation) {
            congested = true;
            why.push_back(std::string(name) + " " + detail::percent_text(*u) + " full");
        } else if (*u >= busy_utilisation) {
            busy = true;
            why.push_back(std::string(name) + " " + detail::percent_text(*u) + " used");
        }
    }
    if (w.queueing_delay_us && *w.queueing_delay_us >= advice.delay_target_us) {
        congested = true;
        why.push_back("queueing delay " + std::to_string(*w.queueing_delay_us / 1000) + " ms");
    }
    for (const auto& n : w.nodes)
        for (const auto& a : n.activities)
            busy =
                busy || a.cls == ActivityClass::live_stream || a.cls == ActivityClass::interactive;
    w.verdict = congested ? Verdict::congested : busy ? Verdict::busy : Verdict::clear;
    // Nothing measured at all (neither traffic nor the gateway's queueing delay): unknown, not
    // clear. Declared activities still make it busy.
    if (w.verdict == Verdict::clear && !traffic_measured && !w.queueing_delay_us) {
        w.verdict = Verdict::unknown;
        w.reason = w.nodes.empty() ? "no rates measured yet (no weather reports)"
                                   : "no rates measured yet (no node reports a default route, "
                                     "no gateway figures)";
        return w;
    }
    if (w.verdict == Verdict::clear) {
        if (w.utilisation_up)
            w.reason = "uplink " + detail::percent_text(*w.utilisation_up) + " used";
        return w;
    }
    std::string head;
    for (std::size_t i = 0; i < why.size(); ++i)
        head += (i ? ", " : "") + why[i];
    const auto who = contributors(w);
    w.reason = head.empty() ? who : who.empty() ? head : head + ": " + who;
    return w;
}

} // namespace mcast
