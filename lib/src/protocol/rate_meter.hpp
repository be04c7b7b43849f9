// Bits per second from a byte counter sampled now and then: an interface's 64-bit statistics
// (rtnetlink, /sys/class/net) or an IGD's 32-bit totals (UPnP GetTotalBytesSent), which wrap
// every 4 GiB (under 6 minutes at 100 Mbit/s: the weather service polls them every second).
// Sans-IO: the caller passes each reading with its time.
//
//   CounterRate up(CounterRate::Width::bits32);
//   up.feed(reading, now);          // every second
//   if (auto bps = up.bps()) ...    // none until two readings
#pragma once

#include <mcast/mono_time.hpp>

#include <chrono>
#include <cstdint>
#include <optional>

namespace mcast {

class CounterRate {
public:
    enum class Width : std::uint8_t { bits32, bits64 };
    struct Config {
        // Weight of the newest interval in the smoothed rate (EWMA): 0.5 follows a change
        // within 3 samples (87 %) and halves a one-second spike.
        double alpha = 0.5;
        // A gap longer than this between two readings restarts the meter: the counter may have
        // wrapped more than once, so the difference means nothing.
        std::chrono::milliseconds max_gap{30000};
    };

    explicit CounterRate(Width width = Width::bits64) : CounterRate(width, Config{}) {}
    CounterRate(Width width, Config cfg) : width_(width), cfg_(cfg) {}

    // One reading of the counter (bytes) at `now`. A 32-bit counter lower than the last reading
    // wrapped once (the difference is taken mod 2^32), unless that difference means a rate
    // beyond max_rate_bps: then, like a 64-bit counter that goes down (interface re-created,
    // router rebooted), it was reset, and this reading is the new base: no spike, no zero, the
    // smoothed rate stays until the next interval. A reading more than max_gap after the last
    // restarts the meter (no rate until the next reading). Readings not after the last one
    // are ignored.
    void feed(std::uint64_t counter, MonoTime now);

    // The smoothed rate in bits per second; none until two readings (after a start or a gap).
    std::optional<std::uint64_t> bps() const { return bps_; }
    // The rate of the last interval alone.
    std::optional<std::uint64_t> last_bps() const { return last_; }
    // How many times the counter was seen to wrap and to reset.
    std::uint64_t wraps() const { return wraps_; }
    std::uint64_t resets() const { return resets_; }
    void reset();

    // A wrapped 32-bit difference above this rate is taken as a reset instead (no link in a
    // home is faster than 100 Gbit/s, the weather's limit for a plausible rate).
    static constexpr std::uint64_t max_rate_bps = 100'000'000'000;

private:
    Width width_;
    Config cfg_;
    std::optional<std::uint64_t> counter_;
    MonoTime at_{};
    std::optional<double> smoothed_;
    std::optional<std::uint64_t> bps_, last_;
    std::uint64_t wraps_ = 0, resets_ = 0;
};

} // namespace mcast
