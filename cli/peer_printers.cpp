// Discovered nodes as text and JSON; see peer_printers.hpp.
#include "peer_printers.hpp"
#include "table.hpp"

#include "printers.hpp"
#include "value_json.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace mcast::cli {

namespace json = boost::json;

namespace {

std::string age_text(MonoTime since, MonoTime now) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now - since).count();
    if (ms < 10'000) return fmt::format("{:.1f}s", static_cast<double>(ms) / 1000.0);
    if (ms < 600'000) return fmt::format("{}s", ms / 1000);
    return fmt::format("{}m", ms / 60'000);
}

// "friend", "-", or a loud warning when the name is a friend's but the key is not.
std::string trust_mark(const Peer& p, const TrustStore* trust) {
    if (!trust) return "-";
    if (trust->trusts(p.id)) return "friend";
    if (auto f = trust->name_clash(p.info.name, p.id.full()))
        return "NOT " + f->id.substr(0, 12) + "!";
    return "-";
}

std::string display_name(const Peer& p) {
    return p.info.name.empty() ? std::string("-") : escape_text(p.info.name);
}

} // namespace

std::string addresses_text(const std::vector<NodeAddress>& addrs) {
    std::string out;
    for (const auto& a : addrs) {
        if (!out.empty()) out += ' ';
        out += escape_text(a.address) + "%" + escape_text(a.interface);
    }
    return out.empty() ? "-" : out;
}

// A cloned identity shows both machines: this incarnation's addresses, then the twin's.
std::string both_addresses_text(const Peer& p) {
    auto text = addresses_text(p.info.addresses);
    if (p.twin) text += " | " + addresses_text(p.twin->info.addresses);
    return text;
}

namespace {

// A key or value as the META column shows it: quoted when it is empty or holds a space (or, for
// a key, an '='), so that "room=living room" cannot be read as two entries. escape_text has
// escaped every '"' and '\' inside, so the quotes are unambiguous.
std::string meta_word(std::string_view text, bool key) {
    std::string shown = escape_text(text);
    const bool quote = shown.empty() || shown.find(' ') != std::string::npos ||
                       (key && shown.find('=') != std::string::npos);
    return quote ? "\"" + shown + "\"" : shown;
}

} // namespace

std::string meta_text(const Meta& meta) {
    std::string out;
    for (const auto& [k, v] : meta) {
        if (!out.empty()) out += ' ';
        out += meta_word(k, true) + "=" + meta_word(v, false);
    }
    return out.empty() ? "-" : out;
}

std::vector<std::string> peer_table_lines(const std::vector<Peer>& peers, MonoTime now, bool color,
                                          const TrustStore* trust) {
    std::vector<std::vector<std::string>> rows;
    rows.push_back({"NAME", "ID", "ADDRESSES", "META", "TRUST", "AGE", "DIST"});
    auto sorted = peers;
    std::sort(sorted.begin(), sorted.end(), [](const Peer& a, const Peer& b) {
        return std::tie(a.info.name, a.id.digest) < std::tie(b.info.name, b.id.digest);
    });
    for (const auto& p : sorted) {
        std::string flags = p.local ? " (this host)" : "";
        if (p.conflict) flags += " (CONFLICT)";
        rows.push_back({display_name(p) + flags, p.id.short_form(), both_addresses_text(p),
                        meta_text(p.info.meta), trust_mark(p, trust), age_text(p.last_seen, now),
                        p.hops >= 0 ? std::to_string(p.hops) : "-"});
    }
    return table_lines(rows, {.color = color, .accent_column = 1});
}

json::array json_addresses(const std::vector<NodeAddress>& addresses) {
    json::array addrs;
    for (const auto& a : addresses)
        addrs.push_back(
            json::object{{"family", a.family}, {"address", a.address}, {"interface", a.interface}});
    return addrs;
}

json::object json_peer(const Peer& p, MonoTime now, const TrustStore* trust,
                       std::string_view type) {
    json::array addrs = json_addresses(p.info.addresses);
    json::object meta;
    for (const auto& [k, v] : p.info.meta)
        meta[k] = v;
    // A friend's name with another key: shown the way ssh shows a changed host key.
    const Friend* clash =
        trust && !trust->trusts(p.id) ? trust->name_clash(p.info.name, p.id.full()) : nullptr;
    return {{"type", type},
            {"name_of_friend", clash ? json::value(clash->id) : json::value(nullptr)},
            {"id", p.id.full()},
            {"short_id", p.id.short_form()},
            {"name", p.info.name},
            {"addresses", std::move(addrs)},
            {"meta", std::move(meta)},
            {"trusted", trust && trust->trusts(p.id)},
            {"local", p.local},
            {"dist", p.hops >= 0 ? json::value(p.hops) : json::value(nullptr)},
            {"conflict", p.conflict},
            {"incarnation", hex64(p.incarnation)},
            {"twin", p.twin ? json::value(json::object{
                                  {"incarnation", hex64(p.twin->incarnation)},
                                  {"name", p.twin->info.name},
                                  {"addresses", json_addresses(p.twin->info.addresses)},
                                  {"age_ms", std::chrono::duration_cast<std::chrono::milliseconds>(
                                                 now - p.twin->last_seen)
                                                 .count()}})
                            : json::value(nullptr)},
            {"lifetime_ms", p.info.lifetime.count()},
            {"age_ms",
             std::chrono::duration_cast<std::chrono::milliseconds>(now - p.last_seen).count()}};
}

std::string human_event(const PeerEvent& e, MonoTime now, const TrustStore* trust) {
    const auto& p = e.peer;
    auto mark = trust_mark(p, trust);
    // Rows come one at a time, so the columns have fixed widths (wider values push the rest
    // right, as ls -l does) rather than widths measured over a table.
    const auto row = [&](std::string_view event, std::string_view rest) {
        return fmt::format("{:<8} {:<24} {:<12}  {}", event, display_name(p), p.id.short_form(),
                           rest);
    };
    switch (e.kind) {
    case PeerEventKind::join:
        return row("join", fmt::format("{:<40}  {}  {}", addresses_text(p.info.addresses),
                                       meta_text(p.info.meta), mark));
    case PeerEventKind::update:
        return row("update", fmt::format("{:<40}  {}  {}", addresses_text(p.info.addresses),
                                         meta_text(p.info.meta), mark));
    case PeerEventKind::leave:
        return row("leave",
                   fmt::format("({}, last heard {} ago)", e.reason, age_text(p.last_seen, now)));
    case PeerEventKind::conflict:
        return row("CONFLICT", fmt::format("two processes announce with this identity: {}",
                                           both_addresses_text(p)));
    }
    return {};
}

} // namespace mcast::cli
