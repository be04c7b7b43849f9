// The weather table and records; see weather_printers.hpp.
#include "weather_printers.hpp"

#include "table.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

namespace mcast::cli {

namespace json = boost::json;

std::string sparkline(const std::vector<std::uint64_t>& samples) {
    static constexpr std::array<std::string_view, 8> bars = {"▁", "▂", "▃", "▄",
                                                             "▅", "▆", "▇", "█"};
    if (samples.empty()) return {};
    auto top = *std::max_element(samples.begin(), samples.end());
    std::string out;
    for (auto s : samples) {
        std::size_t level = top == 0 ? 0 : static_cast<std::size_t>(s * 7 / top);
        out += bars[std::min<std::size_t>(level, 7)];
    }
    return out;
}

std::string activity_text(const Activity& a) {
    std::string s(to_string(a.cls));
    if (a.rate_bps) s += " " + rate_text(a.rate_bps);
    if (!a.label.empty()) s += " \"" + escape_text(a.label) + "\"";
    return s;
}

namespace {

std::string age_text(std::int64_t ms) {
    if (ms < 1000) return "now";
    if (ms < 120'000) return fmt::format("{}s", ms / 1000);
    return fmt::format("{}m", ms / 60'000);
}

std::string percent(double share) {
    return fmt::format("{:.0f} %", share * 100);
}

std::string ms_text(std::uint32_t us) {
    return us < 10'000 ? fmt::format("{:.1f} ms", us / 1000.0) : fmt::format("{} ms", us / 1000);
}

// "uplink 92 % of 20 Mbit/s (igd)": one direction of the uplink, or why it is unknown.
std::string direction_text(std::string_view name, std::optional<double> share,
                           std::optional<std::uint64_t> capacity, CapacitySource source) {
    if (!capacity) return fmt::format("{} capacity unknown", name);
    if (!share) return fmt::format("{} {} ({})", name, rate_text(*capacity), to_string(source));
    return fmt::format("{} {} of {} ({})", name, percent(*share), rate_text(*capacity),
                       to_string(source));
}

std::string gateway_text(const Weather& w) {
    std::vector<std::string> parts;
    parts.push_back(direction_text("up", w.utilisation_up, w.capacity_up_bps, w.capacity_source));
    parts.push_back(
        direction_text("down", w.utilisation_down, w.capacity_down_bps, w.capacity_source));
    const GatewayFigures* g = w.gateway ? &*w.gateway : nullptr;
    if (g && g->rtt_now_us && g->rtt_floor_us) {
        auto added = w.queueing_delay_us.value_or(0);
        parts.push_back(fmt::format("delay {} over a {} floor: grade {} ({} RPM)", ms_text(added),
                                    ms_text(*g->rtt_floor_us), delay_grade(added),
                                    60'000'000 / std::max<std::uint32_t>(*g->rtt_now_us, 1)));
    } else {
        parts.push_back("delay unknown" + (g && !g->latency_note.empty()
                                               ? " (" + escape_text(g->latency_note) + ")"
                                               : std::string()));
    }
    if (g && !g->wan_up_bps && !g->igd_note.empty())
        parts.push_back("IGD unknown (" + escape_text(g->igd_note) + ")");
    if (w.unknown_up_bps || w.unknown_down_bps)
        parts.push_back(fmt::format("other machines: up {}, down {}",
                                    rate_text(w.unknown_up_bps.value_or(0)),
                                    rate_text(w.unknown_down_bps.value_or(0))));
    std::string out;
    for (const auto& p : parts)
        out += (out.empty() ? "" : "; ") + p;
    return out;
}

json::array history(const std::vector<std::uint64_t>& xs) {
    json::array a;
    for (auto x : xs)
        a.emplace_back(x);
    return a;
}

json::object activity_record(const Activity& a) {
    return {{"class", to_string(a.cls)},
            {"priority", a.priority},
            {"rate_bps", a.rate_bps},
            {"label", a.label}};
}

template <class T> json::value maybe(const std::optional<T>& v) {
    return v ? json::value(*v) : json::value(nullptr);
}

} // namespace

std::vector<std::string> weather_lines(const Weather& w, const WeatherView& view, bool color) {
    std::vector<std::vector<std::string>> rows;
    rows.push_back({"NODE", "ID", "ACTIVITY", "PRIO", "UP", "DOWN", "AGE"});
    if (view.sparklines) rows[0].push_back("LAST MINUTE (UP)");
    for (const auto& n : w.nodes) {
        std::string name = n.name.empty() ? "(anonymous)" : escape_text(n.name);
        if (n.local)
            name += " (this host)";
        else if (n.trusted)
            name += " (friend)";
        std::vector<const Activity*> acts;
        for (const auto& a : n.activities)
            acts.push_back(&a);
        std::string first = acts.empty() ? "-" : activity_text(*acts[0]);
        std::string prio = acts.empty() ? "-" : std::to_string(acts[0]->priority);
        // A node without a default route measures nothing: unknown, never 0.
        std::string up = n.measured ? rate_text(n.up_bps) : "unknown";
        std::string down = n.measured ? rate_text(n.down_bps) : "unknown";
        std::vector<std::string> row = {name, n.id.short_form(), first, prio, up,
                                        down, age_text(n.age_ms)};
        if (view.sparklines) row.push_back(sparkline(n.up_history));
        rows.push_back(std::move(row));
        for (std::size_t i = 1; i < acts.size(); ++i) {
            std::vector<std::string> more = {
                "", "", activity_text(*acts[i]), std::to_string(acts[i]->priority), "", "", ""};
            if (view.sparklines) more.push_back("");
            rows.push_back(std::move(more));
        }
    }
    std::vector<std::string> lines;
    if (w.nodes.empty())
        lines.push_back("no weather reports (no node on the LAN shares its weather)");
    else
        lines = table_lines(rows, {.color = color, .accent_column = 1});
    lines.push_back(fmt::format("LAN total: up {}, down {} ({} node{})", rate_text(w.lan_up_bps),
                                rate_text(w.lan_down_bps), w.nodes.size(),
                                w.nodes.size() == 1 ? "" : "s"));
    lines.push_back("gateway: " + gateway_text(w));
    std::string verdict(to_string(w.verdict));
    if (!w.reason.empty()) verdict += ": " + escape_text(w.reason);
    lines.push_back("verdict: " + verdict);
    if (!view.source.empty()) lines.push_back("(" + view.source + ")");
    return lines;
}

json::object weather_record(const Weather& w, std::string_view source) {
    json::array nodes;
    for (const auto& n : w.nodes) {
        json::array acts;
        for (const auto& a : n.activities)
            acts.emplace_back(activity_record(a));
        nodes.emplace_back(
            json::object{{"id", n.id.full()},
                         {"name", n.name},
                         {"trusted", n.trusted},
                         {"local", n.local},
                         {"activities", std::move(acts)},
                         {"up_bps", n.measured ? json::value(n.up_bps) : json::value(nullptr)},
                         {"down_bps", n.measured ? json::value(n.down_bps) : json::value(nullptr)},
                         {"up_history", history(n.up_history)},
                         {"down_history", history(n.down_history)},
                         {"age_ms", n.age_ms}});
    }
    json::object declared;
    for (const auto& [cls, bps] : w.declared_bps)
        declared[to_string(cls)] = bps;
    json::object gateway;
    if (w.gateway) {
        const auto& g = *w.gateway;
        gateway = {{"wan_up_bps", maybe(g.wan_up_bps)},
                   {"wan_down_bps", maybe(g.wan_down_bps)},
                   {"max_up_bps", maybe(g.max_up_bps)},
                   {"max_down_bps", maybe(g.max_down_bps)},
                   {"igd_note", g.igd_note},
                   {"rtt_now_us", maybe(g.rtt_now_us)},
                   {"rtt_floor_us", maybe(g.rtt_floor_us)},
                   {"latency_note", g.latency_note}};
    }
    std::optional<std::string> grade;
    if (w.queueing_delay_us) grade = std::string(delay_grade(*w.queueing_delay_us));
    return {{"type", "weather"},
            {"source", source},
            {"verdict", to_string(w.verdict)},
            {"reason", w.reason},
            {"nodes", std::move(nodes)},
            {"lan_up_bps", w.lan_up_bps},
            {"lan_down_bps", w.lan_down_bps},
            {"declared_bps", std::move(declared)},
            {"gateway", w.gateway ? json::value(std::move(gateway)) : json::value(nullptr)},
            {"gateway_from",
             w.gateway_from ? json::value(w.gateway_from->full()) : json::value(nullptr)},
            {"capacity_up_bps", maybe(w.capacity_up_bps)},
            {"capacity_down_bps", maybe(w.capacity_down_bps)},
            {"capacity_source", to_string(w.capacity_source)},
            {"utilisation_up", maybe(w.utilisation_up)},
            {"utilisation_down", maybe(w.utilisation_down)},
            {"queueing_delay_us", maybe(w.queueing_delay_us)},
            {"grade", maybe(grade)},
            {"unknown_up_bps", maybe(w.unknown_up_bps)},
            {"unknown_down_bps", maybe(w.unknown_down_bps)},
            {"reports", json::object{{"taken", w.reports.taken},
                                     {"stale", w.reports.stale},
                                     {"absurd", w.reports.absurd},
                                     {"full", w.reports.full},
                                     {"malformed", w.reports.malformed}}}};
}

json::object declaration_record(const Declaration& d) {
    auto o = activity_record(d.activity);
    o["type"] = "activity";
    o["id"] = d.id;
    o["remaining_ms"] = d.remaining.count();
    o["owner_uid"] = d.owner_uid;
    return o;
}

} // namespace mcast::cli
