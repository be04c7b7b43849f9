// The failure ration; see failure_limiter.hpp.
#include "protocol/failure_limiter.hpp"

#include <algorithm>
#include <cstring>
#include <random>

namespace mcast {

namespace {

std::uint64_t mix(std::uint64_t h) {
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    return h ^ (h >> 33);
}

} // namespace

FailureLimiter::FailureLimiter(FailureLimitConfig cfg)
    : cfg_(cfg), global_{0, cfg.global_burst, {}, true},
      sources_(std::max<std::size_t>(cfg.slots, 1)),
      known_sources_(std::max<std::size_t>(cfg.slots, 1)),
      pairs_(std::max<std::size_t>(cfg.slots, 1)) {
    std::random_device rd;
    seed_ = (std::uint64_t{rd()} << 32) ^ rd();
}

const FailureLimiter::Slot& FailureLimiter::slot_of(const std::vector<Slot>& table,
                                                    std::uint64_t tag) const {
    return table[mix(tag) % table.size()];
}

FailureLimiter::Slot& FailureLimiter::slot(std::vector<Slot>& table, std::uint64_t tag,
                                           MonoTime now) {
    auto& s = table[mix(tag) % table.size()];
    if (!s.used) { // never used: a full bucket
        s = Slot{tag, cfg_.burst, now, true};
        return s;
    }
    // Tags that share a slot share its tokens: a refill on taking a slot over gave a flood
    // with many keys or sources a full bucket on every collision.
    refill(s, now, cfg_.refill_per_second, cfg_.burst);
    s.tag = tag;
    return s;
}

double FailureLimiter::peek(const Slot& s, MonoTime now, double rate, double burst) const {
    if (!s.used) return burst;
    double elapsed = std::chrono::duration<double>(now - s.last).count();
    return elapsed > 0 ? std::min(burst, s.tokens + elapsed * rate) : s.tokens;
}

void FailureLimiter::refill(Slot& s, MonoTime now, double rate, double burst) const {
    double elapsed = std::chrono::duration<double>(now - s.last).count();
    if (elapsed > 0) s.tokens = std::min(burst, s.tokens + elapsed * rate);
    s.last = now;
}

static std::uint64_t pair_tag(std::uint64_t seed, std::uint64_t source, const PublicKeyBytes& key) {
    std::uint64_t k;
    std::memcpy(&k, key.data(), sizeof k);
    return mix(seed ^ source) ^ mix(k + 0x9e3779b97f4a7c15ULL);
}

static std::uint64_t source_tag(std::uint64_t seed, std::uint64_t source) {
    return mix(seed + source * 0x9e3779b97f4a7c15ULL + 1);
}

static std::uint64_t known_source_tag(std::uint64_t seed, std::uint64_t source) {
    return mix(seed + source * 0x9e3779b97f4a7c15ULL + 2);
}

bool FailureLimiter::allow(std::uint64_t source, const PublicKeyBytes& key, bool known,
                           MonoTime now) {
    // A known key: its own (source, key) bucket, and the source's bucket for forgeries that
    // claim known keys, so that K keys heard once do not give a source K buckets.
    if (known)
        return slot(pairs_, pair_tag(seed_, source, key), now).tokens >= 1.0 &&
               slot(known_sources_, known_source_tag(seed_, source), now).tokens >= 1.0;
    refill(global_, now, cfg_.global_refill_per_second, cfg_.global_burst);
    return global_.tokens >= 1.0 && slot(sources_, source_tag(seed_, source), now).tokens >= 1.0;
}

void FailureLimiter::failed(std::uint64_t source, const PublicKeyBytes& key, MonoTime now,
                            bool known) {
    active_ = true;
    auto& p = slot(pairs_, pair_tag(seed_, source, key), now);
    p.tokens = std::max(0.0, p.tokens - 1.0);
    auto& s = known ? slot(known_sources_, known_source_tag(seed_, source), now)
                    : slot(sources_, source_tag(seed_, source), now);
    s.tokens = std::max(0.0, s.tokens - 1.0);
    refill(global_, now, cfg_.global_refill_per_second, cfg_.global_burst);
    global_.tokens = std::max(0.0, global_.tokens - 1.0);
}

double& FailureLimiter::Forecast::spent(const Slot* s) {
    for (auto& [slot, n] : spent_)
        if (slot == s) return n;
    return spent_.emplace_back(s, 0.0).second;
}

double FailureLimiter::Forecast::tokens(const std::vector<Slot>& table, std::uint64_t tag,
                                        MonoTime now) const {
    const auto& s = l_.slot_of(table, tag);
    double t = l_.peek(s, now, l_.cfg_.refill_per_second, l_.cfg_.burst);
    for (const auto& [slot, n] : spent_)
        if (slot == &s) t -= n;
    return t;
}

bool FailureLimiter::Forecast::allow_and_fail(std::uint64_t source, const PublicKeyBytes& key,
                                              bool known, MonoTime now) {
    // The buckets allow() reads, then those failed() spends, as they are in the limiter.
    const auto pair = pair_tag(l_.seed_, source, key);
    const auto& src_table = known ? l_.known_sources_ : l_.sources_;
    const auto src = known ? known_source_tag(l_.seed_, source) : source_tag(l_.seed_, source);
    double global =
        l_.peek(l_.global_, now, l_.cfg_.global_refill_per_second, l_.cfg_.global_burst) -
        spent(&l_.global_);
    bool allowed = known ? tokens(l_.pairs_, pair, now) >= 1.0 && tokens(src_table, src, now) >= 1.0
                         : global >= 1.0 && tokens(src_table, src, now) >= 1.0;
    if (!allowed) return false;
    spent(&l_.slot_of(l_.pairs_, pair)) += 1;
    spent(&l_.slot_of(src_table, src)) += 1;
    spent(&l_.global_) += 1;
    return true;
}

} // namespace mcast
