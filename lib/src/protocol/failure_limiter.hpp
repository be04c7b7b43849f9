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

private:
    struct Slot {
        std::uint64_t tag = 0;
        double tokens = 0;
        MonoTime last{};
        bool used = false;
    };
    // Sources and pairs have tables of their own, so that the many pairs of a flood with
    // random keys can never evict (and so refill) its source's bucket.
    Slot& slot(std::vector<Slot>& table, std::uint64_t tag, MonoTime now);
    void refill(Slot& s, MonoTime now, double rate, double burst) const;

    FailureLimitConfig cfg_;
    Slot global_;
    std::vector<Slot> sources_, known_sources_, pairs_;
    std::uint64_t seed_;
    bool active_ = false;
};

} // namespace mcast
