// Signature failures cost a verification each and are free to forge, so they are rationed in
// buckets that refill slowly: one per source address, one per (source, claimed key) pair, and one
// for everything. A datagram from a key that has never verified here is dropped before
// verification when its source's bucket or the global one is empty (a flood of forged datagrams,
// whatever keys they claim, from one address or from many). A key that did verify before keeps
// being checked as long as its own (source, key) bucket and its source's second bucket last:
// the second is spent only by forgeries that claim known keys, so real senders are served
// through a flood of unknown keys, and forgeries under K known keys cost a source one bucket,
// not K. Senders whose signatures verify never spend, however fast they send. Fixed-size,
// direct-mapped tables: memory is bounded whatever the number of sources; tags that share a
// slot share its tokens.
#pragma once

#include <mcast/identity.hpp>
#include <mcast/mono_time.hpp>

#include <chrono>
#include <cstdint>
#include <vector>

namespace mcast {

struct FailureLimitConfig {
    double refill_per_second = 20;          // failures forgiven per second, per source or pair
    double burst = 100;                     // failures allowed at once, per source or pair
    double global_refill_per_second = 1000; // for all sources together
    double global_burst = 2000;
    std::size_t slots = 4096; // table size (tags beyond it share slots)
};

class FailureLimiter {
private:
    struct Slot {
        std::uint64_t tag = 0;
        double tokens = 0;
        MonoTime last{};
        bool used = false;
    };

public:
    explicit FailureLimiter(FailureLimitConfig cfg = {});

    // False until the first failure: until then every datagram may be verified and callers can
    // skip allow() (and working out `known`) on the per-datagram path.
    bool active() const { return active_; }
    // Whether a datagram from (source, key) may be verified now; `known` when the key has
    // verified here before.
    bool allow(std::uint64_t source, const PublicKeyBytes& key, bool known, MonoTime now);
    // Its verification failed (`known` as for allow()).
    void failed(std::uint64_t source, const PublicKeyBytes& key, MonoTime now, bool known = false);

    // What allow() would say to a run of verifications that all fail, worked out without
    // changing the limiter: a receiver that checks signatures ahead of their turn (several at
    // once on other threads) checks no more ahead than the ration would let through in turn.
    class Forecast {
    public:
        explicit Forecast(const FailureLimiter& limiter) : l_(limiter) {}
        // As allow(), then as failed() when it allows (in this forecast only).
        bool allow_and_fail(std::uint64_t source, const PublicKeyBytes& key, bool known,
                            MonoTime now);

    private:
        // The tokens a bucket would hold at `now`, less those this forecast spent.
        double tokens(const std::vector<Slot>& table, std::uint64_t tag, MonoTime now) const;
        double& spent(const Slot* s);
        const FailureLimiter& l_;
        std::vector<std::pair<const Slot*, double>> spent_; // a few buckets per wake-up
    };

private:
    // Sources and pairs have tables of their own, so that the many pairs of a flood with
    // random keys can never evict (and so refill) its source's bucket.
    Slot& slot(std::vector<Slot>& table, std::uint64_t tag, MonoTime now);
    const Slot& slot_of(const std::vector<Slot>& table, std::uint64_t tag) const;
    // The tokens `s` holds at `now` (refill() without changing it); a slot never used is full.
    double peek(const Slot& s, MonoTime now, double rate, double burst) const;
    void refill(Slot& s, MonoTime now, double rate, double burst) const;

    FailureLimitConfig cfg_;
    Slot global_;
    std::vector<Slot> sources_, known_sources_, pairs_;
    std::uint64_t seed_;
    bool active_ = false;
};

} // namespace mcast
