// `mcast listen`: print every verified message until --count, --timeout or a signal; then the
// counters with --stats. Exit 0 when something was received, 1 when nothing was.
#include "commands.hpp"
#include "node_options.hpp"
#include "printers.hpp"
#include "run_loop.hpp"

#include <mcast/known_names.hpp>
#include <mcast/presence.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <map>

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

    // The senders' announced names: from the announcements heard here (signed, verified by the
    // session), else as this host remembers them (friends, names discover pinned).
    std::map<std::string, std::string> names;
    for (const auto& f : trust->friends())
        names[f.id] = f.name;
    const auto known = KnownNames::load(KnownNames::default_path());
    for (const auto& k : known.names())
        names.try_emplace(k.id, k.name);
    constexpr std::size_t max_names = 4096; // announcements from many keys cost bounded memory
    auto announced = session.on_message(
        [&](const Message& m) {
            auto info = decode_announce(m.values);
            if (!info) return;
            const auto id = m.sender_id.full();
            if (names.count(id) || names.size() < max_names) names[id] = info->name;
        },
        {}, MessageType::announce);
    auto name_of = [&](const NodeId& id) -> std::string_view {
        auto it = names.find(id.full());
        return it == names.end() ? std::string_view() : std::string_view(it->second);
    };

    auto handler = [&](const Message& m) {
        if (loop.finished()) return;
        bool trusted = trust->trusts(m.sender_id);
        if (out.json())
            out.record(json_message(m, trusted, name_of(m.sender_id)));
        else
            out.line(human_message(m, out.color(), trusted, name_of(m.sender_id)));
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
            out.record(json_stats(session.counters(), session.kernel_drops()));
        else
            out.line(human_stats(session.counters(), session.kernel_drops()));
    }
    if (received > 0) return exit_ok;
    // Exit 1 is a failure a script acts on: said as an error, a JSON "error" record too.
    out.error("no message arrived");
    return exit_nothing;
}

} // namespace mcast::cli
