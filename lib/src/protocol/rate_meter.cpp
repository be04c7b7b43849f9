// Counter readings to a smoothed rate; see rate_meter.hpp.
#include "protocol/rate_meter.hpp"

#include <cmath>

namespace mcast {

void CounterRate::reset() {
    counter_.reset();
    smoothed_.reset();
    bps_.reset();
    last_.reset();
}

void CounterRate::feed(std::uint64_t counter, MonoTime now) {
    if (width_ == Width::bits32) counter &= 0xffff'ffffULL;
    if (counter_ && now <= at_) return;
    if (!counter_ || now - at_ > cfg_.max_gap) {
        // First reading, or one after a silence too long to trust the difference.
        reset();
        counter_ = counter;
        at_ = now;
        return;
    }
    const double seconds = std::chrono::duration<double>(now - at_).count();
    std::uint64_t delta = counter - *counter_; // mod 2^64
    if (counter < *counter_) {
        if (width_ == Width::bits32) delta &= 0xffff'ffffULL;
        const bool plausible =
            width_ == Width::bits32 &&
            static_cast<double>(delta) * 8 / seconds <= static_cast<double>(max_rate_bps);
        if (!plausible) {
            // A reset: this reading is the new base; the smoothed rate stays as it was (the
            // traffic did not stop because a counter went back to zero).
            ++resets_;
            counter_ = counter;
            at_ = now;
            return;
        }
        ++wraps_;
    }
    const double rate = static_cast<double>(delta) * 8 / seconds;
    smoothed_ = smoothed_ ? cfg_.alpha * rate + (1 - cfg_.alpha) * *smoothed_ : rate;
    counter_ = counter;
    at_ = now;
    last_ = static_cast<std::uint64_t>(std::llround(rate));
    bps_ = static_cast<std::uint64_t>(std::llround(*smoothed_));
}

} // namespace mcast
