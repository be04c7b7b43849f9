// The nodes a program has heard of, with their addresses, metadata and expiry, and the events
// that changes produce (join, update, leave, conflict). Sans-IO: time is passed in. Bounded.
#pragma once

#include <mcast/export.hpp>
#include <mcast/identity.hpp>
#include <mcast/mono_time.hpp>
#include <mcast/presence.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mcast {

struct Peer {
    NodeId id;
    PublicKeyBytes key{};
    std::uint64_t incarnation = 0;
    NodeInfo info;
    static constexpr std::size_t max_seen_from = 16;
    // The last max_seen_from source addresses its datagrams arrived from, most recent last.
    // Sources are claims (they can be spoofed): a new one is no reason for an update event.
    std::vector<NodeAddress> seen_from;
    MonoTime first_seen{}, last_seen{}, expires{};
    bool local = false; // one of its addresses is this host's
    int hops = -1; // routers between it and this host, read from its last datagram; -1: unknown
    bool conflict = false;                  // two processes announce with this key
    std::uint64_t previous_incarnation = 0; // the one this replaced, to tell restarts from twins
    MonoTime previous_seen{};
    // In a conflict, the other incarnation heard with this key (another machine, a clone) and
    // the addresses it announced: both machines are shown, not whichever spoke last.
    struct Twin {
        std::uint64_t incarnation = 0;
        NodeInfo info;
        MonoTime last_seen{};
    };
    std::optional<Twin> twin;
};

enum class PeerEventKind { join, update, leave, conflict };

struct PeerEvent {
    PeerEventKind kind;
    Peer peer;
    std::string reason; // leave: "goodbye" or "expired"
    // update: what changed, of "name", "addresses", "meta", "lifetime", "local" (in that order)
    std::vector<std::string> changed = {};
};

class MCAST_API PeerTable {
public:
    // Strangers (peers that are not protected) first heard from one source address, at most.
    static constexpr std::size_t max_strangers_per_source = 64;
    // How long the update for a new incarnation (a restart, or a clone) is held back: if the
    // one it replaced speaks within it, the two are one conflict event and no update.
    static constexpr std::chrono::milliseconds restart_hold{2000};

    explicit PeerTable(std::size_t max_peers = 10000) : max_peers_(max_peers) {}

    // Peers never evicted to make room (friends). When the table is full, the stranger heard
    // least recently is evicted.
    void set_protect(std::function<bool(const NodeId&)> p) { protect_ = std::move(p); }

    // An announcement or answer from `key`, heard from `from` at `now`. `local` when `from`
    // (or any announced address) is one of this host's. A new incarnation's update comes
    // restart_hold later, from expire(), unless the old one speaks before (a conflict).
    std::vector<PeerEvent> observe(const PublicKeyBytes& key, std::uint64_t incarnation,
                                   const NodeInfo& info, const NodeAddress& from, MonoTime now,
                                   bool local);
    // The distance in routers of its last datagram (Arrival::hops); -1 unknown.
    void set_hops(const NodeId& id, int hops);
    std::vector<PeerEvent> goodbye(const PublicKeyBytes& key, std::uint64_t incarnation,
                                   MonoTime now);
    // The peers whose lifetime ended (leave), and the held updates that are due.
    std::vector<PeerEvent> expire(MonoTime now);
    // When expire() next has something to do.
    std::optional<MonoTime> next_expiry() const;

    // The nodes worth listing as known in a query: those with more than half their lifetime
    // left (as mDNS's known-answer rule).
    std::vector<IdPrefix> known_answers(MonoTime now) const;

    const std::map<NodeId, Peer>& peers() const { return peers_; }
    std::size_t size() const { return peers_.size(); }

private:
    std::map<NodeId, Peer>::iterator erase(std::map<NodeId, Peer>::iterator it);

    std::size_t max_peers_;
    std::map<NodeId, Peer> peers_;
    std::function<bool(const NodeId&)> protect_;
    std::map<NodeId, std::string> origin_;              // stranger -> its first source
    std::map<std::string, std::size_t> strangers_from_; // source -> strangers it brought
    // A new incarnation's update, held back for restart_hold (see observe).
    struct HeldUpdate {
        MonoTime due{};
        std::vector<std::string> changed;
    };
    std::map<NodeId, HeldUpdate> held_;
};

} // namespace mcast
