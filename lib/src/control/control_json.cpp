// JSON conversions of the control socket's values; see control_json.hpp.
#include "control/control_json.hpp"

#include <mcast/identity.hpp>

namespace mcast::control {

namespace json = boost::json;

namespace {

std::optional<std::uint64_t> as_u64(const json::value* v) {
    if (!v) return std::nullopt;
    if (v->is_uint64()) return v->as_uint64();
    if (v->is_int64() && v->as_int64() >= 0) return static_cast<std::uint64_t>(v->as_int64());
    return std::nullopt;
}

std::optional<std::int64_t> as_i64(const json::value* v) {
    if (!v) return std::nullopt;
    if (v->is_int64()) return v->as_int64();
    if (v->is_uint64() && v->as_uint64() <= static_cast<std::uint64_t>(INT64_MAX))
        return static_cast<std::int64_t>(v->as_uint64());
    return std::nullopt;
}

std::string as_string(const json::value* v) {
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

bool as_bool(const json::value* v) {
    return v && v->is_bool() && v->as_bool();
}

template <class T> void put(json::object& o, std::string_view key, const std::optional<T>& v) {
    if (v) o[key] = *v;
}

template <class T> std::optional<T> get_opt(const json::object& o, std::string_view key) {
    auto v = as_u64(o.if_contains(key));
    if (!v) return std::nullopt;
    return static_cast<T>(*v);
}

std::optional<double> as_double(const json::value* v) {
    if (!v) return std::nullopt;
    if (v->is_double()) return v->as_double();
    if (v->is_int64()) return static_cast<double>(v->as_int64());
    if (v->is_uint64()) return static_cast<double>(v->as_uint64());
    return std::nullopt;
}

json::array to_json(const std::vector<std::uint64_t>& xs) {
    json::array a;
    for (auto x : xs)
        a.emplace_back(x);
    return a;
}

std::vector<std::uint64_t> u64s(const json::value* v) {
    std::vector<std::uint64_t> out;
    if (!v || !v->is_array()) return out;
    for (const auto& x : v->as_array())
        if (auto n = as_u64(&x)) out.push_back(*n);
    return out;
}

std::optional<NodeId> node_id(std::string_view hex) {
    auto bytes = from_hex(hex);
    if (!bytes || bytes->size() != 32) return std::nullopt;
    NodeId id;
    std::copy(bytes->begin(), bytes->end(), id.digest.begin());
    return id;
}

json::object to_json(const GatewayFigures& g) {
    json::object o;
    put(o, "wan_up_bps", g.wan_up_bps);
    put(o, "wan_down_bps", g.wan_down_bps);
    put(o, "max_up_bps", g.max_up_bps);
    put(o, "max_down_bps", g.max_down_bps);
    o["igd_note"] = g.igd_note;
    put(o, "rtt_now_us", g.rtt_now_us);
    put(o, "rtt_floor_us", g.rtt_floor_us);
    o["latency_note"] = g.latency_note;
    return o;
}

GatewayFigures gateway_from_json(const json::object& o) {
    GatewayFigures g;
    g.wan_up_bps = get_opt<std::uint64_t>(o, "wan_up_bps");
    g.wan_down_bps = get_opt<std::uint64_t>(o, "wan_down_bps");
    g.max_up_bps = get_opt<std::uint64_t>(o, "max_up_bps");
    g.max_down_bps = get_opt<std::uint64_t>(o, "max_down_bps");
    g.igd_note = as_string(o.if_contains("igd_note"));
    g.rtt_now_us = get_opt<std::uint32_t>(o, "rtt_now_us");
    g.rtt_floor_us = get_opt<std::uint32_t>(o, "rtt_floor_us");
    g.latency_note = as_string(o.if_contains("latency_note"));
    return g;
}

} // namespace

json::object counts_json(const Weather::Counts& c) {
    return {{"taken", c.taken},
            {"stale", c.stale},
            {"absurd", c.absurd},
            {"full", c.full},
            {"malformed", c.malformed}};
}

Weather::Counts counts_of(const json::object& o) {
    auto n = [&](std::string_view k) { return as_u64(o.if_contains(k)).value_or(0); };
    return {n("taken"), n("stale"), n("absurd"), n("full"), n("malformed")};
}

json::object to_json(const Activity& a) {
    json::object o;
    o["class"] = to_string(a.cls);
    o["priority"] = a.priority;
    o["rate_bps"] = a.rate_bps;
    o["label"] = a.label;
    return o;
}

std::optional<Activity> activity_from_json(const json::object& o, std::string& error) {
    auto name = as_string(o.if_contains("class"));
    auto cls = parse_activity_class(name);
    if (!cls) {
        error = name.empty() ? "no activity class" : "unknown activity class '" + name + "'";
        return std::nullopt;
    }
    Activity a;
    a.cls = *cls;
    a.priority = default_priority(*cls);
    if (const auto* p = o.if_contains("priority")) {
        auto v = as_u64(p);
        if (!v || *v > max_priority) {
            error = "priority must be 0-7";
            return std::nullopt;
        }
        a.priority = static_cast<std::uint8_t>(*v);
    }
    if (const auto* r = o.if_contains("rate_bps")) {
        auto v = as_u64(r);
        if (!v) {
            error = "rate_bps must be a whole number of bits per second";
            return std::nullopt;
        }
        a.rate_bps = *v;
    }
    a.label = as_string(o.if_contains("label"));
    if (a.label.size() > 64) {
        error = "label longer than 64 bytes";
        return std::nullopt;
    }
    return a;
}

json::object to_json(const Declaration& d) {
    auto o = to_json(d.activity);
    o["id"] = d.id;
    o["remaining_ms"] = d.remaining.count();
    o["owner_uid"] = d.owner_uid;
    return o;
}

Declaration declaration_from_json(const json::object& o) {
    Declaration d;
    std::string ignored;
    if (auto a = activity_from_json(o, ignored)) d.activity = *a;
    d.id = as_string(o.if_contains("id"));
    d.remaining = std::chrono::milliseconds(as_i64(o.if_contains("remaining_ms")).value_or(0));
    d.owner_uid = static_cast<unsigned>(as_u64(o.if_contains("owner_uid")).value_or(0));
    return d;
}

json::object to_json(const Weather& w) {
    json::object o;
    json::array nodes;
    for (const auto& n : w.nodes) {
        json::object j;
        j["id"] = n.id.full();
        j["name"] = n.name;
        j["trusted"] = n.trusted;
        j["local"] = n.local;
        json::array acts;
        for (const auto& a : n.activities)
            acts.emplace_back(to_json(a));
        j["activities"] = std::move(acts);
        j["measured"] = n.measured;
        j["up_bps"] = n.up_bps;
        j["down_bps"] = n.down_bps;
        j["up_history"] = to_json(n.up_history);
        j["down_history"] = to_json(n.down_history);
        j["age_ms"] = n.age_ms;
        nodes.emplace_back(std::move(j));
    }
    o["nodes"] = std::move(nodes);
    o["lan_up_bps"] = w.lan_up_bps;
    o["lan_down_bps"] = w.lan_down_bps;
    json::object declared;
    for (const auto& [cls, bps] : w.declared_bps)
        declared[to_string(cls)] = bps;
    o["declared_bps"] = std::move(declared);
    if (w.gateway) o["gateway"] = to_json(*w.gateway);
    if (w.gateway_from) o["gateway_from"] = w.gateway_from->full();
    put(o, "capacity_up_bps", w.capacity_up_bps);
    put(o, "capacity_down_bps", w.capacity_down_bps);
    o["capacity_source"] = to_string(w.capacity_source);
    put(o, "utilisation_up", w.utilisation_up);
    put(o, "utilisation_down", w.utilisation_down);
    put(o, "queueing_delay_us", w.queueing_delay_us);
    put(o, "unknown_up_bps", w.unknown_up_bps);
    put(o, "unknown_down_bps", w.unknown_down_bps);
    o["verdict"] = to_string(w.verdict);
    o["reason"] = w.reason;
    o["reports"] = counts_json(w.reports);
    return o;
}

Weather weather_from_json(const json::object& o) {
    Weather w;
    if (const auto* nodes = o.if_contains("nodes"); nodes && nodes->is_array()) {
        for (const auto& v : nodes->as_array()) {
            if (!v.is_object()) continue;
            const auto& j = v.as_object();
            auto id = node_id(as_string(j.if_contains("id")));
            if (!id) continue;
            NodeWeather n;
            n.id = *id;
            n.name = as_string(j.if_contains("name"));
            n.trusted = as_bool(j.if_contains("trusted"));
            n.local = as_bool(j.if_contains("local"));
            if (const auto* acts = j.if_contains("activities"); acts && acts->is_array()) {
                for (const auto& a : acts->as_array()) {
                    std::string ignored;
                    if (a.is_object())
                        if (auto act = activity_from_json(a.as_object(), ignored))
                            n.activities.push_back(*act);
                }
            }
            n.measured = as_bool(j.if_contains("measured"));
            n.up_bps = as_u64(j.if_contains("up_bps")).value_or(0);
            n.down_bps = as_u64(j.if_contains("down_bps")).value_or(0);
            n.up_history = u64s(j.if_contains("up_history"));
            n.down_history = u64s(j.if_contains("down_history"));
            n.age_ms = as_i64(j.if_contains("age_ms")).value_or(0);
            w.nodes.push_back(std::move(n));
        }
    }
    w.lan_up_bps = as_u64(o.if_contains("lan_up_bps")).value_or(0);
    w.lan_down_bps = as_u64(o.if_contains("lan_down_bps")).value_or(0);
    if (const auto* d = o.if_contains("declared_bps"); d && d->is_object()) {
        for (const auto& [k, v] : d->as_object())
            if (auto cls = parse_activity_class(k))
                w.declared_bps.emplace_back(*cls, as_u64(&v).value_or(0));
    }
    if (const auto* g = o.if_contains("gateway"); g && g->is_object())
        w.gateway = gateway_from_json(g->as_object());
    if (auto from = node_id(as_string(o.if_contains("gateway_from")))) w.gateway_from = from;
    w.capacity_up_bps = get_opt<std::uint64_t>(o, "capacity_up_bps");
    w.capacity_down_bps = get_opt<std::uint64_t>(o, "capacity_down_bps");
    auto source = as_string(o.if_contains("capacity_source"));
    for (auto s : {CapacitySource::igd, CapacitySource::setting, CapacitySource::observed})
        if (source == to_string(s)) w.capacity_source = s;
    w.utilisation_up = as_double(o.if_contains("utilisation_up"));
    w.utilisation_down = as_double(o.if_contains("utilisation_down"));
    w.queueing_delay_us = get_opt<std::uint32_t>(o, "queueing_delay_us");
    w.unknown_up_bps = get_opt<std::uint64_t>(o, "unknown_up_bps");
    w.unknown_down_bps = get_opt<std::uint64_t>(o, "unknown_down_bps");
    auto verdict = as_string(o.if_contains("verdict"));
    for (auto v : {Verdict::clear, Verdict::busy, Verdict::congested, Verdict::unknown})
        if (verdict == to_string(v)) w.verdict = v;
    w.reason = as_string(o.if_contains("reason"));
    if (const auto* r = o.if_contains("reports"); r && r->is_object())
        w.reports = counts_of(r->as_object());
    return w;
}

json::object to_json(const Advice& a) {
    json::object o;
    o["yield"] = a.yield;
    put(o, "rate_bps", a.rate_bps);
    o["reason"] = a.reason;
    if (a.unknown) o["unknown"] = true;
    return o;
}

Advice advice_from_json(const json::object& o) {
    Advice a;
    a.yield = as_bool(o.if_contains("yield"));
    a.rate_bps = get_opt<std::uint64_t>(o, "rate_bps");
    a.reason = as_string(o.if_contains("reason"));
    a.unknown = as_bool(o.if_contains("unknown"));
    return a;
}

json::object error_reply(std::string_view text) {
    json::object o;
    o["ok"] = false;
    o["error"] = text;
    return o;
}

} // namespace mcast::control
