// Renderings of discovered nodes: the aligned table of `mcast discover`, its JSON records, and
// the one-line join/update/leave events of --watch. Field names are in docs/json.md.
#pragma once

#include "output.hpp"

#include <mcast/peer_table.hpp>
#include <mcast/trust_store.hpp>

#include <boost/json.hpp>

#include <string>
#include <vector>

namespace mcast::cli {

// "10.77.0.2%eth0 fe80::1%eth0"
std::string addresses_text(const std::vector<NodeAddress>& addrs);
// A peer's addresses and, for a cloned identity, " | " and its twin's.
std::string both_addresses_text(const Peer& p);
// The addresses as JSON: [{"family": 4, "address": "...", "interface": "eth0"}, ...].
boost::json::array json_addresses(const std::vector<NodeAddress>& addresses);
std::string meta_text(const Meta& meta);

// The table with a header line; rows sorted by name then id.
// `trust` (may be null) marks friends and names that come with another key than a friend's.
std::vector<std::string> peer_table_lines(const std::vector<Peer>& peers, MonoTime now, bool color,
                                          const TrustStore* trust);

// A "node" record, or with `type` an event record ("join", "update", "leave", "conflict").
boost::json::object json_peer(const Peer& p, MonoTime now, const TrustStore* trust,
                              std::string_view type = "node");

std::string human_event(const PeerEvent& e, MonoTime now, const TrustStore* trust);

} // namespace mcast::cli
