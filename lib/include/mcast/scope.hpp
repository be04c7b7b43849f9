// How far mcast's traffic goes, sans-IO: a scope (link, site, organisation) expands to a group of
// each family and a TTL/hop limit, a group is checked against its scope, and the hop limit of an
// answer is chosen from the hop limit its query arrived with, so that it gets back to a querier
// behind routers but never further than the scope allows (docs/routed.md, docs/security.md).
//   auto d = scope_defaults(Scope::site); // 239.255.77.67, ff05::4d43, TTL 15
//   hop_distance(14, 15) == 1;            // a query sent with 15 arrived with 14: one router
//   answer_hop_limit(14, 15) == 15;       // answered with 15: back over that router, no further
//   answer_hop_limit(14, 1) == 1;         // a link-scope node never answers beyond its link
#pragma once

#include <mcast/export.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mcast {

enum class Scope { link, site, org };

struct ScopeDefaults {
    std::string_view group_v4;
    std::string_view group_v6;
    int ttl; // TTL (IPv4) and hop limit (IPv6) of group sends and of answers at most
};

// The hop limits a node starts its traffic with, one per scope, and 255: the steps the distance
// of an arrival is read against (hop_distance) and that answers are sent with.
inline constexpr std::array<int, 4> hop_limit_steps{1, 15, 63, 255};

// link: 239.255.77.67 and ff02::4d43, TTL 1 (the defaults before scopes). site: the same IPv4
// group in the IPv4 Local Scope 239.255.0.0/16 (RFC 2365 6.1, the scope a site's boundary
// routers close) with TTL 15 (the traditional site threshold is 32), and ff05::4d43. org:
// 239.192.77.67 in the Organization Local Scope 239.192.0.0/14 (RFC 2365 6.2) and ff08::4d43,
// TTL 63 (below the traditional region threshold, 64).
MCAST_API ScopeDefaults scope_defaults(Scope s);
MCAST_API std::optional<Scope> parse_scope(std::string_view text); // "link", "site", "org"
MCAST_API std::string_view scope_name(Scope s);

using Ipv4Bytes = std::array<std::uint8_t, 4>;
using Ipv6Bytes = std::array<std::uint8_t, 16>;

// Source-specific multicast ranges (RFC 4607): 232.0.0.0/8 and ff3x::/32.
MCAST_API bool is_ssm_group(const Ipv4Bytes& group);
MCAST_API bool is_ssm_group(const Ipv6Bytes& group);

// Why a multicast group does not fit a scope, as a phrase for an error line, or "" when it does.
// IPv6: the group's own scope field must be the scope's (2, 5, 8). IPv4: link takes any group (TTL
// 1 keeps it on the link); site 239.255.0.0/16 or 232.0.0.0/8; org 239.192.0.0/14 or 232/8; and
// 224.0.0.0/24, which routers never forward, only link.
MCAST_API std::string group_scope_mismatch(Scope s, const Ipv4Bytes& group);
MCAST_API std::string group_scope_mismatch(Scope s, const Ipv6Bytes& group);

// Routers crossed by a datagram that arrived with `arrival` (TTL/hop limit) when its sender
// started from the smallest of hop_limit_steps and `own_hop_limit` (the hop limit this node is
// configured with: nodes of one deployment share it) at or above `arrival`; -1 when `arrival`
// is unknown (not 1-255).
MCAST_API int hop_distance(int arrival, int own_hop_limit);

// The hop limit to answer an arrival with: the smallest step (hop_limit_steps or
// `own_hop_limit`) that covers the hop_distance back plus one, never above `own_hop_limit`
// (at least 1). An arrival of unknown hop limit is answered with 1, as before scopes. So an
// answer goes no further than its query came from, rounded up to a step (which lets the querier
// read the distance back), and never beyond this node's scope; at link scope always 1.
MCAST_API int answer_hop_limit(int arrival, int own_hop_limit);

} // namespace mcast
