// `mcast ping`: probe every node (or --peer ones), print replies as they come, then judge each
// responder against --max-loss/--max-rtt/--expect. `--respond` is the bare responder.
#include "commands.hpp"
#include "node_options.hpp"
#include "ping_printers.hpp"
#include "progress_ticker.hpp"

#include <mcast/discovery.hpp>
#include <mcast/pinger.hpp>
#include <mcast/speed_test.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace mcast::cli {

namespace {

int run_responder(const ParsedArgs& args, Output& out) {
    auto id = load_identity(args, out);
    boost::asio::io_context io;
    auto sopts = session_options(args);
    Session session(io, std::move(id), std::move(sopts));
    session.start();
    PingResponder responder(session, host_name());
    SpeedResponder speed(session, host_name());
    boost::asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](boost::system::error_code ec, int) {
        if (!ec) io.stop();
    });
    boost::asio::steady_timer timer(io);
    if (args.given("timeout")) {
        timer.expires_after(*args.duration("timeout"));
        timer.async_wait([&](boost::system::error_code ec) {
            if (!ec) io.stop();
        });
    }
    out.debug("answering pings; Ctrl-C to stop");
    io.run();
    out.debug(fmt::format("answered {} probes", responder.replies()));
    return exit_ok;
}

bool wanted(const std::string& id, const std::vector<std::string>& peers) {
    if (peers.empty()) return true;
    return std::any_of(peers.begin(), peers.end(), [&](const std::string& p) {
        return id.size() >= p.size() &&
               std::equal(p.begin(), p.end(), id.begin(), [](char a, char b) {
                   return std::tolower(static_cast<unsigned char>(a)) == b;
               });
    });
}

} // namespace

int run_ping(const ParsedArgs& args, Output& out) {
    if (args.flag("respond")) return run_responder(args, out);
    if (args.flag("speed")) return run_ping_speed(args, out);
    auto peers = args.values("peer");
    for (const auto& p : peers)
        if (p.empty() || p.size() > 64 ||
            p.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos)
            throw UsageError("--peer: bad value '" + p +
                             "' (expected a node id or a prefix of one)");
    PingConfig cfg;
    cfg.count = static_cast<std::uint64_t>(args.number("count").value_or(5));
    cfg.interval = args.duration("interval").value_or(std::chrono::seconds(1));
    if (cfg.interval < min_ping_interval)
        throw UsageError("--interval: bad value (at least 100ms: every node answers each "
                         "multicast probe)");
    cfg.size = static_cast<std::size_t>(args.number("size").value_or(0));
    cfg.unicast_too = args.flag("unicast-too");
    cfg.linger = args.duration("timeout").value_or(std::chrono::seconds(1));
    auto expect = static_cast<std::size_t>(args.number("expect").value_or(0));
    auto max_loss = args.number("max-loss");
    auto max_rtt = args.duration("max-rtt");

    auto id = load_identity(args, out);
    boost::asio::io_context io;
    auto sopts = session_options(args);
    Session session(io, std::move(id), std::move(sopts));
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
    auto finish = [&] {
        pinger.stop();
        discovery.stop();
        session.close();
        io.stop();
    };
    pinger.on_done(finish);
    boost::asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](boost::system::error_code ec, int) {
        if (!ec) finish();
    });
    session.start();
    if (session.interfaces().empty())
        throw SessionError("no usable interface (none is up with multicast and an address; "
                           "name one with -i)");
    discovery.start();
    pinger.start();
    {
        // On a terminal: running counts under the reply lines.
        ProgressTicker ticker(io, out, [&] {
            const auto sent = pinger.probes_sent();
            return fmt::format("ping: {} probe{} sent, {} repl{} from {} node{}", sent,
                               sent == 1 ? "" : "s", replies, replies == 1 ? "y" : "ies",
                               repliers.size(), repliers.size() == 1 ? "" : "s");
        });
        io.run();
    }

    // Judge every responder: heard ones, discovered ones, and --peer ones never heard.
    auto& stats = pinger.stats();
    for (const auto& [who, _] : known)
        stats.expect(who);
    auto summary = stats.summary();
    std::vector<ResponderSummary> results;
    for (const auto& [who, paths] : summary) {
        if (!wanted(who, peers)) continue;
        ResponderSummary s{who, {}, paths, true, {}, trust_store()->find(who) != nullptr};
        // A node that announces no address of a family is not charged with that family's
        // probes (it runs -4 or -6); one that announces it and stays silent is.
        if (auto f = families.find(who); f != families.end())
            std::erase_if(s.paths, [&](const auto& p) {
                return !f->second.count(p.first.family) && p.second.received == 0;
            });
        if (auto n = pinger.names().find(who); n != pinger.names().end())
            s.name = n->second;
        else if (auto k = known.find(who); k != known.end())
            s.name = k->second;
        std::uint64_t got = 0;
        // The verdict names the worst path: the highest loss, else the slowest average.
        double worst_loss = -1, worst_rtt = -1;
        for (const auto& [path, st] : s.paths) {
            got += st.received;
            if (max_loss && st.loss_percent() > static_cast<double>(*max_loss) &&
                st.loss_percent() > worst_loss) {
                worst_loss = st.loss_percent();
                s.ok = false;
                s.why = fmt::format("{} loss {:.1f}% > {}%", path_name(path), st.loss_percent(),
                                    *max_loss);
            }
            if (worst_loss < 0 && max_rtt && st.received &&
                st.mean_ms > std::chrono::duration<double, std::milli>(*max_rtt).count() &&
                st.mean_ms > worst_rtt) {
                worst_rtt = st.mean_ms;
                s.ok = false;
                s.why =
                    fmt::format("{} average rtt {:.3f} ms too long", path_name(path), st.mean_ms);
            }
        }
        if (got == 0) {
            s.ok = false;
            s.why = "no reply";
        }
        results.push_back(std::move(s));
    }
    for (const auto& p : peers) {
        bool heard = std::any_of(results.begin(), results.end(),
                                 [&](const ResponderSummary& s) { return wanted(s.id, {p}); });
        if (heard) continue;
        ResponderSummary s{p, {}, {}, false, "no reply"};
        for (const auto& path : stats.paths())
            if (!path.unicast) s.paths[path].sent = pinger.probes_sent();
        results.push_back(std::move(s));
    }

    bool ok = !results.empty();
    for (const auto& s : results) {
        ok = ok && s.ok;
        if (out.json())
            out.record(json_summary(s));
        else
            for (const auto& line : human_summary(s))
                out.line(line);
    }
    auto answered = static_cast<std::size_t>(
        std::count_if(results.begin(), results.end(), [](const ResponderSummary& s) {
            return std::any_of(s.paths.begin(), s.paths.end(),
                               [](auto& p) { return p.second.received > 0; });
        }));
    std::string why;
    if (expect && answered < expect) {
        ok = false;
        why = fmt::format("{} responder(s) answered, {} expected", answered, expect);
    } else if (results.empty()) {
        why = "no responder answered";
    } else if (!ok) {
        why = "a responder was silent or out of bounds";
    }
    // One closing record in JSON, so that a script sees why it failed (and that it ran).
    if (out.json())
        out.record({{"type", "result"},
                    {"ok", ok},
                    {"responders", results.size()},
                    {"answered", answered},
                    {"expected", expect},
                    {"why", why}});
    if (!why.empty() && (!ok || results.empty())) out.error(why);
    return ok ? exit_ok : exit_nothing;
}

} // namespace mcast::cli
