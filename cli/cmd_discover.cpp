// `mcast discover`: query, gather, print a table (or JSON records) and exit as soon as the
// answer is known; with --watch, print join/update/leave events until --timeout or a signal.
#include "commands.hpp"
#include "meta_option.hpp"
#include "node_options.hpp"
#include "peer_printers.hpp"
#include "peer_resolve.hpp"
#include "printers.hpp"
#include "run_loop.hpp"
#include "value_json.hpp"

#include <mcast/discovery.hpp>
#include <mcast/known_names.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <fnmatch.h>

#include <algorithm>
#include <limits>
#include <set>

namespace mcast::cli {

namespace {

bool matches(const Peer& p, const std::optional<std::string>& glob, const Meta& meta) {
    if (glob && ::fnmatch(glob->c_str(), p.info.name.c_str(), 0) != 0) return false;
    for (const auto& want : meta)
        if (std::find(p.info.meta.begin(), p.info.meta.end(), want) == p.info.meta.end())
            return false;
    return true;
}

const char* kind_name(PeerEventKind k) {
    switch (k) {
    case PeerEventKind::join:
        return "join";
    case PeerEventKind::update:
        return "update";
    case PeerEventKind::leave:
        return "leave";
    case PeerEventKind::conflict:
        return "conflict";
    }
    return "event";
}

} // namespace

int run_discover(const ParsedArgs& args, Output& out) {
    auto glob = args.value("name");
    auto meta = parse_meta(args.values("meta"));
    bool filtered = glob.has_value() || !meta.empty();
    QueryConfig cfg;
    cfg.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(
        args.duration("timeout").value_or(std::chrono::seconds(3)));
    cfg.watch = args.flag("watch");
    std::size_t expect = static_cast<std::size_t>(args.number("expect").value_or(0));
    // With filters the plan cannot count matches itself: keep querying, and stop here.
    cfg.expect = filtered && expect ? std::numeric_limits<std::size_t>::max() : expect;

    // --watch ends at --timeout only when it was given; otherwise it runs until a signal.
    if (cfg.watch && !args.given("timeout")) cfg.timeout = std::chrono::hours(24 * 365);

    auto trust = trust_store();
    // Names pinned to the first key seen with them, as ssh pins host keys.
    auto known = KnownNames::load(KnownNames::default_path());
    known.keep([&trust](const std::string& full) { return trust->find(full) != nullptr; });
    std::map<std::string, std::string> pinned_clash; // node id -> id its name was pinned to
    std::vector<KnownName> checked;                  // what this run saw, in order
    RunLoop loop;
    Session& session = loop.open_session(args, out);
    Discovery discovery(session, cfg);
    discovery.protect([&trust](const NodeId& node) { return trust->trusts(node); });
    std::set<std::string> matched;
    loop.on_finish([&] { discovery.stop(); });
    // Queries this host could not send: the list may lack nodes for a reason of this host's.
    std::vector<SendRefusal> refusals;
    auto refused = warn_send_refusals(session, out, "queries ",
                                      [&](const SendRefusal& r) { refusals.push_back(r); });

    auto pinned_value = [&](const Peer& p) -> boost::json::value {
        auto it = pinned_clash.find(p.id.full());
        return it == pinned_clash.end() ? boost::json::value(nullptr)
                                        : boost::json::value(it->second);
    };
    discovery.on_event([&](const PeerEvent& e) {
        if (loop.finished() || !matches(e.peer, glob, meta)) return;
        auto now = std::chrono::steady_clock::now();
        if (e.kind == PeerEventKind::join || e.kind == PeerEventKind::update) {
            auto full = e.peer.id.full();
            auto when = now_rfc3339();
            checked.push_back({e.peer.info.name, full, when});
            if (auto old = known.check(e.peer.info.name, full, when);
                old && !pinned_clash.count(full)) {
                pinned_clash[full] = *old;
                // The suggested command names the old key by id, never the name: a name is
                // the announcer's text and could break out of any quoting a user copies.
                out.note(fmt::format("WARNING: '{}' was seen before with key {}, and now comes "
                                     "with key {}. If that is expected, run: mcast trust forget "
                                     "--id {}",
                                     e.peer.info.name, old->substr(0, 12), e.peer.id.short_form(),
                                     old->substr(0, 16)));
            }
        }
        if (e.kind == PeerEventKind::join) {
            matched.insert(e.peer.id.full());
            if (auto f = trust->name_clash(e.peer.info.name, e.peer.id.full());
                f && !trust->trusts(e.peer.id))
                out.note(fmt::format("WARNING: '{}' is the name of friend {}, but this node has "
                                     "another key ({}): it may be an impostor",
                                     e.peer.info.name, f->id.substr(0, 12),
                                     e.peer.id.short_form()));
        }
        if (cfg.watch) {
            if (out.json()) {
                auto rec = json_peer(e.peer, now, trust.get(), kind_name(e.kind));
                rec["name_seen_with"] = pinned_value(e.peer);
                if (e.kind == PeerEventKind::leave) rec["reason"] = e.reason;
                if (e.kind == PeerEventKind::update) {
                    boost::json::array changed;
                    for (const auto& c : e.changed)
                        changed.emplace_back(c);
                    rec["changed"] = std::move(changed);
                }
                // A monitoring log needs to know when each event happened.
                rec["time"] = rfc3339_now();
                out.record(rec);
            } else {
                out.line(local_time() + "  " + human_event(e, now, trust.get()) +
                         (e.kind == PeerEventKind::update
                              ? fmt::format("  (changed: {})", fmt::join(e.changed, ", "))
                              : std::string()));
            }
        } else if (e.kind == PeerEventKind::conflict) {
            out.note(fmt::format("CONFLICT: two processes announce with the identity of {}: {}",
                                 e.peer.id.short_form(), both_addresses_text(e.peer)));
        }
        if (!cfg.watch && expect && matched.size() >= expect) loop.finish();
    });
    // The plan is over: expect reached or quiet (without --watch), or the deadline.
    discovery.on_done([&] { loop.finish(); });
    // Without an interface a list can only come out empty: an error (2) at once, said as ping
    // and send say it ("no usable interface: eth2 is down"). A watch waits for one to come up.
    if (cfg.watch)
        loop.start_session(out);
    else
        loop.start_session_or_throw("no usable interface (none is up with multicast and an "
                                    "address; name one with -i)");
    discovery.start();
    loop.run();

    if (known.changed()) {
        try {
            // What this run saw, applied to the file as it is now, under its lock: a trust
            // forget made meanwhile is kept.
            KnownNames::update(KnownNames::default_path(), [&](KnownNames& now) {
                now.keep(
                    [&trust](const std::string& full) { return trust->find(full) != nullptr; });
                for (const auto& c : checked)
                    now.check(c.name, c.id, c.first_seen);
            });
        } catch (const std::exception& ex) {
            out.note(std::string("cannot remember names: ") + ex.what());
        }
    }
    if (!cfg.watch) {
        auto now = std::chrono::steady_clock::now();
        std::vector<Peer> peers;
        for (const auto& [_, p] : discovery.table().peers())
            if (matches(p, glob, meta)) peers.push_back(p);
        if (out.json()) {
            std::sort(peers.begin(), peers.end(),
                      [](auto& a, auto& b) { return a.info.name < b.info.name; });
            for (const auto& p : peers) {
                auto rec = json_peer(p, now, trust.get());
                rec["name_seen_with"] = pinned_value(p);
                out.record(rec);
            }
        } else if (!peers.empty()) {
            for (const auto& line : peer_table_lines(peers, now, out.color(), trust.get()))
                out.line(line);
        }
        // Exit 1 is a failure a script acts on: said as an error, a JSON "error" record too.
        if (!refusals.empty()) {
            out.error(fmt::format("the list may be incomplete: queries {}",
                                  refusal_text(refusals.front())));
            return exit_nothing;
        }
        if (expect && peers.size() < expect) {
            out.error(fmt::format("found {} of the {} nodes expected", peers.size(), expect));
            return exit_nothing;
        }
        if (peers.empty()) {
            out.error(filtered ? "no node found that matches" : "no node found");
            return exit_nothing;
        }
        return exit_ok;
    }
    const std::size_t need = std::max<std::size_t>(expect, 1);
    if (matched.size() >= need) return exit_ok;
    out.error(expect ? fmt::format("found {} of the {} nodes expected", matched.size(), expect)
                     : std::string(filtered ? "no node found that matches" : "no node found"));
    return exit_nothing;
}

} // namespace mcast::cli
