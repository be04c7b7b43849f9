// `mcast trust list | add PEER | remove PEER | show PEER`: the trust store. add resolves PEER
// against the nodes on the network now (a short discovery); the others against the friends.
#include "commands.hpp"
#include "node_options.hpp"
#include "printers.hpp"
#include "value_json.hpp"

#include <mcast/discovery.hpp>

#include <boost/asio/io_context.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <ctime>

namespace mcast::cli {

namespace {

struct Candidate {
    std::string id, name;
};

bool is_hex(std::string_view s) {
    return !s.empty() && s.find_first_not_of("0123456789abcdefABCDEF") == std::string_view::npos;
}

// The one candidate PEER names: by id prefix or exact name. Throws UsageError when ambiguous.
std::optional<Candidate> resolve(const std::string& peer, const std::vector<Candidate>& all) {
    std::vector<Candidate> hits;
    std::string lower = peer;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    for (const auto& c : all)
        if ((is_hex(peer) && c.id.compare(0, lower.size(), lower) == 0) || c.name == peer)
            hits.push_back(c);
    std::sort(hits.begin(), hits.end(), [](auto& a, auto& b) { return a.id < b.id; });
    hits.erase(std::unique(hits.begin(), hits.end(), [](auto& a, auto& b) { return a.id == b.id; }),
               hits.end());
    if (hits.size() > 1) {
        std::string list;
        for (const auto& h : hits)
            list += fmt::format(" {} ({})", h.id.substr(0, 12), h.name);
        throw UsageError(fmt::format("PEER '{}' is ambiguous:{}", peer, list));
    }
    if (hits.empty()) return std::nullopt;
    return hits[0];
}

std::vector<Candidate> seen_on_network(const ParsedArgs& args, Output& out) {
    auto id = load_identity(args, out);
    boost::asio::io_context io;
    Session session(io, std::move(id), session_options(args));
    QueryConfig cfg;
    cfg.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(
        args.duration("timeout").value_or(std::chrono::seconds(2)));
    Discovery discovery(session, cfg);
    discovery.on_done([&] {
        discovery.stop();
        session.close();
        io.stop();
    });
    session.start();
    discovery.start();
    io.run();
    std::vector<Candidate> all;
    for (const auto& [full, p] : discovery.table().peers())
        all.push_back({full, p.info.name});
    return all;
}

std::string now_rfc3339() {
    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                  std::chrono::system_clock::now().time_since_epoch())
                  .count();
    return rfc3339_ns(ns - ns % 1'000'000'000).substr(0, 19) + "Z";
}

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
        for (const auto& f : store.friends())
            print_friend(out, f);
        if (store.friends().empty() && !out.json())
            out.note("no friend yet (mcast trust add PEER)");
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
        store.remove(hit->id);
        store.save(path);
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
        if (!store.add({c.id, c.name, now_rfc3339(), args.value("note").value_or("")})) {
            out.note(c.id.substr(0, 12) + " is already a friend");
            return exit_ok;
        }
        store.save(path);
        out.note("added " + c.id.substr(0, 12) + (c.name.empty() ? "" : " (" + c.name + ")"));
        if (out.json()) out.record(friend_json(*store.find(c.id)));
        return exit_ok;
    }
    throw UsageError("unknown ACTION '" + action + "' (expected list, add, remove or show)");
}

} // namespace mcast::cli
