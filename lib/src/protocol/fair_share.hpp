// Fair sharing of verification under overload. While the receiver keeps up, every datagram is
// verified. When it falls behind (datagrams wait longer than a threshold between the kernel's
// receive stamp and their turn), a source that has used more than its fair share of this
// second's verifications is skipped before verification, so one source flooding validly
// signed datagrams cannot crowd out the others. Fixed-size table indexed by a hash keyed with a
// per-process seed, as the failure ration's; sans-IO: times passed in.
#pragma once

#include <mcast/mono_time.hpp>

#include <chrono>
#include <cstdint>
#include <vector>

namespace mcast {

struct FairShareConfig {
    std::chrono::nanoseconds overload_lag = std::chrono::milliseconds(20);
    std::chrono::nanoseconds window = std::chrono::seconds(1);
    std::size_t slots = 1024;
};

class FairShare {
public:
    explicit FairShare(FairShareConfig cfg = {});
    // Whether a datagram from `source`, which waited `lag` since it arrived, may be verified.
    // Counts it when it may.
    bool admit(std::uint64_t source, std::chrono::nanoseconds lag, MonoTime now);
    // Whether a datagram that waited `lag` finds the receiver behind (admit() may refuse it).
    bool behind(std::chrono::nanoseconds lag) const { return lag > cfg_.overload_lag; }

private:
    struct Slot {
        std::uint64_t tag = 0;
        std::uint64_t count = 0;
        std::uint64_t epoch = 0;
    };
    FairShareConfig cfg_;
    std::vector<Slot> slots_;
    std::uint64_t epoch_ = 1, total_ = 0, active_ = 0;
    MonoTime window_start_{};
    std::uint64_t seed_ = 0; // per process: nobody can pick sources that share a slot
};

} // namespace mcast
