// How often a node may send on behalf of the network: ping replies per prober key, unicast
// answers, replies and reports per destination address. Each key has a token bucket, and all
// keys share one more, so neither one asker nor many (fresh keys, spoofed addresses) can make a
// node send more than the total. Fixed-size table with a per-process seed, so that nobody can
// choose keys that share a slot; keys that do share a slot share its tokens (a newcomer never
// gets a full bucket by taking a slot over). Sans-IO and header-only: time is passed in.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <random>
#include <string_view>
#include <vector>

namespace mcast::detail {

struct SendBudgetConfig {
    double per_key_rate = 20;  // tokens per second, per key
    double per_key_burst = 20; // tokens at most, per key
    double total_rate = 200;   // for all keys together
    double total_burst = 200;
    std::size_t slots = 1024;
};

class SendBudget {
public:
    using Time = std::chrono::steady_clock::time_point;

    explicit SendBudget(SendBudgetConfig cfg = {})
        : cfg_(cfg), slots_(std::max<std::size_t>(cfg.slots, 1)) {
        std::random_device rd;
        seed_ = (std::uint64_t{rd()} << 32) ^ rd();
        total_ = {cfg.total_burst, {}, true};
    }

    // Whether one more datagram for `key` may be sent now; spends a token of the key's bucket
    // and of the total when it may.
    bool allow(std::string_view key, Time now) {
        auto tag = hash(key);
        auto& s = slots_[tag % slots_.size()];
        if (!s.used) s = Slot{cfg_.per_key_burst, now, true}; // keys sharing it share tokens
        refill(s, now, cfg_.per_key_rate, cfg_.per_key_burst);
        refill(total_, now, cfg_.total_rate, cfg_.total_burst);
        if (s.tokens < 1.0 || total_.tokens < 1.0) {
            ++refused_;
            return false;
        }
        s.tokens -= 1.0;
        total_.tokens -= 1.0;
        return true;
    }

    std::uint64_t refused() const { return refused_; }

private:
    struct Slot {
        double tokens = 0;
        Time last{};
        bool used = false;
    };

    static void refill(Slot& s, Time now, double rate, double burst) {
        double elapsed = std::chrono::duration<double>(now - s.last).count();
        if (elapsed > 0) s.tokens = std::min(burst, s.tokens + elapsed * rate);
        if (now > s.last) s.last = now;
    }

    std::uint64_t hash(std::string_view key) const {
        std::uint64_t h = seed_ ^ 0xcbf29ce484222325ULL; // FNV-1a, seeded, then mixed
        for (char c : key)
            h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
        h ^= h >> 33;
        h *= 0xff51afd7ed558ccdULL;
        return h ^ (h >> 33);
    }

    SendBudgetConfig cfg_;
    std::vector<Slot> slots_;
    Slot total_;
    std::uint64_t seed_ = 0;
    std::uint64_t refused_ = 0;
};

} // namespace mcast::detail
