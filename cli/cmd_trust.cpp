// `mcast trust list | add PEER | remove PEER | show PEER`: the trust store. add resolves PEER
// against the nodes on the network now (a short discovery); the others against the friends.
#include "commands.hpp"
#include "node_options.hpp"
#include "peer_resolve.hpp"
#include "printers.hpp"
#include "table.hpp"
#include "value_json.hpp"

#include <mcast/discovery.hpp>
#include <mcast/known_names.hpp>

#include <boost/asio/io_context.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <ctime>
#include <set>

namespace mcast::cli {

namespace {

boost::json::object friend_json(const Friend& f) {
    return {
        {"type", "friend"}, {"id", f.id}, {"name", f.name}, {"added", f.added}, {"note", f.note}};
}

void print_friend(Output& out, const Friend& f) {
    if (out.json())
        out.record(friend_json(f));
    else
        out.line(fmt::format("{}  {:<16}  {}  {}", f.id.substr(0, 12), escape_text(f.name), f.added,
                             escape_text(f.note)));
}

} // namespace

int run_trust(const ParsedArgs& args, Output& out) {
    const auto& pos = args.positional;
    if (pos.empty()) throw UsageError("missing ACTION (list, add, remove or show)");
    const auto& action = pos[0];
    auto path = TrustStore::default_path();
    auto store = TrustStore::load(path);
    auto need_peer = [&] {
        if (pos.size() != 2) throw UsageError(action + ": expected one PEER");
        return pos[1];
    };

    if (action == "list") {
        if (pos.size() != 1) throw UsageError("list: takes no PEER");
        if (store.friends().empty() && !out.json())
            out.note("no friend yet (mcast trust add PEER)");
        if (out.json() || store.friends().empty()) {
            for (const auto& f : store.friends())
                print_friend(out, f);
            return exit_ok;
        }
        std::vector<std::vector<std::string>> rows = {{"ID", "NAME", "ADDED", "NOTE"}};
        for (const auto& f : store.friends())
            rows.push_back({f.id.substr(0, 12), escape_text(f.name), f.added, escape_text(f.note)});
        for (const auto& line : table_lines(rows, {.color = out.color(), .accent_column = 0}))
            out.line(line);
        return exit_ok;
    }
    if (action == "show" || action == "remove") {
        auto peer = need_peer();
        std::vector<Candidate> friends;
        for (const auto& f : store.friends())
            friends.push_back({f.id, f.name});
        auto hit = resolve(peer, friends);
        if (!hit) {
            out.error("no friend matches '" + peer + "'");
            return exit_nothing;
        }
        if (action == "show") {
            print_friend(out, *store.find(hit->id));
            return exit_ok;
        }
        TrustStore::update(path, [&](TrustStore& s) { s.remove(hit->id); });
        out.note("removed " + hit->id.substr(0, 12) + " (" + hit->name + ")");
        return exit_ok;
    }
    if (action == "add") {
        auto peer = need_peer();
        Candidate c;
        // A full id needs no network; anything shorter is looked up among the nodes seen now.
        bool full = peer.size() == 64 && is_hex(peer);
        std::optional<Candidate> hit;
        if (!full) hit = resolve(peer, seen_on_network(args, out));
        if (hit)
            c = *hit;
        else if (full)
            c = {peer, ""};
        else {
            out.error("no node on the network matches '" + peer +
                      "' (give its full id to add it "
                      "while it is away)");
            return exit_nothing;
        }
        std::transform(c.id.begin(), c.id.end(), c.id.begin(),
                       [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
        // Adding a friend again keeps its note unless a new one is given. Under the store's
        // lock from load to save, so that a pair or trust add running at once keeps its change.
        bool added = false;
        store = TrustStore::update(path, [&](TrustStore& s) {
            std::string note = args.value("note").value_or("");
            if (const auto* old = s.find(c.id)) {
                if (!args.given("note")) note = old->note;
                if (c.name.empty()) c.name = old->name;
            }
            added = s.add({c.id, c.name, now_rfc3339(), note});
        });
        if (!added) {
            out.note(c.id.substr(0, 12) + " is already a friend");
            return exit_ok;
        }
        out.note("added " + c.id.substr(0, 12) + (c.name.empty() ? "" : " (" + c.name + ")"));
        if (out.json()) out.record(friend_json(*store.find(c.id)));
        return exit_ok;
    }
    if (action == "forget") {
        // Unpin a name that now comes with another key (after checking it is expected).
        if (auto prefix = args.value("id")) {
            // By key: what discover's warning suggests, since an id is safe to paste.
            if (pos.size() != 1) throw UsageError("forget: --id takes the place of NAME");
            if (prefix->size() < 8 || prefix->size() > 64 || !is_hex(*prefix))
                throw UsageError("--id: bad value '" + *prefix + "' (expected 8-64 hex digits)");
            std::string lower = *prefix;
            std::transform(lower.begin(), lower.end(), lower.begin(),
                           [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
            std::set<std::string> ids, names;
            KnownNames::update(KnownNames::default_path(), [&](KnownNames& known) {
                for (const auto& n : known.names())
                    if (n.id.compare(0, lower.size(), lower) == 0) {
                        ids.insert(n.id);
                        names.insert(n.name);
                    }
                if (ids.size() == 1)
                    for (const auto& n : names)
                        known.forget(n);
            });
            if (ids.size() > 1) throw UsageError("--id: '" + lower + "' is ambiguous");
            if (ids.empty()) {
                out.error("no name is pinned to a key " + lower);
                return exit_nothing;
            }
            out.note(fmt::format("unpinned {} name{} from key {}; the next key seen with {} "
                                 "will be pinned",
                                 names.size(), names.size() == 1 ? "" : "s",
                                 ids.begin()->substr(0, 12), names.size() == 1 ? "it" : "them"));
            return exit_ok;
        }
        auto name = need_peer();
        bool forgot = false;
        KnownNames::update(KnownNames::default_path(),
                           [&](KnownNames& known) { forgot = known.forget(name); });
        if (!forgot) {
            out.error("no pinned name '" + name + "'");
            return exit_nothing;
        }
        out.note("forgot the key pinned to '" + name + "'; the next one seen will be pinned");
        return exit_ok;
    }
    throw UsageError("unknown ACTION '" + action +
                     "' (expected list, add, remove, show or forget)");
}

} // namespace mcast::cli
