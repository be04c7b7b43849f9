// Fair sharing under overload; see fair_share.hpp.
#include "protocol/fair_share.hpp"

#include <algorithm>
#include <random>

namespace mcast {

FairShare::FairShare(FairShareConfig cfg) : cfg_(cfg), slots_(std::max<std::size_t>(cfg.slots, 1)) {
    std::random_device rd;
    seed_ = (std::uint64_t{rd()} << 32) ^ rd();
}

bool FairShare::admit(std::uint64_t source, std::chrono::nanoseconds lag, MonoTime now) {
    if (now - window_start_ >= cfg_.window) { // a new window: everyone starts from zero
        window_start_ = now;
        ++epoch_;
        total_ = active_ = 0;
    }
    std::uint64_t h = (source ^ seed_) * 0x9e3779b97f4a7c15ULL;
    h ^= h >> 32;
    h *= 0xff51afd7ed558ccdULL;
    auto& s = slots_[(h ^ (h >> 29)) % slots_.size()];
    if (s.epoch != epoch_ || s.tag != source) {
        if (s.epoch == epoch_ && s.tag != source) {
            // Two sources share a slot this window: count them together (bounded memory).
        } else {
            s = Slot{source, 0, epoch_};
            ++active_;
        }
    }
    if (lag > cfg_.overload_lag && active_ > 1) {
        // Overloaded: a source beyond its fair share (with some slack) waits for next window.
        std::uint64_t share = total_ / active_;
        if (s.count > share + share / 2 + 8) return false;
    }
    ++s.count;
    ++total_;
    return true;
}

} // namespace mcast
