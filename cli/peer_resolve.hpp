// Turning a PEER argument (an id, an unambiguous id prefix, or a name) into one node: among the
// nodes a short discovery finds now (trust add, pair), or among given candidates (friends).
#pragma once

#include "option_parser.hpp"
#include "output.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mcast::cli {

struct Candidate {
    std::string id, name;
};

bool is_hex(std::string_view s);
// The one candidate PEER names (id prefix or exact name); nullopt for none. Throws UsageError
// listing the candidates when PEER is ambiguous.
std::optional<Candidate> resolve(const std::string& peer, const std::vector<Candidate>& all);
// Every node a discovery of --timeout (default 2s) finds.
std::vector<Candidate> seen_on_network(const ParsedArgs& args, Output& out);
// A --peer of ping as given (an id prefix or a name), and the node it names when this host
// remembers one (a friend, or a name discovery pinned): that node is expected even when it
// never answers, and listed with its id and name.
struct PeerArg {
    std::string given;
    std::optional<Candidate> remembered;
};
// Throws UsageError when a PEER names several remembered nodes.
std::vector<PeerArg> peer_args(const std::vector<std::string>& given);
// Whether the node `id` named `name` is the one `p` names.
bool matches(const std::string& id, const std::string& name, const PeerArg& p);
// Whether any of `peers` names it; true when there are none.
bool wanted(const std::string& id, const std::string& name, const std::vector<PeerArg>& peers);

// Full id -> name of every other node the resident node of this host knows (ping expects them
// to answer); none where no resident node runs (or it runs without weather), and none when this
// run's --group or --port was chosen on the command line or in the environment: the resident
// node's nodes are on its own group and port, and need not answer on another.
std::map<std::string, std::string> resident_node_peers(const ParsedArgs& args, Output& out);

// A timestamp for the trust store, to the second: 2026-11-26T01:02:03Z
std::string now_rfc3339();

} // namespace mcast::cli
