// Human and JSON renderings of messages, drops and counters; see printers.hpp.
#include "printers.hpp"

#include "value_json.hpp"

#include <mcast/base64.hpp>

#include <fmt/format.h>

#include <cstring>

#include <bit>
#include <cmath>
#include <ctime>

namespace mcast::cli {

namespace json = boost::json;

std::string quote_text(std::string_view s) {
    return "\"" + escape_text(s) + "\"";
}

namespace {

void append_value(std::string& out, const Value& v) {
    std::visit(
        [&](const auto& x) {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, std::nullptr_t>)
                out += "null";
            else if constexpr (std::is_same_v<T, bool>)
                out += x ? "true" : "false";
            else if constexpr (std::is_same_v<T, std::int64_t>)
                out += fmt::format("{}", x);
            else if constexpr (std::is_same_v<T, double>) {
                if (std::isnan(x))
                    out += "nan";
                else if (std::isinf(x))
                    out += x > 0 ? "inf" : "-inf";
                else {
                    auto s = fmt::format("{}", x);
                    // keep floats recognisable as floats: 2.0, not 2
                    if (s.find_first_of(".en") == std::string::npos) s += ".0";
                    out += s;
                }
            } else if constexpr (std::is_same_v<T, std::string>)
                out += quote_text(x);
            else if constexpr (std::is_same_v<T, Bytes>)
                out += "b64:" + base64_encode(x.data);
            else {
                out += '[';
                for (std::size_t i = 0; i < x.size(); ++i) {
                    if (i) out += ", ";
                    append_value(out, x[i]);
                }
                out += ']';
            }
        },
        v.v);
}

json::object arrival_fields(const Arrival& a) {
    return {{"source", a.source},
            {"source_port", a.source_port},
            {"interface", a.ifname},
            {"family", a.family}};
}

} // namespace

std::string local_time(std::int64_t ns) {
    if (ns == 0) {
        ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
    }
    auto secs = static_cast<std::time_t>(ns / 1'000'000'000);
    std::tm tm{};
    ::localtime_r(&secs, &tm);
    return fmt::format("{:02}:{:02}:{:02}.{:06}", tm.tm_hour, tm.tm_min, tm.tm_sec,
                       (ns % 1'000'000'000) / 1000);
}

std::string human_values(const Tuple& t) {
    std::string out;
    for (std::size_t i = 0; i < t.size(); ++i) {
        if (i) out += ", ";
        append_value(out, t[i]);
    }
    return out;
}

std::string refusal_text(const SendRefusal& r) {
    return fmt::format("IPv{} {} refused on {}: {} (this host, not the network)", r.family,
                       r.unicast ? "unicast" : "multicast", r.interface, std::strerror(r.error));
}

Subscription warn_send_refusals(Session& s, Output& out, std::string what,
                                std::function<void(const SendRefusal&)> also) {
    return s.on_send_refused(
        [&out, what = std::move(what), also = std::move(also)](const SendRefusal& r) {
            out.warning(what + refusal_text(r), {{"family", r.family},
                                                 {"unicast", r.unicast},
                                                 {"interface", r.interface},
                                                 {"errno", r.error},
                                                 {"error", std::strerror(r.error)}});
            if (also) also(r);
        });
}

std::string source_text(const Arrival& a) {
    return a.ifname.empty() ? a.source : a.source + "%" + a.ifname;
}

std::string human_message(const Message& m, bool color, bool trusted, std::string_view name) {
    auto id = m.sender_id.short_form();
    if (color) id = "\x1b[36m" + id + "\x1b[0m";
    if (!name.empty()) id += " " + escape_text(name);
    if (trusted) id += " (friend)";
    std::string topic = escape_text(m.header.topic);
    if (color) topic = "\x1b[33m" + topic + "\x1b[0m";
    return fmt::format("{}  {}  {}  [{}]  {}", local_time(m.arrival.rx_wall_ns), id,
                       source_text(m.arrival), topic, human_values(m.values));
}

json::object json_message(const Message& m, bool trusted, std::string_view name) {
    json::object o{{"type", "message"},
                   {"sender", m.sender_id.full()},
                   {"sender_short", m.sender_id.short_form()},
                   {"sender_key", to_hex(m.header.sender)},
                   {"topic", m.header.topic},
                   {"incarnation", hex64(m.header.incarnation)},
                   {"seq", m.header.seq},
                   {"sent_at", rfc3339_ns(m.header.timestamp_ns)},
                   {"received_at", rfc3339_ns(m.arrival.rx_wall_ns)},
                   {"values", to_json(m.values)},
                   {"trusted", trusted},
                   {"sender_name", name}};
    for (auto& [k, v] : arrival_fields(m.arrival))
        o[k] = v;
    return o;
}

std::string human_drop(const DropEvent& d) {
    return fmt::format("dropped a datagram from {}: {}", source_text(d.arrival),
                       to_string(d.reason));
}

json::object json_drop(const DropEvent& d) {
    json::object o{{"type", "drop"}, {"reason", to_string(d.reason)}};
    for (auto& [k, v] : arrival_fields(d.arrival))
        o[k] = v;
    return o;
}

std::string human_stats(const DropCounters& c, std::uint64_t kernel_drops) {
    std::string out = fmt::format("{} datagrams received, {} messages delivered, {} dropped",
                                  c.received, c.delivered, c.total_dropped());
    std::string reasons;
    for (std::size_t i = 0; i < drop_reason_count; ++i) {
        if (!c.dropped[i]) continue;
        if (!reasons.empty()) reasons += ", ";
        reasons += fmt::format("{} {}", c.dropped[i], to_string(static_cast<DropReason>(i)));
    }
    if (!reasons.empty()) out += " (" + reasons + ")";
    out +=
        fmt::format("; {} signature{} verified", c.verifications, c.verifications == 1 ? "" : "s");
    if (kernel_drops)
        out += fmt::format("; {} more dropped by the kernel before they were read (receive queue "
                           "full: this listener read too slowly)",
                           kernel_drops);
    return out;
}

json::object json_stats(const DropCounters& c, std::uint64_t kernel_drops) {
    json::object dropped;
    for (std::size_t i = 0; i < drop_reason_count; ++i)
        dropped[to_string(static_cast<DropReason>(i))] = c.dropped[i];
    return {{"type", "stats"},
            {"received", c.received},
            {"delivered", c.delivered},
            {"dropped_total", c.total_dropped()},
            {"verifications", c.verifications},
            {"kernel_drops", kernel_drops},
            {"dropped", std::move(dropped)}};
}

} // namespace mcast::cli
