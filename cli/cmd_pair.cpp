// `mcast pair PEER` (start), `mcast pair --answer [PEER]` (answer) and `mcast pair --list`:
// mutual friends in one step each, after both users compare the same six-digit code.
#include "commands.hpp"
#include "duration.hpp"
#include "node_options.hpp"
#include "option_table.hpp"
#include "peer_resolve.hpp"
#include "printers.hpp"
#include "run_loop.hpp"
#include "settings.hpp"

#include <mcast/control.hpp>
#include <mcast/pairing_flow.hpp>

#include <fmt/format.h>

#include <iostream>
#include <set>
#include <unistd.h>

namespace mcast::cli {

namespace {

const char* event_name(PairEvent::Kind k) {
    switch (k) {
    case PairEvent::request:
        return "request";
    case PairEvent::show_code:
        return "code";
    case PairEvent::paired:
        return "paired";
    case PairEvent::refused:
        return "refused";
    }
    return "event";
}

void report(Output& out, const PairEvent& e) {
    auto who = fmt::format("{} ({})", e.peer_name.empty() ? "?" : escape_text(e.peer_name),
                           e.peer.short_form());
    if (out.json()) {
        boost::json::object o{{"type", "pair"},
                              {"event", event_name(e.kind)},
                              {"peer", e.peer.full()},
                              {"name", e.peer_name}};
        if (e.kind == PairEvent::show_code) o["code"] = e.code;
        out.record(o);
        return;
    }
    switch (e.kind) {
    case PairEvent::request:
        out.line("pairing request from " + who);
        break;
    case PairEvent::show_code:
        out.line(fmt::format("code {}: check that {} shows the same code", e.code, who));
        break;
    case PairEvent::paired:
        out.line("paired with " + who + ": now friends");
        break;
    case PairEvent::refused:
        out.line("pairing with " + who + " refused");
        break;
    }
}

// The user's answer: --yes, or a y/N question when a person is at the terminal.
bool ask(const ParsedArgs& args, Output& out, const PairEvent& e) {
    if (args.flag("yes")) return true;
    if (!::isatty(STDIN_FILENO)) {
        out.note("not accepted: no terminal to ask on (compare the codes and use --yes)");
        return false;
    }
    out.prompt(fmt::format("Does {} show the code {}? [y/N] ", e.peer_name, e.code));
    std::string line;
    std::getline(std::cin, line);
    return !line.empty() && (line[0] == 'y' || line[0] == 'Y');
}

// The name this side gives the other, for its screen and its trust store: --name, else the
// name this host's node announces ([announce] name in a config file, MCAST_ANNOUNCE_NAME; else
// what the resident node running with this key says it announces, as started with 'announce
// --name'), else the host name, as announce does.
std::string own_name(const ParsedArgs& args, const NodeId& self) {
    if (auto name = args.value("name")) return *name;
    try {
        const auto announce = parse_with_settings(*find_command("announce"), {});
        if (auto name = announce.value("name")) return *name;
    } catch (const std::exception&) {
        // A mistake in announce's settings is announce's to report; pair uses the host name.
    }
    try {
        // Its weather lists itself (local, under its key) with the name it announces; a node
        // with another key is another node, and an --anonymous one gives no name.
        ControlClient node({}, std::chrono::milliseconds(500));
        for (const auto& n : node.weather().nodes)
            if (n.local && n.id == self && !n.name.empty()) return n.name;
    } catch (const std::exception&) {
        // No resident node here (or it serves no control socket): the host name.
    }
    return host_name();
}

int run_flow(const ParsedArgs& args, Output& out, bool initiator, std::optional<Candidate> target) {
    RunLoop loop;
    Session& session = loop.open_session(args, out);
    session.start();
    const auto wait = args.duration("timeout").value_or(std::chrono::seconds(60));
    const std::string my_name = own_name(args, session.identity().id());
    bool paired = false, refused = false;
    std::unique_ptr<PairInitiator> ini;
    std::unique_ptr<PairResponder> resp;
    auto stop = [&] { loop.finish(); };
    auto handle = [&](const PairEvent& e) {
        report(out, e);
        if (e.kind == PairEvent::show_code) {
            bool yes = ask(args, out, e);
            if (ini)
                ini->confirm(yes);
            else
                resp->confirm(yes);
        } else if (e.kind == PairEvent::paired) {
            // The name discovery showed for PEER, else the one the peer gave; under the
            // store's lock, so that a trust add or another pair at once keeps its change.
            auto name = target && !target->name.empty() ? target->name : e.peer_name;
            TrustStore::update(TrustStore::default_path(), [&](TrustStore& store) {
                store.add({e.peer.full(), name, now_rfc3339(), "paired"});
            });
            paired = true;
            stop();
        } else if (e.kind == PairEvent::refused) {
            refused = true;
            stop();
        }
    };
    if (initiator) {
        auto digest = from_hex(target->id);
        NodeId nid;
        std::copy(digest->begin(), digest->end(), nid.digest.begin());
        ini = std::make_unique<PairInitiator>(session, my_name, nid);
        ini->on_event(handle);
        ini->start();
        // A silent minute looks like a hang: say what is awaited, unless -q.
        out.note(fmt::format("asking {} to pair; waiting up to {} for it to run 'mcast pair "
                             "--answer'",
                             target->name.empty()
                                 ? target->id.substr(0, 12)
                                 : target->name + " (" + target->id.substr(0, 12) + ")",
                             format_duration(wait)));
    } else {
        resp = std::make_unique<PairResponder>(session, my_name,
                                               args.positional.empty() ? "" : args.positional[0]);
        resp->on_event(handle);
        resp->start();
        // pair --answer does not answer discovery: the other side finds this node by name only
        // while mcast announce (or its service) runs here, else by its full id.
        out.note(fmt::format("waiting for a pairing request, up to {}: on the other node run "
                             "'mcast pair {}' (by name only while 'mcast announce' runs here)",
                             format_duration(wait), session.identity().id().full()));
    }
    bool timed_out = false;
    loop.finish_after(wait, [&] { timed_out = true; });
    loop.run();
    if (paired) return exit_ok;
    // Exit 1 is said as an error: a JSON "error" record too.
    out.error(timed_out ? "no pairing before the timeout: nothing changed"
              : refused ? "pairing refused: nothing changed"
                        : "pairing stopped: nothing changed");
    return exit_nothing;
}

} // namespace

int run_pair(const ParsedArgs& args, Output& out) {
    if (args.flag("list")) {
        // Requests repeat every second: a few seconds of listening shows every pending one.
        RunLoop loop;
        Session& session = loop.open_session(args, out);
        session.start();
        std::set<std::string> seen;
        auto mine = id_prefix(session.identity().id());
        auto sub = session.on_message(
            [&](const Message& m) {
                auto r = decode_pair_request(m.values);
                if (!r || r->target != mine || !seen.insert(m.sender_id.full()).second) return;
                report(out, {PairEvent::request, m.sender_id, r->name, {}});
            },
            {}, MessageType::pair_request);
        loop.finish_after(args.given("timeout") ? *args.duration("timeout")
                                                : std::chrono::seconds(3));
        loop.run();
        if (!seen.empty()) return exit_ok;
        out.error("no pairing request for this node");
        return exit_nothing;
    }
    // Without a person comparing codes nothing is compared: the id given is then what decides
    // whose key becomes a friend, so --yes needs a full one (not a name or prefix, which
    // whoever asks first, or announces that name, could match).
    if (args.flag("yes") && (args.positional.size() != 1 || args.positional[0].size() != 64 ||
                             !is_hex(args.positional[0])))
        throw UsageError("--yes: give PEER as a full id (64 hex digits): without a person to "
                         "compare codes, the id decides who is paired");
    if (args.flag("accept"))
        out.note("--accept is now called --answer (--accept WHO is the filter of the commands "
                 "that receive); it still works here");
    if (args.flag("answer") || args.flag("accept")) return run_flow(args, out, false, std::nullopt);
    if (args.positional.size() != 1) throw UsageError("expected one PEER (or --answer, --list)");
    const auto& peer = args.positional[0];
    std::optional<Candidate> target;
    if (peer.size() == 64 && is_hex(peer))
        target = Candidate{peer, ""};
    else
        target = resolve(peer, seen_on_network(args, out));
    if (!target) {
        // pair --answer alone is not discoverable: say what makes a node findable.
        out.error("no node on the network matches '" + peer +
                  "': a node is found by name or id prefix only while it runs 'mcast announce' "
                  "(or the mcast-announce service); otherwise give its full id (64 hex digits, "
                  "'mcast id' prints it)");
        return exit_nothing;
    }
    return run_flow(args, out, true, target);
}

} // namespace mcast::cli
