// `mcast listen`: print every verified message until --count, --timeout or a signal; then the
// counters with --stats. Exit 0 when something was received, 1 when nothing was.
#include "commands.hpp"
#include "node_options.hpp"
#include "printers.hpp"
#include "run_loop.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace mcast::cli {

namespace {

std::string describe(const std::vector<JoinedInterface>& ifs, const SessionOptions& o) {
    std::string names;
    for (const auto& i : ifs) {
        if (!names.empty()) names += ", ";
        names += i.name;
        // Say so when an enabled family could not be joined there (no address of it yet).
        if (o.ipv4 && o.ipv6 && i.ipv4 != i.ipv6) names += i.ipv4 ? " (IPv4 only)" : " (IPv6 only)";
    }
    std::string groups;
    if (o.ipv4) groups = o.group_v4;
    if (o.ipv6) groups += (groups.empty() ? "" : " and ") + o.group_v6;
    return fmt::format("listening on {} port {} via {}", groups, o.port,
                       names.empty() ? "no interface yet" : names);
}

} // namespace

int run_listen(const ParsedArgs& args, Output& out) {
    auto topics = args.values("topic");
    std::sort(topics.begin(), topics.end());
    topics.erase(std::unique(topics.begin(), topics.end()), topics.end());
    auto count = args.number("count");
    auto trust = trust_store();

    RunLoop loop;
    Session& session = loop.open_session(args, out);
    std::uint64_t received = 0;

    auto handler = [&](const Message& m) {
        if (loop.finished()) return;
        bool trusted = trust->trusts(m.sender_id);
        if (out.json())
            out.record(json_message(m, trusted));
        else
            out.line(human_message(m, out.color(), trusted));
        ++received;
        if (count && received >= static_cast<std::uint64_t>(*count)) loop.finish();
    };
    std::vector<Subscription> subs;
    if (topics.empty()) subs.push_back(session.on_message(handler));
    for (const auto& t : topics)
        subs.push_back(session.on_message(handler, t));
    if (out.verbose()) {
        subs.push_back(session.on_drop([&](const DropEvent& d) {
            // Copies and our own loop-back are normal; rationed floods are counted, not listed
            // one by one (that would turn a flood into one of output).
            if (d.reason == DropReason::duplicate || d.reason == DropReason::own ||
                d.reason == DropReason::rate_limited)
                return;
            if (d.reason == DropReason::unhandled && !topics.empty()) return;
            if (out.json())
                out.record(json_drop(d));
            else
                out.debug(human_drop(d));
        }));
    }
    subs.push_back(session.on_interfaces([&](const std::vector<JoinedInterface>& ifs) {
        out.debug(describe(ifs, loop.session_options()));
    }));
    loop.finish_after(args.duration("timeout"));
    loop.start_session(out);
    loop.run();

    if (args.flag("stats")) {
        if (out.json())
            out.record(json_stats(session.counters()));
        else
            out.line(human_stats(session.counters()));
    }
    return received > 0 ? exit_ok : exit_nothing;
}

} // namespace mcast::cli
