// Presence messages (docs/protocol.md section 4.1): what a node says about itself in an
// announcement or an answer, and what a query carries. Pure conversions between these structs
// and tuples; no sockets, no clocks.
#pragma once

#include <mcast/export.hpp>
#include <mcast/identity.hpp>
#include <mcast/message_type.hpp>
#include <mcast/value.hpp>

#include <array>
#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mcast {

struct NodeAddress {
    int family = 4; // 4 or 6
    std::string address;
    std::string interface;
    friend bool operator==(const NodeAddress&, const NodeAddress&) = default;
    friend auto operator<=>(const NodeAddress&, const NodeAddress&) = default;
};

using Meta = std::vector<std::pair<std::string, std::string>>;

// What a node says about itself.
struct NodeInfo {
    std::string name;
    std::chrono::milliseconds lifetime{0}; // receivers forget the node this long after hearing it
    std::vector<NodeAddress> addresses;    // every address of every family it can be reached on
    Meta meta;
    friend bool operator==(const NodeInfo&, const NodeInfo&) = default;
};

using Nonce = std::array<std::uint8_t, 16>;
using IdPrefix = std::array<std::uint8_t, 8>; // first 8 bytes of a node id

struct Query {
    Nonce nonce{};
    std::vector<IdPrefix> known; // nodes the querier knows and that need not answer
};

struct Answer {
    Nonce nonce{};
    NodeInfo info;
};

MCAST_API IdPrefix id_prefix(const NodeId& id);

MCAST_API Tuple encode_announce(const NodeInfo& info);
MCAST_API std::optional<NodeInfo> decode_announce(const Tuple& t);
MCAST_API Tuple encode_query(const Query& q);
MCAST_API std::optional<Query> decode_query(const Tuple& t);
MCAST_API Tuple encode_answer(const Answer& a);
MCAST_API std::optional<Answer> decode_answer(const Tuple& t);

} // namespace mcast
