// Presence payloads as tuples. Decoding is strict: a wrong arity or type anywhere rejects the
// whole message (a signed but malformed announcement is as bad as an unsigned one).
#include "protocol/tuple_fields.hpp"

#include <mcast/presence.hpp>

#include <algorithm>
#include <cstring>

namespace mcast {

namespace {

constexpr std::size_t max_known = 4096;

Value encode_addresses(const std::vector<NodeAddress>& addrs) {
    List l;
    // Built element by element: GCC 12 misreports initializer lists of variants as
    // maybe-uninitialized.
    for (const auto& a : addrs) {
        List e;
        e.emplace_back(std::int64_t{a.family});
        e.emplace_back(a.address);
        e.emplace_back(a.interface);
        l.emplace_back(std::move(e));
    }
    return l;
}

Value encode_meta(const Meta& meta) {
    List l;
    for (const auto& [k, v] : meta) {
        List e;
        e.emplace_back(k);
        e.emplace_back(v);
        l.emplace_back(std::move(e));
    }
    return l;
}

bool decode_addresses(const Value& v, std::vector<NodeAddress>& out) {
    if (!v.is<List>()) return false;
    for (const auto& e : v.as<List>()) {
        if (!e.is<List>()) return false;
        const auto& f = e.as<List>();
        if (f.size() != 3 || !f[0].is<std::int64_t>() || !f[1].is<std::string>() ||
            !f[2].is<std::string>())
            return false;
        auto fam = f[0].as<std::int64_t>();
        if (fam != 4 && fam != 6) return false;
        out.push_back({static_cast<int>(fam), f[1].as<std::string>(), f[2].as<std::string>()});
    }
    return true;
}

bool decode_meta(const Value& v, Meta& out) {
    if (!v.is<List>()) return false;
    for (const auto& e : v.as<List>()) {
        if (!e.is<List>()) return false;
        const auto& kv = e.as<List>();
        if (kv.size() != 2 || !kv[0].is<std::string>() || !kv[1].is<std::string>()) return false;
        out.emplace_back(kv[0].as<std::string>(), kv[1].as<std::string>());
    }
    return true;
}

// name, lifetime_ms, addresses, meta starting at t[at]
bool decode_info(const Tuple& t, std::size_t at, NodeInfo& info) {
    if (t.size() != at + 4) return false;
    if (!t[at].is<std::string>() || !t[at + 1].is<std::int64_t>()) return false;
    auto ms = t[at + 1].as<std::int64_t>();
    if (ms < 0 || ms > std::int64_t{24} * 3600 * 1000) return false;
    info.name = t[at].as<std::string>();
    info.lifetime = std::chrono::milliseconds(ms);
    return decode_addresses(t[at + 2], info.addresses) && decode_meta(t[at + 3], info.meta);
}

void encode_info(const NodeInfo& info, Tuple& t) {
    t.emplace_back(info.name);
    t.emplace_back(std::int64_t{info.lifetime.count()});
    t.emplace_back(encode_addresses(info.addresses));
    t.emplace_back(encode_meta(info.meta));
}

} // namespace

IdPrefix id_prefix(const NodeId& id) {
    IdPrefix p{};
    std::copy_n(id.digest.begin(), p.size(), p.begin());
    return p;
}

Tuple encode_announce(const NodeInfo& info) {
    Tuple t;
    encode_info(info, t);
    return t;
}

std::optional<NodeInfo> decode_announce(const Tuple& t) {
    NodeInfo info;
    if (!decode_info(t, 0, info)) return std::nullopt;
    return info;
}

Tuple encode_query(const Query& q) {
    List known;
    for (const auto& k : q.known)
        known.push_back(detail::bytes_value(k));
    Tuple t;
    t.emplace_back(detail::bytes_value(q.nonce));
    t.emplace_back(std::move(known));
    return t;
}

std::optional<Query> decode_query(const Tuple& t) {
    Query q;
    if (t.size() != 2 || !detail::fixed_bytes(t[0], q.nonce) || !t[1].is<List>())
        return std::nullopt;
    const auto& known = t[1].as<List>();
    if (known.size() > max_known) return std::nullopt;
    for (const auto& k : known) {
        IdPrefix p{};
        if (!detail::fixed_bytes(k, p)) return std::nullopt;
        q.known.push_back(p);
    }
    return q;
}

Tuple encode_answer(const Answer& a) {
    Tuple t;
    t.emplace_back(detail::bytes_value(a.nonce));
    encode_info(a.info, t);
    return t;
}

std::optional<Answer> decode_answer(const Tuple& t) {
    Answer a;
    if (t.empty() || !detail::fixed_bytes(t[0], a.nonce) || !decode_info(t, 1, a.info))
        return std::nullopt;
    return a;
}

} // namespace mcast
