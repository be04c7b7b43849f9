// SendPacer and paced_rate (send_pacer.hpp).
#include "transfer/send_pacer.hpp"

#include <algorithm>

namespace mcast::share {

std::optional<std::uint64_t> paced_rate(const std::optional<Advice>& advice,
                                        std::uint64_t floor_bps) {
    if (!advice || !advice->yield) return std::nullopt;
    return advice->rate_bps.value_or(floor_bps);
}

double SendPacer::capacity() const {
    constexpr double piece = 64 * 1024;
    if (!rate_bps_) return piece;
    return std::max(piece, static_cast<double>(*rate_bps_) / 8 *
                               std::chrono::duration<double>(burst_).count());
}

void SendPacer::refill(MonoTime now) {
    if (!rate_bps_) return;
    if (now > at_) {
        double secs = std::chrono::duration<double>(now - at_).count();
        tokens_ = std::min(capacity(), tokens_ + secs * static_cast<double>(*rate_bps_) / 8);
    }
    at_ = std::max(at_, now);
}

void SendPacer::set_rate(std::optional<std::uint64_t> bps, MonoTime now) {
    if (bps == rate_bps_) return;
    refill(now);
    bool was_free = !rate_bps_;
    rate_bps_ = bps;
    at_ = now;
    if (!rate_bps_) {
        tokens_ = 0;
        return;
    }
    if (*rate_bps_ == 0) rate_bps_ = 1; // never a division by zero; advice keeps a floor anyway
    // From full speed: a bucket that is full, no debt carried over; a new rate keeps the debt
    // (in bytes) but not more credit than the new bucket holds.
    tokens_ = was_free ? capacity() : std::min(tokens_, capacity());
}

std::chrono::nanoseconds SendPacer::wait(MonoTime now) {
    if (!rate_bps_) return std::chrono::nanoseconds(0);
    refill(now);
    if (tokens_ >= 0) return std::chrono::nanoseconds(0);
    double secs = -tokens_ * 8 / static_cast<double>(*rate_bps_);
    return std::chrono::nanoseconds(static_cast<std::int64_t>(secs * 1e9) + 1);
}

void SendPacer::spent(std::uint64_t bytes, MonoTime now) {
    if (!rate_bps_) return;
    refill(now);
    tokens_ -= static_cast<double>(bytes);
}

} // namespace mcast::share
