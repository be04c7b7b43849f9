// Per-sender replay state: a 1024-entry sliding window per incarnation (as IPsec's anti-replay
// window), a short memory of when each recent seq was accepted (to tell the benign duplicate
// that arrives over the other family from a later replay), and an LRU bound on senders.
#include "protocol/replay_window.hpp"

#include <algorithm>
#include <array>
#include <bitset>
#include <cstring>
#include <functional>
#include <limits>
#include <list>
#include <optional>
#include <random>
#include <unordered_map>

namespace mcast {

namespace {

// Keyed with a per-process random seed over all 32 bytes: a sender cannot grind public keys
// offline that collide in this table and turn lookups into linear scans.
struct KeyHash {
    std::uint64_t seed;
    std::size_t operator()(const PublicKeyBytes& k) const noexcept {
        std::uint64_t h = seed;
        for (std::size_t i = 0; i < k.size(); i += 8) {
            std::uint64_t w;
            std::memcpy(&w, k.data() + i, sizeof w);
            h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
            h ^= h >> 31;
        }
        return static_cast<std::size_t>(h);
    }
};

std::uint64_t random_seed() {
    std::random_device rd;
    return (std::uint64_t{rd()} << 32) ^ rd();
}

constexpr std::int64_t no_floor = std::numeric_limits<std::int64_t>::min();

struct IncarnationState {
    std::uint64_t incarnation = 0;
    std::uint64_t highest = 0;
    // Datagrams stamped at or before this are replays: for an incarnation learned after others
    // of its key were retired, it may be one of them again, with an empty window.
    std::int64_t floor = no_floor;
    std::bitset<ReplayWindow::window_size> seen; // bit i: highest - i was accepted
    // When recent seqs were accepted, for duplicate vs replay. Ring indexed by seq; 256 entries so
    // that the other family's copies of a burst still count as duplicates when a receiver reads
    // one socket's backlog (up to a wake-up's 64 datagrams, more under load) before the other's.
    // A slot keeps the low 16 bits of its seq: two seqs inside the 1024-seq window never share
    // them.
    static constexpr std::size_t ring = 256;
    std::array<std::uint16_t, ring> ring_seq{};
    std::array<MonoTime, ring> ring_time{};
    MonoTime last_used{};
    std::int64_t newest_ts = no_floor; // of the datagrams accepted
};

struct KeyState {
    PublicKeyBytes key{};
    std::vector<IncarnationState> incarnations; // at most max_incarnations
    std::int64_t newest_ts = 0;
    // The newest timestamp of the incarnations this key has retired to make room: an unknown
    // incarnation stamped no later is one of them (or older), replayed.
    std::int64_t retired_floor = no_floor;
    std::optional<Verifier> verifier;
};

} // namespace

struct ReplayWindow::State {
    ReplayConfig cfg;
    std::function<bool(const PublicKeyBytes&)> protect;
    std::list<KeyState> lru; // front = most recently used
    std::unordered_map<PublicKeyBytes, std::list<KeyState>::iterator, KeyHash> index{
        16, KeyHash{random_seed()}};
    // Keys evicted from the table leave their newest timestamp here (24 bytes each, in sets
    // of 4 chosen by a keyed hash; the oldest entry of a full set makes room), so that a key
    // learned again starts with that floor instead of taking its captured history back.
    struct Retired {
        std::uint64_t tag = 0;
        std::int64_t newest_ts = no_floor;
        std::uint64_t stamp = 0; // when it was retired: the oldest of a set goes first
    };
    static constexpr std::size_t retired_ways = 4, retired_slots = 16384;
    std::vector<Retired> retired = std::vector<Retired>(retired_slots);
    KeyHash retired_hash{random_seed()};
    std::uint64_t retired_count = 0;

    // Where a key's set of retired entries starts, and which of them is the key's (or ways).
    static std::size_t set_of(std::uint64_t tag) {
        return (tag % (retired_slots / retired_ways)) * retired_ways;
    }
    std::size_t find_retired(const PublicKeyBytes& k) const {
        auto tag = retired_hash(k);
        auto first = set_of(tag);
        for (std::size_t i = first; i < first + retired_ways; ++i)
            if (retired[i].stamp && retired[i].tag == tag) return i;
        return retired_slots;
    }
    void retire(const KeyState& ks) {
        auto tag = retired_hash(ks.key);
        auto* set = &retired[set_of(tag)];
        auto* slot = std::min_element(set, set + retired_ways, [&](auto& a, auto& b) {
            return (a.tag == tag ? 0 : a.stamp + 1) < (b.tag == tag ? 0 : b.stamp + 1);
        });
        *slot = {tag, ks.newest_ts, ++retired_count};
    }

    const KeyState* find(const PublicKeyBytes& k) const {
        auto it = index.find(k);
        return it == index.end() ? nullptr : &*it->second;
    }

    KeyState& touch(const PublicKeyBytes& k) {
        auto it = index.find(k);
        if (it != index.end()) {
            lru.splice(lru.begin(), lru, it->second);
            return lru.front();
        }
        if (index.size() >= cfg.max_keys && !lru.empty()) {
            // Evict the least recently heard key that is not protected (a friend's), looking
            // at most 64 entries up from the end so that eviction stays O(1).
            auto victim = std::prev(lru.end());
            for (int n = 0; protect && n < 64 && protect(victim->key) && victim != lru.begin(); ++n)
                --victim;
            if (protect && protect(victim->key)) victim = std::prev(lru.end());
            retire(*victim);
            index.erase(victim->key);
            lru.erase(victim);
        }
        lru.emplace_front();
        lru.front().key = k;
        if (auto i = find_retired(k); i < retired_slots) {
            lru.front().retired_floor = retired[i].newest_ts;
            lru.front().newest_ts = std::max<std::int64_t>(0, retired[i].newest_ts);
            retired[i] = Retired{};
        }
        index.emplace(k, lru.begin());
        return lru.front();
    }
};

ReplayWindow::ReplayWindow(ReplayConfig cfg) : s_(std::make_unique<State>()) {
    s_->cfg = cfg;
}
ReplayWindow::~ReplayWindow() = default;

ReplayVerdict ReplayWindow::check(const PublicKeyBytes& key, std::uint64_t incarnation,
                                  std::uint64_t seq, std::int64_t timestamp_ns,
                                  MonoTime now) const {
    const KeyState* ks = s_->find(key);
    if (!ks) {
        // Unknown, or evicted: an evicted key's datagrams up to its newest are not first
        // contact again (as long as its retired slot lasts).
        auto i = s_->find_retired(key);
        if (i < State::retired_slots && timestamp_ns <= s_->retired[i].newest_ts)
            return ReplayVerdict::replay;
        return ReplayVerdict::fresh;
    }
    for (const auto& inc : ks->incarnations) {
        if (inc.incarnation != incarnation) continue;
        if (timestamp_ns <= inc.floor) return ReplayVerdict::replay;
        if (seq > inc.highest) return ReplayVerdict::fresh;
        std::uint64_t back = inc.highest - seq;
        if (back >= window_size) return ReplayVerdict::replay;
        if (!inc.seen.test(back)) return ReplayVerdict::fresh;
        std::size_t slot = seq % IncarnationState::ring;
        if (inc.ring_seq[slot] == static_cast<std::uint16_t>(seq) &&
            now - inc.ring_time[slot] <= s_->cfg.duplicate_window)
            return ReplayVerdict::duplicate;
        return ReplayVerdict::replay;
    }
    if (timestamp_ns <= ks->retired_floor) return ReplayVerdict::replay;
    auto tolerance = static_cast<std::int64_t>(s_->cfg.incarnation_tolerance.count());
    if (timestamp_ns < ks->newest_ts - tolerance) return ReplayVerdict::replay;
    return ReplayVerdict::fresh;
}

void ReplayWindow::accept(const PublicKeyBytes& key, std::uint64_t incarnation, std::uint64_t seq,
                          std::int64_t timestamp_ns, MonoTime now) {
    KeyState& ks = s_->touch(key);
    ks.newest_ts = std::max(ks.newest_ts, timestamp_ns);
    auto it = std::find_if(ks.incarnations.begin(), ks.incarnations.end(),
                           [&](const IncarnationState& s) { return s.incarnation == incarnation; });
    if (it == ks.incarnations.end()) {
        // A new incarnation, or one retired before and heard again: what it sent before was
        // retired with it, so it starts above the floor of everything retired so far.
        std::int64_t floor = ks.retired_floor;
        if (ks.incarnations.size() >= max_incarnations) {
            it = std::min_element(
                ks.incarnations.begin(), ks.incarnations.end(),
                [](const auto& a, const auto& b) { return a.last_used < b.last_used; });
            ks.retired_floor = std::max(ks.retired_floor, it->newest_ts);
            *it = IncarnationState{};
        } else {
            it = ks.incarnations.emplace(ks.incarnations.end());
        }
        it->incarnation = incarnation;
        it->floor = floor;
    }
    auto& inc = *it;
    inc.newest_ts = std::max(inc.newest_ts, timestamp_ns);
    inc.last_used = now;
    if (seq > inc.highest) {
        std::uint64_t shift = seq - inc.highest;
        if (inc.highest == 0 || shift >= window_size)
            inc.seen.reset();
        else
            inc.seen <<= static_cast<std::size_t>(shift);
        inc.highest = seq;
        inc.seen.set(0);
    } else {
        inc.seen.set(static_cast<std::size_t>(inc.highest - seq));
    }
    std::size_t slot = seq % IncarnationState::ring;
    inc.ring_seq[slot] = static_cast<std::uint16_t>(seq);
    inc.ring_time[slot] = now;
}

const Verifier& ReplayWindow::verifier(const PublicKeyBytes& key) {
    // Verifiers are cached only for keys that have an entry (an accepted datagram), so junk
    // keys cannot fill the cache; for a first-time key a temporary entry-less verifier is kept.
    auto it = s_->index.find(key);
    if (it != s_->index.end()) {
        auto& ks = *it->second;
        if (!ks.verifier) ks.verifier.emplace(key);
        return *ks.verifier;
    }
    thread_local std::optional<Verifier> transient;
    transient.emplace(key);
    return *transient;
}

std::size_t ReplayWindow::key_count() const {
    return s_->index.size();
}

void ReplayWindow::set_protect(std::function<bool(const PublicKeyBytes&)> p) {
    s_->protect = std::move(p);
}

bool ReplayWindow::knows(const PublicKeyBytes& key) const {
    return s_->find(key) != nullptr;
}

} // namespace mcast
