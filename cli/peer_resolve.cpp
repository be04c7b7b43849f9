// PEER resolution; see peer_resolve.hpp.
#include "peer_resolve.hpp"

#include "node_options.hpp"
#include "value_json.hpp"

#include <mcast/control.hpp>
#include <mcast/discovery.hpp>
#include <mcast/known_names.hpp>
#include <mcast/trust_store.hpp>

#include <boost/asio/io_context.hpp>
#include <fmt/format.h>

#include <algorithm>

namespace mcast::cli {

bool is_hex(std::string_view s) {
    return !s.empty() && s.find_first_not_of("0123456789abcdefABCDEF") == std::string_view::npos;
}

// The one candidate PEER names: by id prefix or exact name. Throws UsageError when ambiguous.
std::optional<Candidate> resolve(const std::string& peer, const std::vector<Candidate>& all) {
    std::vector<Candidate> hits;
    for (const auto& c : all)
        if (id_has_prefix(c.id, peer) || c.name == peer) hits.push_back(c);
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
    for (const auto& [node, p] : discovery.table().peers())
        all.push_back({node.full(), p.info.name});
    return all;
}

std::vector<PeerArg> peer_args(const std::vector<std::string>& given) {
    std::vector<Candidate> remembered;
    for (const auto& f : trust_store()->friends())
        remembered.push_back({f.id, f.name});
    const auto known = KnownNames::load(KnownNames::default_path());
    for (const auto& k : known.names())
        remembered.push_back({k.id, k.name});
    std::vector<PeerArg> peers;
    for (const auto& g : given)
        peers.push_back({g, resolve(g, remembered)});
    return peers;
}

bool matches(const std::string& id, const std::string& name, const PeerArg& p) {
    return (is_hex(p.given) && id_has_prefix(id, p.given)) || (!name.empty() && name == p.given) ||
           (p.remembered && p.remembered->id == id);
}

bool wanted(const std::string& id, const std::string& name, const std::vector<PeerArg>& peers) {
    return peers.empty() || std::any_of(peers.begin(), peers.end(),
                                        [&](const PeerArg& p) { return matches(id, name, p); });
}

std::string now_rfc3339() {
    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                  std::chrono::system_clock::now().time_since_epoch())
                  .count();
    return rfc3339_ns(ns - ns % 1'000'000'000).substr(0, 19) + "Z";
}

std::map<std::string, std::string> resident_node_peers(const ParsedArgs& args, Output& out) {
    std::map<std::string, std::string> peers;
    for (const auto* option : {"group", "port"}) {
        const auto o = args.origin(option);
        if (o == Origin::command_line || o == Origin::environment) {
            out.debug(fmt::format("--{} chosen for this run: the resident node's nodes are not "
                                  "expected",
                                  option));
            return peers;
        }
    }
    const std::string control = args.value("control").value_or("");
    try {
        ControlClient client(control, std::chrono::milliseconds(500));
        for (const auto& n : client.weather().nodes)
            if (!n.local) peers.emplace(n.id.full(), n.name);
        out.debug(fmt::format("the resident node knows {} other node{}", peers.size(),
                              peers.size() == 1 ? "" : "s"));
    } catch (const ControlError& e) {
        out.debug(e.what());
    }
    return peers;
}

} // namespace mcast::cli
