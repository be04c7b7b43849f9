// The serving side's pace under weather advice (docs/sharing.md, "Giving way"): a token bucket
// that every body write of the HTTPS server draws from, shared by all its connections. Full
// speed while the advice is clear; while it says to yield, at most the advised rate, and at
// least the advice's floor when it names no rate (a server that stopped would let its clients
// time out; the fetcher, which can wait, pauses instead). Sans-IO: time is passed in.
#pragma once

#include <mcast/mono_time.hpp>
#include <mcast/weather.hpp>

#include <chrono>
#include <cstdint>
#include <optional>

namespace mcast::share {

// The rate a bulk sender keeps below under `advice` (nullopt: no limit). `floor_bps` stands in
// when the advice yields without a rate.
std::optional<std::uint64_t> paced_rate(const std::optional<Advice>& advice,
                                        std::uint64_t floor_bps);

class SendPacer {
public:
    // `burst`: how far ahead of the rate a sender may get after a quiet spell, in time at that
    // rate (at least one 64 KiB piece).
    explicit SendPacer(std::chrono::milliseconds burst = std::chrono::milliseconds(100))
        : burst_(burst) {}

    // nullopt: no limit (the bucket is full at once when a limit comes back).
    void set_rate(std::optional<std::uint64_t> bps, MonoTime now);
    std::optional<std::uint64_t> rate() const { return rate_bps_; }
    // How long to wait before the next write (zero: now).
    std::chrono::nanoseconds wait(MonoTime now);
    // `bytes` were written at `now`.
    void spent(std::uint64_t bytes, MonoTime now);

private:
    void refill(MonoTime now);
    double capacity() const;

    std::chrono::milliseconds burst_;
    std::optional<std::uint64_t> rate_bps_;
    double tokens_ = 0; // bytes; negative: owed
    MonoTime at_{};
};

} // namespace mcast::share
