// `mcast ping`: probe every node (or --peer ones, by id prefix or name), print replies as they
// come, then print the library's verdict on each responder (silence, --max-loss, --max-rtt) and
// on the run (--expect, probes this host could not send), sorted by name.
// `--respond` is the bare responder.
#include "commands.hpp"
#include "node_options.hpp"
#include "peer_resolve.hpp"
#include "ping_printers.hpp"
#include "progress_ticker.hpp"
#include "run_loop.hpp"

#include <mcast/control.hpp>
#include <mcast/discovery.hpp>
#include <mcast/ping_verdict.hpp>
#include <mcast/pinger.hpp>
#include <mcast/speed_test.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <map>
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

// Where to probe a discovered node by unicast, per family: an address it announced (signed),
// out of the interface it was heard on. IPv6 link-local first: it needs no route.
std::vector<std::tuple<int, std::string, unsigned>>
unicast_addresses(const Peer& peer, const std::vector<JoinedInterface>& joined) {
    std::vector<std::tuple<int, std::string, unsigned>> out;
    unsigned ifindex = 0;
    for (const auto& from : peer.seen_from)
        for (const auto& j : joined)
            if (j.name == from.interface) ifindex = j.index;
    if (ifindex == 0) return out;
    for (int family : {4, 6}) {
        const NodeAddress* pick = nullptr;
        for (const auto& a : peer.info.addresses)
            if (a.family == family && (!pick || a.address.starts_with("fe80"))) pick = &a;
        if (pick) out.emplace_back(family, pick->address, ifindex);
    }
    return out;
}

} // namespace

int run_ping(const ParsedArgs& args, Output& out) {
    if (args.flag("respond")) return run_responder(args, out);
    if (args.flag("speed")) return run_ping_speed(args, out);
    const auto peers = peer_args(args.values("peer"));
    PingConfig cfg; // the defaults come from the table
    cfg.count = static_cast<std::uint64_t>(*args.number("count"));
    cfg.interval = *args.duration("interval");
    if (auto size = args.number("size")) {
        cfg.size = static_cast<std::size_t>(*size);
        if (cfg.size < min_probe_size())
            throw UsageError(fmt::format("--size: bad value '{}' (at least {} bytes, a probe's "
                                         "own size; with --speed at least {})",
                                         cfg.size, min_probe_size(), min_speed_size));
    }
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
    // discovery saw it: a reply's source address alone is anyone's claim. Never to a node on
    // this host: it shares this process's port 7767, where the kernel hands a unicast datagram
    // to one of the sockets only (docs/protocol.md section 10).
    std::map<std::string, std::set<std::string>> announced; // full id -> its addresses
    std::set<std::string> local;                            // full ids of nodes on this host
    cfg.unicast_target_ok = [&announced, &local](const NodeId& responder,
                                                 const std::string& address) {
        auto it = announced.find(responder.full());
        return it != announced.end() && it->second.count(address) > 0 &&
               !local.count(responder.full());
    };
    Pinger pinger(session, cfg);
    // Nodes that announce but never answer are listed with 100 % loss: discovery finds them.
    QueryConfig qc;
    qc.watch = true;
    qc.timeout = std::chrono::hours(24 * 365);
    Discovery discovery(session, qc);
    std::map<std::string, std::string> known;      // full id -> name, from discovery
    std::map<std::string, std::set<int>> families; // full id -> families it announces
    // The nodes the resident node of this host knows (those whose weather reports are current)
    // are expected too: one killed a moment ago is listed as silent, not left out.
    for (const auto& n : resident_node_peers(args, out))
        known.emplace(n.first, n.second);
    discovery.on_event([&](const PeerEvent& e) {
        const auto who = e.peer.id.full();
        if (e.kind == PeerEventKind::join || e.kind == PeerEventKind::update) {
            auto& mine = announced[who];
            mine.clear();
            for (const auto& a : e.peer.info.addresses)
                mine.insert(a.address);
            if (e.peer.local) local.insert(who);
            // Every family it announces is probed by unicast too, the one whose multicast is
            // dead included: "multicast dead, unicast fine" is the fault to show.
            if (cfg.unicast_too && !e.peer.local && wanted(who, e.peer.info.name, peers))
                for (const auto& [family, address, ifindex] :
                     unicast_addresses(e.peer, session.interfaces()))
                    pinger.add_unicast_target(e.peer.id, family, address, ifindex);
        } else if (e.kind == PeerEventKind::leave) {
            announced.erase(who);
        }
        if (e.kind == PeerEventKind::join && !e.peer.local &&
            wanted(who, e.peer.info.name, peers)) {
            known[who] = e.peer.info.name;
            for (const auto& a : e.peer.info.addresses)
                families[who].insert(a.family);
        }
    });
    std::uint64_t replies = 0;
    std::set<std::string> repliers;
    pinger.on_reply([&](const PingReplyEvent& r) {
        if (!wanted(r.responder.full(), r.name, peers)) return;
        ++replies;
        repliers.insert(r.responder.full());
        if (out.quiet()) return; // -q: the summaries and the result only, in JSON too
        if (out.json())
            out.record(json_reply(r));
        else
            out.line(human_reply(r));
    });
    // A probe the kernel refused is this host's fault: said at once, once per path, interface
    // and errno, and it fails the run (judge_run).
    pinger.on_send_failure(
        [&](const LocalSendFailure& f) { out.note("warning: " + local_failure_text(f)); });
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
    for (const auto& p : peers) // a named node this host remembers is expected to answer
        if (p.remembered) stats.expect(p.remembered->id);
    auto name_of = [&](const std::string& who) -> std::string {
        if (auto n = pinger.names().find(who); n != pinger.names().end()) return n->second;
        if (auto k = known.find(who); k != known.end()) return k->second;
        for (const auto& p : peers)
            if (p.remembered && p.remembered->id == who) return p.remembered->name;
        return {};
    };
    std::vector<ResponderSummary> results;
    for (auto& [who, paths] : stats.summary()) {
        if (!wanted(who, name_of(who), peers)) continue;
        // A node that announces no address of a family is not charged with that family's
        // probes (it runs -4 or -6); one that announces it and stays silent is.
        if (auto f = families.find(who); f != families.end())
            drop_unannounced_families(paths, {f->second.begin(), f->second.end()});
        results.push_back({judge_responder(who, std::move(paths), bounds), name_of(who),
                           trust_store()->find(who) != nullptr, local.count(who) > 0});
    }
    for (const auto& p : peers) {
        bool heard = std::any_of(results.begin(), results.end(), [&](const ResponderSummary& s) {
            return matches(s.verdict.id, s.name, p);
        });
        if (!heard) // a name or prefix this host knows nothing of: listed as given
            results.push_back({silent_peer(p.given, stats.paths(), pinger.probes_sent()),
                               is_hex(p.given) ? "" : p.given, false, false});
    }
    // By name, then id: two runs list the same nodes in the same order.
    std::sort(results.begin(), results.end(), [](const auto& a, const auto& b) {
        if (a.name.empty() != b.name.empty()) return b.name.empty();
        return std::tie(a.name, a.verdict.id) < std::tie(b.name, b.verdict.id);
    });

    std::vector<ResponderVerdict> verdicts;
    for (const auto& s : results) {
        verdicts.push_back(s.verdict);
        if (out.json())
            out.record(json_summary(s, bounds));
        else
            for (const auto& line : human_summary(s, bounds))
                out.line(line);
    }
    const PingRunVerdict run = judge_run(verdicts, bounds, pinger.send_failures());
    if (out.json())
        out.record(json_result(run));
    else
        out.line(closing_line(run));
    if (const auto why = why_text(run); !why.empty()) out.error(why);
    return run.ok ? exit_ok : exit_nothing;
}

} // namespace mcast::cli
