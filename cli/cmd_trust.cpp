// `mcast trust list | add PEER | remove PEER | show PEER | forget NAME`: the trust store and the
// pinned names. add resolves PEER against the nodes on the network now (a short discovery);
// remove and show against the friends.
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
#include <filesystem>
#include <optional>
#include <set>

namespace mcast::cli {

namespace {

boost::json::object friend_json(const Friend& f) {
    return {
        {"type", "friend"}, {"id", f.id}, {"name", f.name}, {"added", f.added}, {"note", f.note}};
}

// The id of this node's key, when its key file exists and loads (without creating one).
std::optional<std::string> own_id(const ParsedArgs& args) {
    const auto path = identity_path(args);
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return std::nullopt;
    try {
        return Identity::load(path).id().full();
    } catch (const IdentityError&) {
        return std::nullopt; // trust add does not need the key: its problems are for commands
    }
}

} // namespace

int run_trust(const ParsedArgs& args, Output& out) {
    const auto& pos = args.positional;
    if (pos.empty()) throw UsageError("missing ACTION (list, add, remove, show or forget)");
    const auto& action = pos[0];
    auto path = TrustStore::default_path();
    auto store = TrustStore::load(path);
    auto need_peer = [&] {
        if (pos.size() != 2)
            throw UsageError(action + (action == "forget" ? ": expected one NAME (or --id PREFIX)"
                                                          : ": expected one PEER"));
        return pos[1];
    };

    if (action == "list") {
        if (pos.size() != 1) throw UsageError("list: takes no PEER");
        if (store.friends().empty() && !out.json())
            out.note("no friend yet (mcast trust add PEER)");
        if (out.json() || store.friends().empty()) {
            for (const auto& f : store.friends())
                out.record(friend_json(f));
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
            // One friend, labelled field by field as mcast id shows this node (a bare row
            // left the reader to guess which column was which), with the full id.
            const Friend& f = *store.find(hit->id);
            if (out.json()) {
                out.record(friend_json(f));
                return exit_ok;
            }
            out.line(fmt::format("id     {}", f.id));
            out.line(fmt::format("name   {}", f.name.empty() ? "-" : escape_text(f.name)));
            out.line(fmt::format("added  {}", f.added));
            out.line(fmt::format("note   {}", f.note.empty() ? "-" : escape_text(f.note)));
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
        // This node's own key (another process of this node answered, or its id was pasted):
        // a friend entry for itself would only mark its own messages as a friend's.
        if (auto own = own_id(args); own && *own == c.id)
            throw UsageError("add: '" + peer + "' is this node's own id (" + c.id.substr(0, 12) +
                             ", see mcast id); a node does not need to trust itself");
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
