// Peer table bookkeeping; see peer_table.hpp. A restart (new incarnation) replaces the old
// one; an old incarnation heard again while its successor lives is two processes sharing one
// key, reported once as a conflict.
#include <mcast/peer_table.hpp>

#include <algorithm>
#include <array>
#include <string_view>

namespace mcast {

namespace {

// What an update can say changed, in the order it says it.
constexpr std::array<std::string_view, 5> change_order = {"name", "addresses", "meta", "lifetime",
                                                          "local"};

// Both lists' changes, once each, in change_order.
std::vector<std::string> merge_changes(const std::vector<std::string>& a,
                                       const std::vector<std::string>& b) {
    std::vector<std::string> out;
    for (auto c : change_order)
        if (std::find(a.begin(), a.end(), c) != a.end() ||
            std::find(b.begin(), b.end(), c) != b.end())
            out.emplace_back(c);
    return out;
}

} // namespace

void PeerTable::set_hops(const NodeId& id, int hops) {
    if (auto it = peers_.find(id); it != peers_.end()) it->second.hops = hops;
}

std::vector<PeerEvent> PeerTable::observe(const PublicKeyBytes& key, std::uint64_t incarnation,
                                          const NodeInfo& info, const NodeAddress& from,
                                          MonoTime now, bool local) {
    std::vector<PeerEvent> events;
    auto id = NodeId::of(key);
    auto it = peers_.find(id);
    if (it == peers_.end()) {
        const bool stranger = !protect_ || !protect_(id);
        // One address may bring only so many strangers (a host runs a few nodes, not
        // thousands), so that one host cannot fill the table on its own.
        if (stranger && strangers_from_[from.address] >= max_strangers_per_source) {
            if (strangers_from_[from.address] == 0) strangers_from_.erase(from.address);
            return events;
        }
        if (peers_.size() >= max_peers_) {
            // Full: forget the stranger heard least recently (real nodes keep announcing; a
            // flood of keys heard once, with long lifetimes, goes first); never a friend,
            // unless the newcomer is a friend and there are only friends.
            auto victim = peers_.end();
            for (auto p = peers_.begin(); p != peers_.end(); ++p) {
                if (protect_ && protect_(p->second.id)) continue;
                if (victim == peers_.end() || p->second.last_seen < victim->second.last_seen)
                    victim = p;
            }
            if (victim == peers_.end() && !stranger)
                victim = std::min_element(peers_.begin(), peers_.end(), [](auto& a, auto& b) {
                    return a.second.last_seen < b.second.last_seen;
                });
            if (victim == peers_.end()) return events; // only friends here: a stranger waits
            events.push_back({PeerEventKind::leave, victim->second, "evicted"});
            erase(victim);
        }
        Peer p;
        p.id = id;
        p.key = key;
        p.incarnation = incarnation;
        p.info = info;
        p.seen_from = {from};
        p.first_seen = p.last_seen = now;
        p.expires = now + info.lifetime;
        p.local = local;
        if (stranger) {
            ++strangers_from_[from.address];
            origin_[id] = from.address;
        }
        auto [pos, _] = peers_.emplace(id, std::move(p));
        events.push_back({PeerEventKind::join, pos->second, {}});
        return events;
    }
    Peer& p = it->second;
    // What this incarnation announced before, to tell a real change from the twin's.
    NodeInfo before = p.info;
    bool new_twin = false;
    bool restarted = false;
    if (incarnation != p.incarnation && p.twin && p.twin->incarnation == incarnation) {
        // The twin speaks again: the two swap places, each keeping what it announced.
        before = p.twin->info;
        *p.twin = {p.incarnation, p.info, p.last_seen};
        p.previous_incarnation = p.incarnation;
        p.previous_seen = p.last_seen;
        p.incarnation = incarnation;
    } else if (incarnation != p.incarnation) {
        // Two processes with one key: the old incarnation comes back (A, B, A), or the new one
        // speaks within a second of the old one (both answered the same query). A restart
        // leaves a gap.
        bool flapping = (incarnation == p.previous_incarnation &&
                         now - p.previous_seen < std::max(info.lifetime, p.info.lifetime)) ||
                        now - p.last_seen < std::chrono::seconds(1);
        if (flapping) {
            // Both machines are kept: the other one is the twin, shown beside this one.
            p.twin = Peer::Twin{p.incarnation, p.info, p.last_seen};
            before = info;
            held_.erase(id); // what the other one announced was no change of this one
            new_twin = !p.conflict;
            p.conflict = true;
        } else {
            p.twin.reset(); // a restart, as far as can be told yet
            restarted = true;
        }
        p.previous_incarnation = p.incarnation;
        p.previous_seen = p.last_seen;
        p.incarnation = incarnation;
    }
    if (p.twin && now - p.twin->last_seen > p.twin->info.lifetime) p.twin.reset(); // gone
    // An update says what changed: a monitoring log needs more than "something did".
    std::vector<std::string> changed;
    if (before.name != info.name) changed.emplace_back("name");
    if (before.addresses != info.addresses) changed.emplace_back("addresses");
    if (before.meta != info.meta) changed.emplace_back("meta");
    if (before.lifetime != info.lifetime) changed.emplace_back("lifetime");
    if (p.local != local) changed.emplace_back("local");
    // The most recent sources only, most recent last: a source address is the sender's claim,
    // so one key heard from many spoofed sources must cost a bounded list and no event.
    if (auto at = std::find(p.seen_from.begin(), p.seen_from.end(), from); at != p.seen_from.end())
        p.seen_from.erase(at);
    else if (p.seen_from.size() >= Peer::max_seen_from)
        p.seen_from.erase(p.seen_from.begin());
    p.seen_from.push_back(from);
    p.info = info;
    p.local = local;
    p.last_seen = now;
    p.expires = now + info.lifetime;
    if (p.twin) p.expires = std::max(p.expires, p.twin->last_seen + p.twin->info.lifetime);
    // A new twin is reported once, with both machines' addresses.
    if (new_twin) events.push_back({PeerEventKind::conflict, p, {}});
    if (changed.empty()) return events;
    // A restart and the first word of a clone look alike: the clone's original answers at once
    // (it heard the clone too), so the new incarnation's update waits restart_hold, and changes
    // heard meanwhile join it.
    if (auto h = held_.find(id); h != held_.end()) {
        h->second.changed = merge_changes(h->second.changed, changed);
    } else if (restarted) {
        held_[id] = {now + restart_hold, std::move(changed)};
    } else {
        events.push_back({PeerEventKind::update, p, {}, std::move(changed)});
    }
    return events;
}

std::vector<PeerEvent> PeerTable::goodbye(const PublicKeyBytes& key, std::uint64_t incarnation,
                                          MonoTime /*now*/) {
    std::vector<PeerEvent> events;
    auto it = peers_.find(NodeId::of(key));
    // A goodbye from an incarnation that was already replaced says nothing about the new one.
    if (it == peers_.end()) return events;
    auto& p = it->second;
    // One of two twins leaves: the other stays.
    if (p.twin && p.twin->incarnation == incarnation) {
        p.twin.reset();
        return events;
    }
    if (p.incarnation != incarnation) return events;
    if (p.twin) {
        p.previous_incarnation = p.incarnation;
        p.previous_seen = p.last_seen;
        p.incarnation = p.twin->incarnation;
        p.info = p.twin->info;
        p.last_seen = p.twin->last_seen;
        p.expires = p.last_seen + p.info.lifetime;
        p.twin.reset();
        return events;
    }
    events.push_back({PeerEventKind::leave, it->second, "goodbye"});
    erase(it);
    return events;
}

std::vector<PeerEvent> PeerTable::expire(MonoTime now) {
    std::vector<PeerEvent> events;
    for (auto h = held_.begin(); h != held_.end();) {
        if (h->second.due > now) {
            ++h;
            continue;
        }
        if (auto p = peers_.find(h->first); p != peers_.end())
            events.push_back({PeerEventKind::update, p->second, {}, std::move(h->second.changed)});
        h = held_.erase(h);
    }
    for (auto it = peers_.begin(); it != peers_.end();) {
        if (it->second.expires <= now) {
            events.push_back({PeerEventKind::leave, it->second, "expired"});
            it = erase(it);
        } else {
            ++it;
        }
    }
    return events;
}

std::map<NodeId, Peer>::iterator PeerTable::erase(std::map<NodeId, Peer>::iterator it) {
    if (auto o = origin_.find(it->first); o != origin_.end()) {
        auto n = strangers_from_.find(o->second);
        if (n != strangers_from_.end() && --n->second == 0) strangers_from_.erase(n);
        origin_.erase(o);
    }
    held_.erase(it->first);
    return peers_.erase(it);
}

std::optional<MonoTime> PeerTable::next_expiry() const {
    std::optional<MonoTime> t;
    for (const auto& [_, p] : peers_)
        if (!t || p.expires < *t) t = p.expires;
    for (const auto& [_, h] : held_)
        if (!t || h.due < *t) t = h.due;
    return t;
}

std::vector<IdPrefix> PeerTable::known_answers(MonoTime now) const {
    std::vector<IdPrefix> out;
    for (const auto& [_, p] : peers_)
        if (p.expires - now > p.info.lifetime / 2) out.push_back(id_prefix(p.id));
    return out;
}

} // namespace mcast
