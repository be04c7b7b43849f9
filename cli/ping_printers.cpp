// Ping replies and summaries as text and JSON; see ping_printers.hpp.
#include "ping_printers.hpp"

#include "printers.hpp"

#include <fmt/format.h>

namespace mcast::cli {

namespace json = boost::json;

std::string path_name(const PingPath& p) {
    return fmt::format("IPv{} {}", p.family, p.unicast ? "unicast" : "multicast");
}

std::string human_reply(const PingReplyEvent& r) {
    auto name = r.name.empty() ? std::string("?") : escape_text(r.name);
    return fmt::format("from {} ({}) {}: {}seq={} time={:.3f} ms{}{}", name,
                       r.responder.short_form(), source_text(r.arrival),
                       r.path.unicast ? "unicast " : "", r.seq, r.rtt_ms,
                       r.duplicate ? " (DUP!)" : "", r.reordered ? " (reordered)" : "");
}

json::object json_reply(const PingReplyEvent& r) {
    return {{"type", "reply"},
            {"responder", r.responder.full()},
            {"short_id", r.responder.short_form()},
            {"name", r.name},
            {"source", r.arrival.source},
            {"interface", r.arrival.ifname},
            {"family", r.path.family},
            {"unicast", r.path.unicast},
            {"seq", r.seq},
            {"rtt_ms", r.rtt_ms},
            {"hold_ms", r.hold_ms},
            {"duplicate", r.duplicate},
            {"reordered", r.reordered}};
}

std::string why_text(const ResponderVerdict& v, const PingBounds& bounds) {
    switch (v.failure) {
    case PingFailure::none:
        break;
    case PingFailure::loss:
        return fmt::format("{} loss {:.1f}% > {}%", path_name(v.failed_path), v.figure,
                           bounds.max_loss_percent.value_or(0));
    case PingFailure::rtt:
        return fmt::format("{} average rtt {:.3f} ms too long", path_name(v.failed_path), v.figure);
    case PingFailure::no_reply:
        return "no reply";
    }
    return {};
}

std::vector<std::string> human_summary(const ResponderSummary& s, const PingBounds& bounds) {
    const ResponderVerdict& v = s.verdict;
    std::vector<std::string> lines;
    auto shown = v.id.size() > 12 ? v.id.substr(0, 12) : v.id;
    lines.push_back(fmt::format("--- {} ({}{}) ---{}", s.name.empty() ? "?" : escape_text(s.name),
                                shown, s.trusted ? ", friend" : "",
                                v.ok() ? "" : "  FAIL: " + why_text(v, bounds)));
    for (const auto& [path, st] : v.paths) {
        std::string rtt =
            st.received ? fmt::format(", rtt min/avg/max/mdev = {:.3f}/{:.3f}/{:.3f}/{:.3f} ms",
                                      st.min_ms, st.mean_ms, st.max_ms, st.mdev_ms())
                        : "";
        lines.push_back(fmt::format("  {:<15} {} sent, {} received, {:.1f}% loss, {} dup, {} "
                                    "reordered{}",
                                    path_name(path) + ":", st.sent, st.received, st.loss_percent(),
                                    st.duplicates, st.reordered, rtt));
    }
    return lines;
}

json::object json_summary(const ResponderSummary& s, const PingBounds& bounds) {
    const ResponderVerdict& v = s.verdict;
    json::array paths;
    for (const auto& [path, st] : v.paths) {
        json::object p{{"family", path.family},
                       {"unicast", path.unicast},
                       {"sent", st.sent},
                       {"received", st.received},
                       {"loss_percent", st.loss_percent()},
                       {"duplicates", st.duplicates},
                       {"reordered", st.reordered}};
        if (st.received) {
            p["rtt_min_ms"] = st.min_ms;
            p["rtt_avg_ms"] = st.mean_ms;
            p["rtt_max_ms"] = st.max_ms;
            p["rtt_mdev_ms"] = st.mdev_ms();
        }
        paths.push_back(std::move(p));
    }
    json::object o{{"type", "summary"},         {"responder", v.id},    {"name", s.name},
                   {"paths", std::move(paths)}, {"trusted", s.trusted}, {"ok", v.ok()}};
    if (!v.ok()) o["why"] = why_text(v, bounds);
    return o;
}

std::string why_text(const PingRunVerdict& run) {
    switch (run.why) {
    case PingRunVerdict::Why::none:
        break;
    case PingRunVerdict::Why::too_few:
        return fmt::format("{} responder(s) answered, {} expected", run.answered, run.expected);
    case PingRunVerdict::Why::nobody:
        return "no responder answered";
    case PingRunVerdict::Why::out_of_bounds:
        return "a responder was silent or out of bounds";
    }
    return {};
}

json::object json_result(const PingRunVerdict& run) {
    return {{"type", "result"},
            {"ok", run.ok},
            {"responders", run.responders},
            {"answered", run.answered},
            {"expected", run.expected},
            {"why", why_text(run)}};
}

} // namespace mcast::cli
