// Ping replies and summaries as text and JSON; see ping_printers.hpp.
#include "ping_printers.hpp"

#include "printers.hpp"
#include "value_json.hpp"

#include <fmt/format.h>

#include <cstring>

namespace mcast::cli {

namespace json = boost::json;

std::string path_name(const PingPath& p) {
    return fmt::format("IPv{} {}", p.family, p.unicast ? "unicast" : "multicast");
}

std::string human_reply(const PingReplyEvent& r) {
    auto name = r.name.empty() ? std::string("?") : escape_text(r.name);
    // dist: routers between (omping's dist), from the hop limit the reply arrived with.
    return fmt::format("from {} ({}) {}: {}seq={} time={:.3f} ms{}{}{}", name,
                       r.responder.short_form(), source_text(r.arrival),
                       r.path.unicast ? "unicast " : "", r.seq, r.rtt_ms,
                       r.arrival.hops >= 0 ? fmt::format(" dist={}", r.arrival.hops) : "",
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
            {"reordered", r.reordered},
            {"dist", r.arrival.hops >= 0 ? json::value(r.arrival.hops) : json::value(nullptr)},
            {"time", rfc3339_ns(r.arrival.rx_wall_ns)}};
}

namespace {

std::string failure_text(const PathFailure& f, const PingBounds& bounds) {
    switch (f.failure) {
    case PingFailure::none:
        break;
    case PingFailure::silent:
        return fmt::format("{} silent (100% loss)", path_name(f.path));
    case PingFailure::loss:
        return fmt::format("{} loss {:.1f}% > {}%", path_name(f.path), f.figure,
                           bounds.max_loss_percent.value_or(0));
    case PingFailure::rtt:
        return fmt::format("{} average rtt {:.3f} ms > {} ms", path_name(f.path), f.figure,
                           bounds.max_rtt_ms.value_or(0));
    case PingFailure::no_reply:
        return "no reply";
    }
    return {};
}

} // namespace

std::string why_text(const ResponderVerdict& v, const PingBounds& bounds) {
    std::string why;
    for (const auto& f : v.failures)
        why += (why.empty() ? "" : "; ") + failure_text(f, bounds);
    return why;
}

std::string local_failure_text(const LocalSendFailure& f) {
    return fmt::format("{} probes refused on {}: {}", path_name(f.path), f.interface,
                       std::strerror(f.error));
}

std::vector<std::string> human_summary(const ResponderSummary& s, const PingBounds& bounds) {
    const ResponderVerdict& v = s.verdict;
    std::vector<std::string> lines;
    auto shown = v.id.size() > 12 ? v.id.substr(0, 12) : v.id;
    lines.push_back(fmt::format("--- {} ({}{}{}) ---{}", s.name.empty() ? "?" : escape_text(s.name),
                                shown, s.trusted ? ", friend" : "", s.local ? ", this host" : "",
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
    json::object o{
        {"type", "summary"},    {"responder", v.id}, {"name", s.name}, {"paths", std::move(paths)},
        {"trusted", s.trusted}, {"local", s.local},  {"ok", v.ok()},   {"time", rfc3339_now()}};
    if (!v.ok()) {
        o["why"] = why_text(v, bounds);
        json::array failures;
        for (const auto& f : v.failures) {
            json::object fo{{"why", failure_text(f, bounds)}};
            if (f.failure != PingFailure::no_reply) {
                fo["family"] = f.path.family;
                fo["unicast"] = f.path.unicast;
            }
            failures.push_back(std::move(fo));
        }
        o["failures"] = std::move(failures);
    }
    return o;
}

std::string why_text(const PingRunVerdict& run) {
    switch (run.why) {
    case PingRunVerdict::Why::none:
        break;
    case PingRunVerdict::Why::local_send: {
        std::string why;
        for (const auto& f : run.local_failures)
            why += (why.empty() ? "" : "; ") + local_failure_text(f);
        return why + " (this host, not the network)";
    }
    case PingRunVerdict::Why::too_few:
        return fmt::format("{} responder{} answered, {} expected", run.answered,
                           run.answered == 1 ? "" : "s", run.expected);
    case PingRunVerdict::Why::nobody:
        return "no responder answered";
    case PingRunVerdict::Why::out_of_bounds:
        return fmt::format("{} of {} responder{} failed", run.responders - run.ok_count,
                           run.responders, run.responders == 1 ? "" : "s");
    }
    return {};
}

json::object json_local_failure(const LocalSendFailure& f) {
    return {{"family", f.path.family},         {"unicast", f.path.unicast},
            {"interface", f.interface},        {"errno", f.error},
            {"error", std::strerror(f.error)}, {"probes", f.probes}};
}

json::object json_result(const PingRunVerdict& run) {
    json::array local;
    for (const auto& f : run.local_failures)
        local.push_back(json_local_failure(f));
    return {{"type", "result"},
            {"ok", run.ok},
            {"responders", run.responders},
            {"answered", run.answered},
            {"ok_responders", run.ok_count},
            {"expected", run.expected},
            {"local_failures", std::move(local)},
            {"why", why_text(run)},
            {"time", rfc3339_now()}};
}

std::string closing_line(const PingRunVerdict& run) {
    return fmt::format("{} responder{}, {} ok", run.responders, run.responders == 1 ? "" : "s",
                       run.ok_count);
}

} // namespace mcast::cli
