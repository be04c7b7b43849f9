// PEER resolution; see peer_resolve.hpp.
#include "peer_resolve.hpp"

#include "node_options.hpp"
#include "value_json.hpp"

#include <mcast/discovery.hpp>

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

std::string now_rfc3339() {
    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                  std::chrono::system_clock::now().time_since_epoch())
                  .count();
    return rfc3339_ns(ns - ns % 1'000'000'000).substr(0, 19) + "Z";
}

} // namespace mcast::cli
