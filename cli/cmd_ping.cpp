// `mcast ping`: probe every node (or --peer ones), print replies as they come, then print the
// library's verdict on each responder (--max-loss/--max-rtt) and on the run (--expect).
// `--respond` is the bare responder.
#include "commands.hpp"
#include "node_options.hpp"
#include "ping_printers.hpp"
#include "progress_ticker.hpp"
#include "run_loop.hpp"

#include <mcast/discovery.hpp>
#include <mcast/ping_verdict.hpp>
#include <mcast/pinger.hpp>
#include <mcast/speed_test.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace mcast::cli {

namespace {

int run_responder(const ParsedArgs& args, Output& out) {
    RunLoop loop;
    Session& session = loop.open_session(args, out);
    session.start();
    PingResponder responder(session, host_name());
    SpeedResponder speed(session, host_name());
    loop.finish_after(args.given("timeout") ? args.duration("timeout") : std::nullopt);
    out.debug("answering pings; Ctrl-C to stop");
    loop.run();
    out.debug(fmt::format("answered {} probes", responder.replies()));
    return exit_ok;
}

bool wanted(const std::string& id, const std::vector<std::string>& peers) {
    if (peers.empty()) return true;
    return std::any_of(peers.begin(), peers.end(),
                       [&](const std::string& p) { return id_has_prefix(id, p); });
}

} // namespace

int run_ping(const ParsedArgs& args, Output& out) {
    if (args.flag("respond")) return run_responder(args, out);
    if (args.flag("speed")) return run_ping_speed(args, out);
    const auto peers = args.values("peer"); // node id prefixes, checked by the parser
    PingConfig cfg;                         // the defaults come from the table
    cfg.count = static_cast<std::uint64_t>(*args.number("count"));
    cfg.interval = *args.duration("interval");
    if (auto size = args.number("size")) cfg.size = static_cast<std::size_t>(*size);
    cfg.unicast_too = args.flag("unicast-too");
    cfg.linger = *args.duration("timeout");
    PingBounds bounds;
    bounds.expect = static_cast<std::size_t>(args.number("expect").value_or(0));
    if (auto loss = args.number("max-loss")) bounds.max_loss_percent = static_cast<double>(*loss);
    if (auto rtt = args.duration("max-rtt"))
        bounds.max_rtt_ms = std::chrono::duration<double, std::milli>(*rtt).count();

    RunLoop loop;
    Session& session = loop.open_session(args, out);
    // Unicast probes go only to an address the responder announced itself (signed), as
    // discovery saw it: a reply's source address alone is anyone's claim.
    std::map<std::string, std::set<std::string>> announced; // full id -> its addresses
    cfg.unicast_target_ok = [&announced](const NodeId& responder, const std::string& address) {
        auto it = announced.find(responder.full());
        return it != announced.end() && it->second.count(address) > 0;
    };
    Pinger pinger(session, cfg);
    // Nodes that announce but never answer are listed with 100 % loss: discovery finds them.
    QueryConfig qc;
    qc.watch = true;
    qc.timeout = std::chrono::hours(24 * 365);
    Discovery discovery(session, qc);
    std::map<std::string, std::string> known;      // full id -> name, from discovery
    std::map<std::string, std::set<int>> families; // full id -> families it announces
    discovery.on_event([&](const PeerEvent& e) {
        if (e.kind == PeerEventKind::join || e.kind == PeerEventKind::update) {
            auto& mine = announced[e.peer.id.full()];
            mine.clear();
            for (const auto& a : e.peer.info.addresses)
                mine.insert(a.address);
        } else if (e.kind == PeerEventKind::leave) {
            announced.erase(e.peer.id.full());
        }
        if (e.kind == PeerEventKind::join && !e.peer.local && wanted(e.peer.id.full(), peers)) {
            known[e.peer.id.full()] = e.peer.info.name;
            for (const auto& a : e.peer.info.addresses)
                families[e.peer.id.full()].insert(a.family);
        }
    });
    std::uint64_t replies = 0;
    std::set<std::string> repliers;
    pinger.on_reply([&](const PingReplyEvent& r) {
        if (!wanted(r.responder.full(), peers)) return;
        ++replies;
        repliers.insert(r.responder.full());
        if (out.json())
            out.record(json_reply(r));
        else if (!out.quiet())
            out.line(human_reply(r));
    });
    loop.on_finish([&] {
        pinger.stop();
        discovery.stop();
    });
    pinger.on_done([&] { loop.finish(); });
    loop.start_session_or_throw("no usable interface (none is up with multicast and an address; "
                                "name one with -i)");
    discovery.start();
    pinger.start();
    {
        // On a terminal: running counts under the reply lines.
        ProgressTicker ticker(loop.io(), out, [&] {
            const auto sent = pinger.probes_sent();
            return fmt::format("ping: {} probe{} sent, {} repl{} from {} node{}", sent,
                               sent == 1 ? "" : "s", replies, replies == 1 ? "y" : "ies",
                               repliers.size(), repliers.size() == 1 ? "" : "s");
        });
        loop.run();
    }

    // Judge every responder: heard ones, discovered ones, and --peer ones never heard.
    auto& stats = pinger.stats();
    for (const auto& [who, _] : known)
        stats.expect(who);
    std::vector<ResponderSummary> results;
    for (auto& [who, paths] : stats.summary()) {
        if (!wanted(who, peers)) continue;
        // A node that announces no address of a family is not charged with that family's
        // probes (it runs -4 or -6); one that announces it and stays silent is.
        if (auto f = families.find(who); f != families.end())
            drop_unannounced_families(paths, {f->second.begin(), f->second.end()});
        ResponderSummary s{judge_responder(who, std::move(paths), bounds),
                           {},
                           trust_store()->find(who) != nullptr};
        if (auto n = pinger.names().find(who); n != pinger.names().end())
            s.name = n->second;
        else if (auto k = known.find(who); k != known.end())
            s.name = k->second;
        results.push_back(std::move(s));
    }
    for (const auto& p : peers) {
        bool heard = std::any_of(results.begin(), results.end(), [&](const ResponderSummary& s) {
            return wanted(s.verdict.id, {p});
        });
        if (!heard)
            results.push_back(
                ResponderSummary{silent_peer(p, stats.paths(), pinger.probes_sent()), {}, false});
    }

    std::vector<ResponderVerdict> verdicts;
    for (const auto& s : results) {
        verdicts.push_back(s.verdict);
        if (out.json())
            out.record(json_summary(s, bounds));
        else
            for (const auto& line : human_summary(s, bounds))
                out.line(line);
    }
    const PingRunVerdict run = judge_run(verdicts, bounds);
    if (out.json()) out.record(json_result(run));
    if (const auto why = why_text(run); !why.empty()) out.error(why);
    return run.ok ? exit_ok : exit_nothing;
}

} // namespace mcast::cli
