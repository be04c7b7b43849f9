// Scope expansion, the group checks and the hop-limit rule of answers (see mcast/scope.hpp).
// Numbers only: addresses arrive as bytes, parsed at the edge.
#include <mcast/scope.hpp>

#include <algorithm>

namespace mcast {

ScopeDefaults scope_defaults(Scope s) {
    switch (s) {
    case Scope::link:
        return {"239.255.77.67", "ff02::4d43", 1};
    case Scope::site:
        return {"239.255.77.67", "ff05::4d43", 15};
    case Scope::org:
        return {"239.192.77.67", "ff08::4d43", 63};
    }
    return {"239.255.77.67", "ff02::4d43", 1};
}

std::optional<Scope> parse_scope(std::string_view text) {
    if (text == "link") return Scope::link;
    if (text == "site") return Scope::site;
    if (text == "org") return Scope::org;
    return std::nullopt;
}

std::string_view scope_name(Scope s) {
    switch (s) {
    case Scope::link:
        return "link";
    case Scope::site:
        return "site";
    case Scope::org:
        return "org";
    }
    return "link";
}

bool is_ssm_group(const Ipv4Bytes& g) {
    return g[0] == 232;
}

bool is_ssm_group(const Ipv6Bytes& g) {
    return g[0] == 0xff && (g[1] >> 4) == 3 && g[2] == 0 && g[3] == 0;
}

std::string group_scope_mismatch(Scope s, const Ipv4Bytes& g) {
    if (g[0] < 224 || g[0] > 239) return "not a multicast address";
    if (s == Scope::link || is_ssm_group(g)) return {};
    if (g[0] == 224 && g[1] == 0 && g[2] == 0)
        return "224.0.0.0/24 is link-local (routers never forward it), not " +
               std::string(scope_name(s)) + " scope";
    if (s == Scope::site && g[0] == 239 && g[1] == 255) return {};
    if (s == Scope::org && g[0] == 239 && (g[1] & 0xfc) == 192) return {};
    return s == Scope::site ? "not a site-scope group (239.255.0.0/16, or 232.0.0.0/8 for SSM)"
                            : "not an organisation-scope group (239.192.0.0/14, or 232.0.0.0/8 "
                              "for SSM)";
}

std::string group_scope_mismatch(Scope s, const Ipv6Bytes& g) {
    if (g[0] != 0xff) return "not a multicast address";
    const int want = s == Scope::link ? 2 : s == Scope::site ? 5 : 8;
    const int have = g[1] & 0x0f;
    if (have == want) return {};
    // RFC 7346's names of the scope field.
    static constexpr std::array<std::string_view, 16> names{
        "reserved",           "interface-local", "link-local", "realm-local",
        "admin-local",        "site-local",      "unassigned", "unassigned",
        "organization-local", "unassigned",      "unassigned", "unassigned",
        "unassigned",         "unassigned",      "global",     "reserved"};
    return "a group of " + std::string(names[static_cast<std::size_t>(have)]) + " scope (" +
           "0123456789abcdef"[have] + "), not " + std::string(scope_name(s)) + " scope (" +
           "0123456789abcdef"[want] + ", as ff0" + "0123456789abcdef"[want] + "::)";
}

namespace {

// The smallest step at or above `at_least`, `own` counting as a step.
int step_at_or_above(int at_least, int own) {
    int best = 255;
    for (int v : hop_limit_steps)
        if (v >= at_least && v < best) best = v;
    if (own >= at_least && own < best) best = own;
    return best;
}

} // namespace

int hop_distance(int arrival, int own_hop_limit) {
    if (arrival < 1 || arrival > 255) return -1;
    return step_at_or_above(arrival, own_hop_limit) - arrival;
}

int answer_hop_limit(int arrival, int own_hop_limit) {
    const int cap = std::clamp(own_hop_limit, 1, 255);
    const int hops = hop_distance(arrival, own_hop_limit);
    if (hops < 0) return 1;
    return std::min(step_at_or_above(hops + 1, own_hop_limit), cap);
}

} // namespace mcast
